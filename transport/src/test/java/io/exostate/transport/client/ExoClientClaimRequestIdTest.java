package io.exostate.transport.client;

import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Views;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.client.TestSupport.clientContext;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's claim request ids against the fake server's real engine: every claim carries the client's id and the
 * next request id, a claim written again keeps both, and so a claim the server applied without answering is answered
 * with the states it claimed when it is sent again, not with a second batch.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExoClientClaimRequestIdTest
{
    private static final Node ECHO = Node.named("Echo").inputs("text").outputs("text").single((in, s) -> in);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private FakeServer server;
    private ExoClient client;

    @BeforeEach
    void start()
    {
        server = track(FakeServer.start(new Engine()));
        client = connect();
        client.registerNodes("rt", List.of(ECHO.registration()));
        final Views.Graph g = client.upsertGraph(graph("echo", node("e", "Echo", map("text", "hello"))));
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
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

    private List<String> triggerRuns(final int count)
    {
        final List<String> runIds = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            runIds.add(client.trigger("echo", Map.of(), Map.of(), 0));
        }
        return runIds;
    }

    private List<Long> requestIdsOf(final long clientId)
    {
        final List<Long> ids = new ArrayList<>();
        for (final long[] c : server.claimIds)
        {
            assertThat(c[0]).as("every claim of this test comes from one client").isEqualTo(clientId);
            ids.add(c[1]);
        }
        return ids;
    }

    @Test
    void shouldAnswerAClaimSentAgainAfterAnUnknownOutcomeWithTheStatesItClaimed()
    {
        final List<String> runs = triggerRuns(4);
        server.answerNextClaimWithUnknownOutcome();

        final List<ClaimedState> first = client.claim(List.of("Echo"), 2, 10_000, 0);

        assertThat(first).extracting(ClaimedState::runId).containsExactly(runs.get(0), runs.get(1));
        assertThat(requestIdsOf(client.clientId())).as("applied, answered NOT_LEADER, sent again").containsExactly(1L, 1L);
        assertThat(client.claim(List.of("Echo"), 10, 10_000, 0)).extracting(ClaimedState::runId)
            .as("the resend claimed nothing more").containsExactly(runs.get(2), runs.get(3));
        assertThat(requestIdsOf(client.clientId())).containsExactly(1L, 1L, 2L);
        for (final ClaimedState s : first)
        {
            assertThat(client.executed(s.stateId(), s.claimToken(), List.of(map("text", "x"))).ok())
                .as("the first batch's tokens are the live ones").isTrue();
        }
    }

    @Test
    void shouldTakeDuplicateRunAsSuccessOnlyForATriggerTheClientWroteAgain()
    {
        triggerRuns(1); // registers and upserts the graph
        server.answerNextTriggerWithUnknownOutcome();
        final String runId = client.trigger("echo", "run-resent", Map.of(), Map.of(), 0);
        assertThat(runId).as("applied, answered NOT_LEADER, written again, answered DUPLICATE_RUN").isEqualTo(
            "run-resent");
        assertThat(client.claim(List.of("Echo"), 10, 10_000, 0)).extracting(ClaimedState::runId)
            .as("one run, not two").containsOnlyOnce("run-resent");

        // Written once: DUPLICATE_RUN is the caller's to see.
        assertThatThrownBy(() -> client.trigger("echo", "run-resent", Map.of(), Map.of(), 0))
            .isInstanceOf(ExoException.class)
            .satisfies(ex -> assertThat(((ExoException)ex).is(RejectCode.DUPLICATE_RUN)).isTrue());
    }

    @Test
    void shouldTakeDuplicateRunAsSuccessForAPipelinedTriggerTheClientWroteAgain() throws Exception
    {
        triggerRuns(1);
        server.answerNextTriggerWithUnknownOutcome();
        final List<CompletableFuture<String>> futures =
            client.triggersAsync("echo", List.of("batch-1", "batch-2"), Map.of(), Map.of(), 0);
        assertThat(futures.get(0).get(10, TimeUnit.SECONDS)).as("applied, answered NOT_LEADER, written again, " +
            "answered DUPLICATE_RUN: a load generator must not see it fail").isEqualTo("batch-1");
        assertThat(futures.get(1).get(10, TimeUnit.SECONDS)).isEqualTo("batch-2");
        assertThat(client.claim(List.of("Echo"), 10, 10_000, 0)).extracting(ClaimedState::runId)
            .as("one run each").containsOnlyOnce("batch-1", "batch-2");

        final List<CompletableFuture<String>> again =
            client.triggersAsync("echo", List.of("batch-1"), Map.of(), Map.of(), 0);
        assertThatThrownBy(() -> again.get(0).get(10, TimeUnit.SECONDS)).as("written once: the caller's to see")
            .hasCauseInstanceOf(ExoException.class)
            .satisfies(ex -> assertThat(((ExoException)ex.getCause()).is(RejectCode.DUPLICATE_RUN)).isTrue());
    }

    @Test
    void shouldKeepTheRequestIdOfAClaimAnsweredBusy()
    {
        triggerRuns(1);
        server.busyAnswers.set(2);

        assertThat(client.claim(List.of("Echo"), 1, 0, 0)).hasSize(1);
        assertThat(client.claim(List.of("Echo"), 1, 0, 0)).isEmpty();

        assertThat(server.busySent.get()).isEqualTo(2);
        assertThat(requestIdsOf(client.clientId())).containsExactly(1L, 1L, 1L, 2L);
    }

    @Test
    void shouldGiveEveryClientItsOwnNonZeroId()
    {
        final ExoClient other = connect();

        assertThat(client.clientId()).isNotZero();
        assertThat(other.clientId()).isNotZero().isNotEqualTo(client.clientId());
        other.claim(List.of("Echo"), 1, 0, 0);
        client.claim(List.of("Echo"), 1, 0, 0);
        assertThat(server.claimIds).extracting(c -> c[0]).containsExactly(other.clientId(), client.clientId());
        assertThat(server.claimIds).extracting(c -> c[1]).containsExactly(1L, 1L);
    }

    @Test
    void shouldSendConcurrentClaimsInTheOrderOfTheirRequestIds() throws Exception
    {
        final int threads = 4;
        final int perThread = 25;
        final List<Thread> claimers = new ArrayList<>();
        final List<CompletableFuture<List<ClaimedState>>> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Thread thread = new Thread(() ->
            {
                for (int i = 0; i < perThread; i++)
                {
                    answers.add(client.claimAsync(List.of("Echo"), 1, 0, 0));
                }
            });
            claimers.add(thread);
            thread.start();
        }
        for (final Thread thread : claimers)
        {
            thread.join();
        }
        for (final CompletableFuture<List<ClaimedState>> answer : answers)
        {
            assertThat(answer.get(10, TimeUnit.SECONDS)).isEmpty();
        }

        final List<Long> arrived = requestIdsOf(client.clientId());
        assertThat(arrived).hasSize(threads * perThread);
        for (int i = 0; i < arrived.size(); i++)
        {
            assertThat(arrived.get(i)).as("claim #%d to arrive", i).isEqualTo(i + 1L);
        }
    }
}
