package io.exostate.transport.client;

import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Views;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.exostate.transport.client.TestSupport.awaitRun;
import static io.exostate.transport.client.TestSupport.clientContext;
import static io.exostate.transport.client.TestSupport.clusterContext;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static org.assertj.core.api.Assertions.assertThat;

/** A runtime pointed at a fake three-node cluster keeps working through the death of the leader. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RuntimeFailoverTest
{
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

    /**
     * Triggers run {@code runId} as a careful caller does: a trigger written just before the client saw the leader die
     * fails with CONNECTION_LOST (it may have been applied), so it is sent again with its run id, and DUPLICATE_RUN on
     * a repeat means the first one was applied.
     */
    private static CompletableFuture<String> trigger(final ExoClient client, final String runId, final int attempt)
    {
        return client.triggerAsync("chain", runId, Map.of(), Map.of(), 0).handle((id, failure) ->
        {
            if (failure == null)
            {
                return CompletableFuture.completedFuture(id);
            }
            final ExoException ex = ExoClient.exoCause(failure);
            if (attempt > 1 && ex != null && ex.is(RejectCode.DUPLICATE_RUN))
            {
                return CompletableFuture.completedFuture(runId);
            }
            if (ex != null && ex.retriable() && attempt < 5)
            {
                return trigger(client, runId, attempt + 1);
            }
            return CompletableFuture.<String>failedFuture(failure);
        }).thenCompose(f -> f);
    }

    @Test
    void shouldFinishEveryRunWhenTheLeaderIsKilledMidStream()
    {
        final Engine engine = new Engine();
        final FakeServer a = track(FakeServer.start(engine));
        final FakeServer b = track(FakeServer.follower(engine, a.address()));
        final FakeServer c = track(FakeServer.follower(new Engine(), a.address()));
        final String[] cluster = {b.address(), c.address(), a.address()};
        final AtomicInteger executions = new AtomicInteger();
        final Node step = Node.named("Step").inputs("i").outputs("i").single((in, s) ->
        {
            executions.incrementAndGet();
            TestSupport.pause(2);
            return map("i", in.get("i"));
        });
        // A short lease: a claim the dead leader applied but could not answer gives its states back soon.
        final Runtime runtime = track(Runtime.start(new Runtime.Context()
            .client(clientContext(1))
            .endpoints(cluster)
            .runtimeName("failover")
            .nodes(step)
            .workers(4)
            .lease(Duration.ofSeconds(2))
            .longPollWait(Duration.ofSeconds(1))
            .closeTimeout(Duration.ofSeconds(5))));
        final ExoClient driver = track(ExoClient.connect(clusterContext(cluster).clientName("driver")));
        final Views.Graph g = driver.upsertGraph(graph("chain",
            node("first", "Step", map("i", "0"), "second"),
            node("second", "Step", map("i", "${{ first.outputs.i }}"))));
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
        final List<String> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            runs.add(driver.trigger("chain", "before-" + i, Map.of(), Map.of(), 0));
        }
        TestSupport.await("executions to be under way", Duration.ofSeconds(10), () -> executions.get() >= 10);

        // The leader dies mid-stream; an election; runs triggered meanwhile wait for the new leader.
        b.notLeader("");
        c.notLeader("");
        a.close();
        final List<CompletableFuture<String>> during = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            during.add(trigger(driver, "during-" + i, 1));
        }
        TestSupport.pause(300);
        b.notLeader(null);
        c.notLeader(b.address());

        for (final CompletableFuture<String> f : during)
        {
            runs.add(f.join());
        }
        for (final String runId : runs)
        {
            awaitRun(driver, runId, "SUCCESS", Duration.ofSeconds(20));
        }
        assertThat(runs).hasSize(40);
        assertThat(runtime.completedExecutions()).isGreaterThanOrEqualTo(80);
        assertThat(b.sessionsOpened.get()).as("the runtime and the driver on the new leader").isGreaterThanOrEqualTo(2);
        assertThat(c.commandsApplied.get()).isZero();
    }
}
