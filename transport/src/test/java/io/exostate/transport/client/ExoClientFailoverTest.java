package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.ExecutedDecoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.transport.TransportErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.exostate.transport.client.TestSupport.clusterContext;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client against a fake three-node cluster: {@link FakeServer}s sharing one engine, one leading at a time, the
 * others answering NOT_LEADER with the leader's address or, during an election, without one. Leaders die with
 * requests in flight; the client must move on and answer every request once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExoClientFailoverTest
{
    private static final Node ECHO = Node.named("Echo").inputs("text").outputs("text").single((in, s) -> in);

    private final List<AutoCloseable> closeables = new ArrayList<>();

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

    private ExoClient connect(final String... endpoints)
    {
        return track(ExoClient.connect(clusterContext(endpoints)));
    }

    private static void registerEchoGraph(final ExoClient client)
    {
        client.registerNodes("rt", List.of(ECHO.registration()));
        final Views.Graph g = client.upsertGraph(graph("echo", node("e", "Echo", map("text", "hello"))));
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
    }

    private static long count(final FakeServer server, final Predicate<FakeServer.Received> which)
    {
        return server.received.stream().filter(which).count();
    }

    /** How often each correlation id was served (applied, parked or answered) by a leader, over these servers. */
    private static Map<Long, Integer> servedByLeaders(final FakeServer... servers)
    {
        final Map<Long, Integer> served = new HashMap<>();
        for (final FakeServer s : servers)
        {
            for (final FakeServer.Received r : s.received)
            {
                if (r.served())
                {
                    served.merge(r.correlationId(), 1, Integer::sum);
                }
            }
        }
        return served;
    }

    private static byte[] firstFrame(final FakeServer server, final long correlationId)
    {
        return server.received.stream().filter(r -> r.correlationId() == correlationId).findFirst()
            .orElseThrow(() -> new AssertionError("no frame with correlation id " + correlationId)).message();
    }

    @Test
    void shouldMoveToTheNewLeaderWhenTheLeaderDiesWithRequestsInFlight()
    {
        final Engine engine = new Engine();
        final FakeServer a = track(FakeServer.start(engine));
        final FakeServer b = track(FakeServer.follower(engine, a.address()));
        final FakeServer c = track(FakeServer.follower(new Engine(), a.address()));
        // The client starts at a follower, which names the leader.
        final ExoClient client = connect(c.address(), b.address(), a.address());
        registerEchoGraph(client);
        assertThat(a.commandsApplied.get()).isEqualTo(2);
        final List<String> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            runs.add(client.trigger("echo", map("text", "t" + i), Map.of(), 0));
        }
        final List<ClaimedState> held = client.claim(List.of("Echo"), 3, 30_000, 0);
        assertThat(held).hasSize(3);

        // The leader reads the next requests and dies before it answers any.
        a.silent(true);
        final int before = a.received.size();
        final CompletableFuture<Replies.Executed> executed =
            client.executedAsync(held.get(0).stateId(), held.get(0).claimToken(), List.of(map("text", "x")));
        final CompletableFuture<Replies.Errored> errored =
            client.erroredAsync(held.get(1).stateId(), held.get(1).claimToken(), "boom");
        final CompletableFuture<Views.RunsPage> query = client.runsAsync(1, 10);
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 5, 30_000, 10_000);
        final CompletableFuture<String> trigger = client.triggerAsync("echo", Map.of(), Map.of(), 0);
        TestSupport.await("the leader to read 5 requests", Duration.ofSeconds(5),
            () -> a.received.size() == before + 5);
        final long claimId = a.received.stream().filter(r -> r.templateId() == ClaimDecoder.TEMPLATE_ID)
            .reduce((first, second) -> second).orElseThrow().correlationId();

        // An election: no node knows a leader while the old one is gone.
        b.notLeader("");
        c.notLeader("");
        final int asked = b.received.size() + c.received.size();
        a.close();
        TestSupport.await("the client to ask the others during the election", Duration.ofSeconds(5),
            () -> b.received.size() + c.received.size() >= asked + 4);
        b.notLeader(null);
        c.notLeader(b.address());

        assertThat(executed.join().ok()).isTrue();
        assertThat(query.join().runs()).extracting(Views.RunSummary::runId).containsAll(runs);
        // A trigger may have been applied when its answer is lost: it fails, retriable, and is not sent twice.
        assertThatThrownBy(trigger::join).cause().isInstanceOfSatisfying(ExoException.class, ex ->
            assertThat(ex.kind()).isEqualTo(ExoException.Kind.CONNECTION_LOST));
        final String late = client.trigger("echo", map("text", "late"), Map.of(), 0);
        assertThat(claim.join()).extracting(ClaimedState::runId).containsExactly(late);

        // The claim reached the new leader as the same bytes under the same correlation id.
        assertThat(firstFrame(b, claimId)).isEqualTo(firstFrame(a, claimId));
        // Nothing was served twice: every correlation id was handled by a leader once.
        assertThat(servedByLeaders(a, b)).allSatisfy((id, times) -> assertThat(times).as("id %d", id).isOne());
        assertThat(c.commandsApplied.get()).isZero();
        assertThat(client.runGraph(runs.get(0)).nodes()).extracting(Views.GraphNode::status)
            .containsExactly(Status.SUCCESS);
        // Errored once: one attempt ended, and the policy's retry was created once.
        assertThat(errored.join()).isEqualTo(Replies.Errored.RETRY_CREATED);
        assertThat(client.runGraph(runs.get(1)).nodes()).extracting(Views.GraphNode::status)
            .containsExactlyInAnyOrder(Status.RETRY_CREATED, Status.CREATED);
    }

    @Test
    void shouldAcceptTheFirstAnswerToAReportTheDeadLeaderApplied()
    {
        final Engine engine = new Engine();
        final FakeServer a = track(FakeServer.start(engine));
        final FakeServer b = track(FakeServer.follower(engine, a.address()));
        final ExoClient client = connect(a.address(), b.address());
        registerEchoGraph(client);
        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);
        final ClaimedState state = client.claim(List.of("Echo"), 1, 30_000, 0).get(0);

        // The leader applies the report and dies before it answers; the other node knows no leader yet.
        b.notLeader("");
        a.dieAfterApplying(ExecutedDecoder.TEMPLATE_ID);
        final CompletableFuture<Replies.Executed> executed =
            client.executedAsync(state.stateId(), state.claimToken(), List.of(map("text", "x")));
        TestSupport.await("the leader to die", Duration.ofSeconds(5), a::isDead);
        a.close();
        b.notLeader(null);

        assertThat(executed.join().ok()).isTrue();
        // Applied once by the dead leader; the new leader answered the repeat with the first answer.
        assertThat(count(a, r -> r.templateId() == ExecutedDecoder.TEMPLATE_ID && r.served())).isOne();
        assertThat(count(b, r -> r.templateId() == ExecutedDecoder.TEMPLATE_ID && r.served())).isOne();
        assertThat(TestSupport.run(client, runId).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldClaimAgainWhenTheNodeHoldingTheParkedClaimLosesTheLeadership()
    {
        final Engine engine = new Engine();
        final FakeServer a = track(FakeServer.start(engine));
        final FakeServer b = track(FakeServer.follower(engine, a.address()));
        final ExoClient client = connect(a.address(), b.address());
        registerEchoGraph(client);
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 5, 0, 10_000);
        TestSupport.await("the claim to park", Duration.ofSeconds(5), () -> a.claimsParked.get() == 1);
        final long claimId = a.received.stream().filter(r -> r.templateId() == ClaimDecoder.TEMPLATE_ID)
            .findFirst().orElseThrow().correlationId();

        // The parked claim is answered NOT_LEADER without a leader (an election), asked again, then led elsewhere.
        a.stepDown("");
        TestSupport.await("the claim to be asked again", Duration.ofSeconds(5),
            () -> count(a, r -> r.correlationId() == claimId) >= 2);
        b.notLeader(null);
        a.notLeader(b.address());
        TestSupport.await("the claim to park on the new leader", Duration.ofSeconds(5),
            () -> b.claimsParked.get() == 1);
        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);

        assertThat(claim.join()).extracting(ClaimedState::runId).containsExactly(runId);
        assertThat(firstFrame(b, claimId)).isEqualTo(firstFrame(a, claimId));
        assertThat(servedByLeaders(a, b).get(claimId)).isEqualTo(2); // parked on a, then on b; answered by b only
    }

    @Test
    void shouldMoveOnFromANodeThatKnowsNoLeader()
    {
        final FakeServer lost = track(FakeServer.follower(new Engine(), ""));
        final FakeServer leader = track(FakeServer.start(new Engine()));
        final ExoClient client = connect(lost.address(), leader.address());

        assertThat(client.namespaces()).isEmpty();

        // A few NOT_LEADER answers without a leader, then the next endpoint.
        assertThat(lost.received).hasSize(ClientConductor.NO_LEADER_ANSWERS_BEFORE_MOVING);
        assertThat(leader.sessionsOpened.get()).isOne();
    }

    @Test
    void shouldTakeRequestsRefusedWithShuttingDownToTheNextNode()
    {
        // A cluster node that does not lead answers SHUTTING_DOWN and closes (the server's answer today).
        final FakeServer refusing = track(FakeServer.start(new Engine()));
        refusing.refusing(true);
        final FakeServer leader = track(FakeServer.start(new Engine()));
        final ExoClient client = connect(refusing.address(), leader.address());

        // Not only reports: a refused request never reached the engine, so registrations and triggers move too.
        registerEchoGraph(client);
        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);

        assertThat(TestSupport.run(client, runId)).isNotNull();
        assertThat(refusing.received).hasSize(1);
        assertThat(refusing.commandsApplied.get()).isZero();
        assertThat(leader.commandsApplied.get()).isEqualTo(3);
    }

    @Test
    void shouldSkipAnEndpointThatRefusesConnections()
    {
        final FakeServer server = track(FakeServer.start(new Engine()));
        final long start = System.nanoTime();

        final ExoClient client = connect("127.0.0.1:" + TestSupport.unusedPort(), server.address());

        assertThat(client.isConnected()).isTrue();
        assertThat(client.namespaces()).isEmpty();
        assertThat(server.sessionsOpened.get()).isOne();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void shouldMoveOnFromANodeThatNeverAnswersTheHelloWithinTheConnectTimeout() throws Exception
    {
        final FakeServer server = track(FakeServer.start(new Engine()));
        // Listens (the kernel completes the TCP handshake) but never reads: a hung process.
        try (java.net.ServerSocket hung = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            final long start = System.nanoTime();

            // Each endpoint gets half the connect timeout: the hung one cannot use it all (else: TIMEOUT).
            final ExoClient client = track(ExoClient.connect(
                clusterContext("127.0.0.1:" + hung.getLocalPort(), server.address())
                    .connectTimeout(Duration.ofSeconds(4))));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the hung node was tried first")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            assertThat(client.namespaces()).isEmpty();
            assertThat(server.sessionsOpened.get()).isOne();
        }
    }

    @Test
    void shouldMoveToTheNextEndpointWhenTheConnectionDrops()
    {
        final Engine engine = new Engine();
        final FakeServer a = track(FakeServer.start(engine));
        final FakeServer b = track(FakeServer.follower(engine, a.address()));
        final ExoClient client = connect(a.address(), "127.0.0.1:" + TestSupport.unusedPort(), b.address());
        registerEchoGraph(client);

        a.close();
        b.notLeader(null);

        // The dead leader and the refusing endpoint are skipped; the graph is there, on the shared engine.
        assertThat(client.graph("echo").name()).isEqualTo("echo");
        assertThat(b.sessionsOpened.get()).isOne();
    }

    @Test
    void shouldFollowALeaderThatIsNotListed()
    {
        final FakeServer leader = track(FakeServer.start(new Engine()));
        final FakeServer b = track(FakeServer.follower(new Engine(), leader.address()));
        final FakeServer c = track(FakeServer.follower(new Engine(), leader.address()));
        final ExoClient client = connect(b.address(), c.address());

        registerEchoGraph(client);

        assertThat(leader.commandsApplied.get()).isEqualTo(2);
        assertThat(b.commandsApplied.get() + c.commandsApplied.get()).isZero();
    }

    @Test
    void shouldFailWithNotLeaderWhenNoLeaderComesWithinTheRequestTimeout()
    {
        final FakeServer b = track(FakeServer.follower(new Engine(), ""));
        final FakeServer c = track(FakeServer.follower(new Engine(), ""));
        final ExoClient client = track(ExoClient.connect(clusterContext(b.address(), c.address())
            .requestTimeout(Duration.ofMillis(500))));

        assertThatThrownBy(client::namespaces).isInstanceOfSatisfying(ExoException.class, ex ->
        {
            assertThat(ex.is(TransportErrorCode.NOT_LEADER)).as("%s", ex).isTrue();
            assertThat(ex.retriable()).isTrue();
        });
        // It asked both nodes.
        assertThat(b.received).isNotEmpty();
        assertThat(c.received).isNotEmpty();
    }

    @Test
    void shouldNameEveryEndpointWhenNoneOpensASession()
    {
        final int one = TestSupport.unusedPort();
        final int two = TestSupport.unusedPort();

        assertThatThrownBy(() -> ExoClient.connect(clusterContext("127.0.0.1:" + one, "127.0.0.1:" + two)
            .connectTimeout(Duration.ofMillis(300))))
            .isInstanceOfSatisfying(ExoException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(ExoException.Kind.TIMEOUT);
                assertThat(ex.getMessage()).contains("any of [127.0.0.1:" + one + ", 127.0.0.1:" + two + "]");
            });
    }

    @Test
    void shouldRejectAMalformedEndpointListNamingTheEntry()
    {
        assertThatThrownBy(() -> clusterContext("127.0.0.1:7701,127.0.0.1:77o2,127.0.0.1:7703"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("entry 2 of 3 '127.0.0.1:77o2'")
            .hasMessageContaining("the port '77o2' is not a number in 1..65535");
    }
}
