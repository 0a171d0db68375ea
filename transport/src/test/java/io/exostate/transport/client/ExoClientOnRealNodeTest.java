package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.Ids;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.transport.TransportErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
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

/** The client against the real node (engine loop, journal, binary server) on loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExoClientOnRealNodeTest
{
    private static final Node ECHO = Node.named("Echo").inputs("text").outputs("text").single((in, s) -> in);

    @TempDir
    Path dir;
    private TestNode server;
    private ExoClient client;

    @BeforeEach
    void start()
    {
        server = RealNode.start(dir);
        client = ExoClient.connect(clientContext(server.port()));
        client.registerNodes("rt", List.of(ECHO.registration()));
        final Views.Graph g = client.upsertGraph(graph("echo", node("e", "Echo", map("text", "hello"))));
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
    }

    @AfterEach
    void stop()
    {
        client.close();
        server.close();
    }

    @Test
    void shouldRefuseWrongApiKeyAtOnce()
    {
        assertThatThrownBy(() -> ExoClient.connect(clientContext(server.port()).apiKey("wrong")))
            .isInstanceOfSatisfying(ExoException.class, ex ->
                assertThat(ex.is(TransportErrorCode.AUTH_FAILED)).as("%s", ex).isTrue());
    }

    @Test
    void shouldTriggerClaimReportAndReadBack()
    {
        final String runId = client.trigger("echo", map("text", "hi"), Map.of(), 0);

        final ClaimedState state = client.claim(List.of("Echo"), 10, 10_000, 0).get(0);
        assertThat(state.inputsMap()).isEqualTo(map("text", "hi"));
        assertThat(client.heartbeat(state.stateId(), state.claimToken(), 20_000).leaseDeadline()).isPositive();
        client.executed(state.stateId(), state.claimToken(), List.of(map("text", "hi")));
        // A repeat of an applied report gets the first answer.
        assertThat(client.executed(state.stateId(), state.claimToken(), List.of(map("text", "hi"))).ok()).isTrue();

        assertThat(client.namespaces()).containsExactly(NS);
        assertThat(client.nodes()).hasSize(1);
        assertThat(client.graphs()).extracting(Views.Graph::name).containsExactly("echo");
        assertThat(client.runGraph(runId).nodes()).extracting(Views.GraphNode::status).containsExactly(Status.SUCCESS);
        assertThat(client.nodeDetails("echo", runId, Ids.stateId(state.stateId())).outputsMap())
            .isEqualTo(map("text", "hi"));
        assertThat(TestSupport.run(client, runId).status()).isEqualTo("SUCCESS");
    }

    @Test
    void shouldSurfaceRejections()
    {
        assertThatThrownBy(() -> client.trigger("missing", Map.of(), Map.of(), 0))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.GRAPH_NOT_FOUND)).isTrue());
        client.trigger("echo", Map.of(), Map.of(), 0);
        final ClaimedState state = client.claim(List.of("Echo"), 1, 10_000, 0).get(0);
        assertThatThrownBy(() -> client.errored(state.stateId(), state.claimToken() + 1, "x"))
            .isInstanceOfSatisfying(ExoException.class, ex -> assertThat(ex.is(RejectCode.STALE_TOKEN)).isTrue());
    }

    @Test
    void shouldPushParkedClaimWhenWorkArrives()
    {
        final CompletableFuture<List<ClaimedState>> claim = client.claimAsync(List.of("Echo"), 5, 0, 10_000);
        TestSupport.pause(100);
        assertThat(claim).isNotDone();

        final String runId = client.trigger("echo", Map.of(), Map.of(), 0);

        assertThat(claim.join()).extracting(ClaimedState::runId).containsExactly(runId);
        assertThat(client.claim(List.of("Echo"), 5, 0, 50)).isEmpty();
    }

    @Test
    void shouldParkTheClaimAgainWhenTheNodeComesBackThroughAnEndpointList()
    {
        final String refusing = "127.0.0.1:" + TestSupport.unusedPort();
        final ExoClient listed = ExoClient.connect(
            TestSupport.clusterContext(refusing, "127.0.0.1:" + server.port()).clientName("listed"));
        try
        {
            final CompletableFuture<List<ClaimedState>> claim = listed.claimAsync(List.of("Echo"), 5, 0, 10_000);
            TestSupport.pause(100);
            assertThat(claim).isNotDone();

            // The node goes away with the claim parked; the client goes round the list until it is back.
            server.close();
            TestSupport.await("the client to see the drop", Duration.ofSeconds(5), () -> !listed.isConnected());
            server = server.restart();
            TestSupport.await("the client to come back", Duration.ofSeconds(5), listed::isConnected);
            final String runId = listed.trigger("echo", Map.of(), Map.of(), 0);

            assertThat(claim.join()).extracting(ClaimedState::runId).containsExactly(runId);
        }
        finally
        {
            listed.close();
        }
    }

    @Test
    void shouldSendWhatWaitedOnceTheRestartedNodeServesAgain()
    {
        final String before = client.trigger("echo", Map.of(), Map.of(), 0);
        server.close();
        TestSupport.await("the client to see the drop", Duration.ofSeconds(5), () -> !client.isConnected());

        final CompletableFuture<String> trigger = client.triggerAsync("echo", Map.of(), Map.of(), 0);
        TestSupport.pause(100);
        assertThat(trigger).isNotDone();
        server = server.restart();

        final String after = trigger.join();
        // The journal kept the run triggered before the restart.
        assertThat(TestSupport.run(client, before)).isNotNull();
        assertThat(TestSupport.run(client, after)).isNotNull();
        assertThat(client.claim(List.of("Echo"), 10, 0, 0)).extracting(ClaimedState::runId)
            .containsExactlyInAnyOrder(before, after);
    }
}
