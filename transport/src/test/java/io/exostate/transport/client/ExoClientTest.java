package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.ListNamespacesDecoder;
import io.exostate.core.codec.sbe.TriggerDecoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.transport.TransportErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.client.TestSupport.NS;
import static io.exostate.transport.client.TestSupport.clientContext;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExoClientTest
{
    private static final Node ECHO = Node.named("Echo").inputs("text").outputs("text").single((in, s) -> in);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Engine engine;
    private FakeServer server;

    @BeforeEach
    void startServer()
    {
        engine = new Engine();
        server = track(FakeServer.start(engine));
    }

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    private ExoClient connect()
    {
        return track(ExoClient.connect(clientContext(server.port())));
    }

    private void registerEchoGraph(final ExoClient client)
    {
        client.registerNodes("rt", List.of(ECHO.registration()));
        final Views.Graph g = client.upsertGraph(graph("echo", node("e", "Echo", map("text", "hello"))));
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
    }

    @Test
    void shouldOpenSessionWithHello()
    {
        final ExoClient client = connect();

        assertThat(client.sessionId()).isPositive();
        assertThat(client.namespace()).isEqualTo(NS);
        assertThat(client.namespaces()).isEmpty();
        assertThat(server.sessionsOpened.get()).isEqualTo(1);
    }

    @Test
    void shouldFailFastWithAuthFailedForWrongApiKey()
    {
        final long start = System.nanoTime();

        assertThatThrownBy(() -> ExoClient.connect(clientContext(server.port()).apiKey("wrong")))
            .isInstanceOfSatisfying(ExoException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(ExoException.Kind.TRANSPORT);
                assertThat(ex.transportError()).isEqualTo(TransportErrorCode.AUTH_FAILED);
                assertThat(ex.detail()).isEqualTo("Invalid API key");
                assertThat(ex.retriable()).isFalse();
            });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void shouldTimeOutConnectingWhenNothingListens()
    {
        final int port = server.port();
        server.close();

        assertThatThrownBy(() -> ExoClient.connect(clientContext(port).connectTimeout(Duration.ofMillis(300))))
            .isInstanceOfSatisfying(ExoException.class, ex ->
                assertThat(ex.kind()).isEqualTo(ExoException.Kind.TIMEOUT));
    }

    @Test
    void shouldRegisterUpsertTriggerAndReadBack()
    {
        final ExoClient client = connect();

        final Replies.Register registered = client.registerNodes("rt", List.of(ECHO.registration()));
        assertThat(registered.nodes()).extracting(NodeRegistration::name).containsExactly("Echo");
        registerEchoGraph(client);

        final String runId = client.trigger("echo", map("text", "hi"), Map.of(), 0);
        assertThat(runId).hasSize(36);

        assertThat(client.namespaces()).containsExactly(NS);
        assertThat(client.nodes()).extracting(n -> n.registration().name()).containsExactly("Echo");
        assertThat(client.graph("echo").name()).isEqualTo("echo");
        assertThat(client.graphs()).extracting(Views.Graph::name).containsExactly("echo");
        final Views.RunsPage page = client.runs(1, 10);
        assertThat(page.runs()).extracting(Views.RunSummary::runId).containsExactly(runId);
        assertThat(page.runs().get(0).status()).isEqualTo("PENDING");

        final List<ClaimedState> claimed = client.claim(List.of("Echo"), 10, 0, 0);
        assertThat(claimed).hasSize(1);
        final ClaimedState state = claimed.get(0);
        assertThat(state.inputsMap()).isEqualTo(map("text", "hi"));
        assertThat(state.runId()).isEqualTo(runId);
        client.executed(state.stateId(), state.claimToken(), List.of(map("text", "hi")));

        final Views.RunGraph runGraph = client.runGraph(runId);
        assertThat(runGraph.nodes()).extracting(Views.GraphNode::status).containsExactly(Status.SUCCESS);
        final Views.NodeDetails details = client.nodeDetails("echo", runId, Ids.stateId(state.stateId()));
        assertThat(details.outputsMap()).isEqualTo(map("text", "hi"));
        assertThat(TestSupport.run(client, runId).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldSurfaceRejectionsAsTypedExceptions()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);

        assertThatThrownBy(() -> client.trigger("missing", Map.of(), Map.of(), 0))
            .isInstanceOfSatisfying(ExoException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(ExoException.Kind.REJECTED);
                assertThat(ex.rejectCode()).isEqualTo(RejectCode.GRAPH_NOT_FOUND);
                assertThat(ex.retriable()).isFalse();
            });
        assertThatThrownBy(() -> client.graph("missing"))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.GRAPH_NOT_FOUND)).isTrue());

        client.trigger("echo", Map.of(), Map.of(), 0);
        final ClaimedState state = client.claim(List.of("Echo"), 1, 10_000, 0).get(0);
        assertThatThrownBy(() -> client.executed(state.stateId(), state.claimToken() + 1, List.of(map("text", "x"))))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.STALE_TOKEN)).isTrue());
        assertThatThrownBy(() -> client.runs(0, 10))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.INVALID_REQUEST)).isTrue());

        // The same run id twice: the second trigger is refused, so a retried trigger is safe.
        final String runId = client.trigger("echo", "fixed-run-id", Map.of(), Map.of(), 0);
        assertThatThrownBy(() -> client.trigger("echo", runId, Map.of(), Map.of(), 0))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.DUPLICATE_RUN)).isTrue());
    }

    @Test
    void shouldParkLongPollClaimUntilWorkArrives()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);

        final long start = System.nanoTime();
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 5, 0, 10_000);
        TestSupport.await("the claim to park", Duration.ofSeconds(5), () -> server.claimsParked.get() == 1);
        assertThat(claim).isNotDone();

        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);

        final List<ClaimedState> states = claim.join();
        assertThat(states).extracting(ClaimedState::runId).containsExactly(runId);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldAnswerEmptyWhenLongPollWaitEnds()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);

        assertThat(client.claim(List.of("Echo"), 5, 0, 100)).isEmpty();
    }

    @Test
    void shouldRetryBusyAnswersWithBackoff()
    {
        final ExoClient client = connect();
        server.busyAnswers.set(5);

        assertThat(client.namespaces()).isEmpty();
        assertThat(server.busySent.get()).isEqualTo(5);
    }

    @Test
    void shouldGiveUpWithBusyAfterRequestTimeout()
    {
        final ExoClient client = track(ExoClient.connect(
            clientContext(server.port()).requestTimeout(Duration.ofMillis(300))));
        server.busyAnswers.set(Integer.MAX_VALUE);

        assertThatThrownBy(client::namespaces).isInstanceOfSatisfying(ExoException.class, ex ->
        {
            assertThat(ex.is(TransportErrorCode.BUSY)).isTrue();
            assertThat(ex.retriable()).isTrue();
        });
        assertThat(server.busySent.get()).isGreaterThan(1);
    }

    @Test
    void shouldFollowTheLeader()
    {
        final FakeServer follower = track(FakeServer.start(new Engine()));
        follower.notLeader("127.0.0.1:" + server.port());
        final ExoClient client = track(ExoClient.connect(clientContext(follower.port())));

        registerEchoGraph(client);

        assertThat(server.onLoop(() -> engine.graph(NS, "echo"))).isNotNull();
        assertThat(follower.commandsApplied.get()).isZero();
    }

    @Test
    void shouldReconnectAfterServerRestartAndSendWhatWaited()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);
        final int port = server.port();
        server.close();
        TestSupport.await("the client to see the drop", Duration.ofSeconds(5), () -> !client.isConnected());

        final CompletableFuture<String> trigger = client.triggerAsync("echo", Map.of(), Map.of(), 0);
        TestSupport.pause(100);
        assertThat(trigger).isNotDone();

        server = track(FakeServer.start(engine, port));
        final String runId = trigger.join();

        assertThat(TestSupport.run(client, runId)).isNotNull();
        assertThat(server.sessionsOpened.get()).isEqualTo(1);
    }

    @Test
    void shouldWriteInFlightClaimAndQueryAgainOnTheNextSession()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 1, 0, 10_000);
        TestSupport.await("the claim to park", Duration.ofSeconds(5), () -> server.claimsParked.get() == 1);
        server.silent(true);
        final CompletableFuture<List<String>> query = client.namespacesAsync();
        TestSupport.await("the query to arrive", Duration.ofSeconds(5),
            () -> server.received.stream().anyMatch(r -> r.templateId() == ListNamespacesDecoder.TEMPLATE_ID));

        server.silent(false); // what it swallowed stays unanswered
        server.dropConnections();
        TestSupport.await("the next session", Duration.ofSeconds(5), () -> server.sessionsOpened.get() == 2);
        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);

        // Neither failed: both were written again, the claim parked again and took the run.
        assertThat(query.join()).containsExactly(NS);
        assertThat(claim.join()).extracting(ClaimedState::runId).containsExactly(runId);
        final List<FakeServer.Received> claims = server.received.stream()
            .filter(r -> r.templateId() == ClaimDecoder.TEMPLATE_ID).toList();
        assertThat(claims).hasSize(2);
        assertThat(claims.get(1).correlationId()).isEqualTo(claims.get(0).correlationId());
        assertThat(claims.get(1).message()).isEqualTo(claims.get(0).message());
    }

    @Test
    void shouldFailInFlightTriggerWithRetriableConnectionLost()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);
        server.silent(true);
        final CompletableFuture<String> trigger = client.triggerAsync("echo", Map.of(), Map.of(), 0);
        TestSupport.await("the trigger to arrive", Duration.ofSeconds(5),
            () -> server.received.stream().anyMatch(r -> r.templateId() == TriggerDecoder.TEMPLATE_ID));

        server.silent(false); // what it swallowed stays unanswered
        server.dropConnections();

        // It may have been applied (here it was not): the caller decides, the client does not send it twice.
        assertThatThrownBy(trigger::join).cause().isInstanceOfSatisfying(ExoException.class, ex ->
        {
            assertThat(ex.kind()).isEqualTo(ExoException.Kind.CONNECTION_LOST);
            assertThat(ex.retriable()).isTrue();
        });
        assertThat(client.runs(1, 10).runs()).isEmpty();
        assertThat(server.received.stream().filter(r -> r.templateId() == TriggerDecoder.TEMPLATE_ID)).hasSize(1);
    }

    @Test
    void shouldResendReportWhoseAnswerWasLostAndAcceptTheRepeatedAnswer()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);
        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);
        final ClaimedState state = client.claim(List.of("Echo"), 1, 10_000, 0).get(0);
        final long appliedBefore = server.commandsApplied.get();
        server.dropAfterApplying(5);

        final Replies.Executed executed =
            client.executed(state.stateId(), state.claimToken(), List.of(map("text", "x")));

        assertThat(executed.ok()).isTrue();
        // Applied, answer lost, sent again on the next session and answered with the first answer.
        assertThat(server.commandsApplied.get() - appliedBefore).isEqualTo(2);
        assertThat(server.sessionsOpened.get()).isEqualTo(2);
        assertThat(TestSupport.run(client, runId).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldTimeOutWhenServerStaysDown()
    {
        final ExoClient client = track(ExoClient.connect(
            clientContext(server.port()).requestTimeout(Duration.ofMillis(300))));
        server.close();
        TestSupport.await("the client to see the drop", Duration.ofSeconds(5), () -> !client.isConnected());

        assertThatThrownBy(client::namespaces).isInstanceOfSatisfying(ExoException.class, ex ->
        {
            assertThat(ex.kind()).isEqualTo(ExoException.Kind.TIMEOUT);
            assertThat(ex.retriable()).isTrue();
        });
    }

    @Test
    void shouldSendBatchedReportsInOneGo()
    {
        final ExoClient client = connect();
        registerEchoGraph(client);
        for (int i = 0; i < 5; i++)
        {
            client.trigger("echo", Map.of(), Map.of(), 0);
        }
        final List<ClaimedState> states = client.claim(List.of("Echo"), 10, 10_000, 0);
        assertThat(states).hasSize(5);

        final List<Report> reports = new ArrayList<>();
        reports.add(new Report.Heartbeat(states.get(0).stateId(), states.get(0).claimToken(), 20_000));
        reports.add(new Report.Executed(
            states.get(0).stateId(), states.get(0).claimToken(), List.of(map("text", "a"))));
        reports.add(new Report.Errored(states.get(1).stateId(), states.get(1).claimToken(), "boom"));
        reports.add(new Report.Prune(states.get(2).stateId(), states.get(2).claimToken(), "{}"));
        reports.add(new Report.Requeue(states.get(3).stateId(), states.get(3).claimToken(), 60_000));
        reports.add(new Report.Executed(states.get(4).stateId(), states.get(4).claimToken(), List.of()));
        final List<CompletableFuture<Object>> answers = client.reportsAsync(reports);

        assertThat(answers.get(0).join()).isInstanceOf(Replies.Heartbeat.class);
        assertThat(answers.get(1).join()).isEqualTo(Replies.Executed.OK);
        assertThat(answers.get(2).join()).isEqualTo(Replies.Errored.RETRY_CREATED);
        assertThat(answers.get(3).join()).isInstanceOf(Replies.Prune.class);
        assertThat(answers.get(4).join()).isInstanceOf(Replies.Requeue.class);
        // Zero outputs: Echo's child-less template takes it (SPEC §4, N = 0).
        assertThat(answers.get(5).join()).isEqualTo(Replies.Executed.OK);
    }

    @Test
    void shouldRefuseGraphOfAnotherNamespaceWithoutClosingTheSession()
    {
        final ExoClient client = connect();
        final long session = client.sessionId();

        assertThatThrownBy(() -> client.upsertGraph(new GraphSpec("other", "g", List.of(), Map.of(),
            RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of())))
            .isInstanceOfSatisfying(ExoException.class, ex ->
                assertThat(ex.kind()).isEqualTo(ExoException.Kind.INVALID));
        assertThat(client.namespaces()).isEmpty();
        assertThat(client.sessionId()).isEqualTo(session);
    }

    @Test
    void shouldRefuseBlockingCallsOnTheIoThread()
    {
        final ExoClient client = connect();

        // A parked claim: its answer comes later, on the I/O thread, which then runs the callback.
        final CompletableFuture<Object> nested = client.claimAsync(List.of("Echo"), 1, 0, 200).handle((ok, failure) ->
        {
            try
            {
                return client.namespaces();
            }
            catch (final IllegalStateException ex)
            {
                return ex;
            }
        });

        assertThat(nested.join()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldFailEverythingPendingOnClose()
    {
        final ExoClient client = ExoClient.connect(clientContext(server.port()));
        registerEchoGraph(client);
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 1, 0, 10_000);
        TestSupport.await("the claim to park", Duration.ofSeconds(5), () -> server.claimsParked.get() == 1);

        client.close();

        assertThatThrownBy(claim::join).cause().isInstanceOfSatisfying(ExoException.class, ex ->
            assertThat(ex.kind()).isEqualTo(ExoException.Kind.CLOSED));
        assertThatThrownBy(client::namespaces).isInstanceOfSatisfying(ExoException.class, ex ->
            assertThat(ex.kind()).isEqualTo(ExoException.Kind.CLOSED));
        assertThat(client.isClosed()).isTrue();
    }
}
