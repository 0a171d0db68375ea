package io.exostate.transport.client;

import io.exostate.core.engine.Views;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.exostate.transport.client.TestSupport.NS;
import static io.exostate.transport.client.TestSupport.awaitRun;
import static io.exostate.transport.client.TestSupport.clientContext;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static io.exostate.transport.client.TestSupport.runtimeContext;
import static io.exostate.transport.client.TestSupport.unite;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end in one JVM: a {@link Runtime} and an {@link ExoClient} against a server on loopback. The subclasses say
 * which: {@link RuntimeOnRealNodeTest} (engine loop, journal, binary server) and {@link RuntimeOnFakeServerTest}
 * (a test server that can inject faults).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class RuntimeTest
{
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(15);
    /** Shaped like an encrypted secret (URL-safe base64, long enough): the engine only stores it. */
    private static final String SECRET = "dDBrM24tdDBrM24tdDBrM24tdDBrM24tdDBrM24t";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    @TempDir
    Path dir;
    TestNode server;
    ExoClient client;

    /** Starts the server the tests run against; {@code dir} is an empty directory for its files. */
    abstract TestNode startNode(Path dir);

    @BeforeEach
    void start()
    {
        server = track(startNode(dir));
        client = track(ExoClient.connect(clientContext(server.port()).clientName("driver")));
    }

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    <T extends AutoCloseable> T track(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    Runtime startRuntime(final Runtime.Context ctx)
    {
        return track(Runtime.start(ctx));
    }

    void upsert(final GraphSpec spec)
    {
        final Views.Graph g = client.upsertGraph(spec);
        assertThat(g.validationStatus()).as("%s", g.validationErrors()).isEqualTo("VALID");
    }

    /** Every state of a run in creation order, read through the client (route #17, then #18 per state). */
    List<Views.NodeDetails> states(final String runId)
    {
        final Views.RunGraph graph = client.runGraph(runId);
        final List<Views.NodeDetails> out = new ArrayList<>();
        for (final Views.GraphNode n : graph.nodes())
        {
            out.add(client.nodeDetails(graph.graphName(), runId, n.id()));
        }
        return out;
    }

    private long countStates(final Status status)
    {
        long n = 0;
        for (final Views.RunSummary r : client.runs(1, 1000).runs())
        {
            for (final Views.GraphNode node : client.runGraph(r.runId()).nodes())
            {
                if (node.status() == status)
                {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void shouldRunFanoutAndUniteToSuccess()
    {
        final AtomicInteger merges = new AtomicInteger();
        final ConcurrentLinkedQueue<String> results = new ConcurrentLinkedQueue<>();
        final Node begin = Node.named("Begin").inputs("x").outputs("x").single((in, s) -> map("x", in.get("x")));
        final Node split = Node.named("Split").inputs("x").outputs("part").execute((in, s) -> List.of(
            map("part", in.get("x") + "-1"), map("part", in.get("x") + "-2"), map("part", in.get("x") + "-3")));
        final Node work = Node.named("Work").inputs("part").outputs("result").single((in, s) ->
        {
            final String result = in.get("part").toUpperCase();
            results.add(result);
            return map("result", result);
        });
        final Node merge = Node.named("Merge").inputs("x").single((in, s) ->
        {
            merges.incrementAndGet();
            return null;
        });
        startRuntime(runtimeContext(server.port(), "fanout", begin, split, work, merge));
        upsert(graph("fanout",
            node("begin", "Begin", map("x", "seed"), "split"),
            node("split", "Split", map("x", "${{ begin.outputs.x }}"), "work"),
            node("work", "Work", map("part", "${{ split.outputs.part }}"), "merge"),
            unite("merge", "Merge", map("x", "${{ begin.outputs.x }}"), "begin")));

        final String runId = client.trigger("fanout", map("x", "go"), Map.of(), 0);

        final Views.RunSummary run = awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        assertThat(run.totalCount()).isEqualTo(8);
        assertThat(results).containsExactlyInAnyOrder("GO-1", "GO-2", "GO-3");
        assertThat(merges.get()).isEqualTo(1);
        assertThat(states(runId)).extracting(Views.NodeDetails::status).containsOnly(Status.SUCCESS);
    }

    @Test
    void shouldShowClaimsAndReportAnswersToItsObserverAndSurviveAnObserverThatThrows()
    {
        final ConcurrentLinkedQueue<io.exostate.core.codec.ClaimedState> claimed = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Object[]> answered = new ConcurrentLinkedQueue<>();
        final Runtime.Observer observer = new Runtime.Observer()
        {
            @Override
            public void claimed(final io.exostate.core.codec.ClaimedState state)
            {
                claimed.add(state);
                throw new IllegalStateException("an observer bug must not stop the runtime");
            }

            @Override
            public void answered(final Report report, final Object reply, final Throwable failure)
            {
                answered.add(new Object[]{report, reply, failure});
            }
        };
        startRuntime(runtimeContext(server.port(), "observed",
            Node.named("Echo").inputs("x").outputs("x").single((in, s) -> map("x", in.get("x"))))
            .observer(observer));
        upsert(graph("observed", node("e", "Echo", map("x", "seed"))));

        final String runId = client.trigger("observed", map("x", "1"), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        assertThat(claimed).singleElement().satisfies(c ->
        {
            assertThat(c.runId()).isEqualTo(runId);
            assertThat(c.nodeName()).isEqualTo("Echo");
        });
        final long token = claimed.peek().claimToken();
        TestSupport.await("the executed answer observed", RUN_TIMEOUT, () -> !answered.isEmpty());
        assertThat(answered).singleElement().satisfies(a ->
        {
            assertThat(a[0]).isEqualTo(new Report.Executed(claimed.peek().stateId(), token, List.of(map("x", "1"))));
            assertThat(a[1]).isInstanceOf(io.exostate.core.engine.Replies.Executed.class);
            assertThat(a[2]).isNull();
        });
    }

    @Test
    void shouldRetryErroredStateAfterTheRetryDelay()
    {
        final AtomicInteger attempts = new AtomicInteger();
        final List<Long> times = new ArrayList<>();
        final Node flaky = Node.named("Flaky").outputs("ok").single((in, s) ->
        {
            final int n = attempts.incrementAndGet();
            synchronized (times)
            {
                times.add(System.nanoTime());
            }
            if (n < 3)
            {
                throw new IllegalStateException("boom " + n);
            }
            return map("ok", "yes");
        });
        startRuntime(runtimeContext(server.port(), "retries", flaky));
        upsert(graph("flaky", new RetryPolicySpec(3, RetryStrategy.FIXED, 200, 1, null), node("f", "Flaky", map())));

        final String runId = client.trigger("flaky", Map.of(), Map.of(), 0);

        final Views.RunSummary run = awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(run.retriedCount()).isEqualTo(2);
        final List<Views.NodeDetails> states = states(runId);
        assertThat(states).extracting(Views.NodeDetails::status)
            .containsExactly(Status.RETRY_CREATED, Status.RETRY_CREATED, Status.SUCCESS);
        // Exosphere's runtime sends str(exc): the message.
        assertThat(states).extracting(Views.NodeDetails::error).containsExactly("boom 1", "boom 2", null);
        synchronized (times)
        {
            assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(190));
            assertThat(Duration.ofNanos(times.get(2) - times.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        }
    }

    @Test
    void shouldReportErroredWithExceptionMessageWhenNoRetryIsLeft()
    {
        final Node bad = Node.named("Bad").single((in, s) ->
        {
            throw new IllegalArgumentException("bad input x");
        });
        startRuntime(runtimeContext(server.port(), "errors", bad));
        upsert(graph("bad", new RetryPolicySpec(0, RetryStrategy.FIXED, 10, 1, null), node("b", "Bad", map())));

        final String runId = client.trigger("bad", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "FAILED", RUN_TIMEOUT);
        assertThat(states(runId)).extracting(Views.NodeDetails::error).containsExactly("bad input x");
    }

    @Test
    void shouldReportUndeclaredOutputsAsAnError()
    {
        final Node sloppy = Node.named("Sloppy").outputs("a").single((in, s) -> map("a", "1", "b", "2"));
        startRuntime(runtimeContext(server.port(), "outputs", sloppy));
        upsert(graph("sloppy", new RetryPolicySpec(0, RetryStrategy.FIXED, 10, 1, null), node("s", "Sloppy", map())));

        final String runId = client.trigger("sloppy", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "FAILED", RUN_TIMEOUT);
        assertThat(states(runId).get(0).error())
            .isEqualTo("Expected the outputs of node Sloppy to hold only [a], but output 0 has 'b'");
    }

    @Test
    void shouldPruneOnPruneSignal()
    {
        final AtomicInteger afterRuns = new AtomicInteger();
        final Node gate = Node.named("Gate").outputs("x").single((in, s) ->
        {
            throw new PruneSignal("{\"reason\": \"skip\"}");
        });
        final Node after = Node.named("After").inputs("x").single((in, s) ->
        {
            afterRuns.incrementAndGet();
            return null;
        });
        startRuntime(runtimeContext(server.port(), "prune", gate, after));
        upsert(graph("prune", node("gate", "Gate", map(), "after"),
            node("after", "After", map("x", "${{ gate.outputs.x }}"))));

        final String runId = client.trigger("prune", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        final List<Views.NodeDetails> states = states(runId);
        assertThat(states).extracting(Views.NodeDetails::status).containsExactly(Status.PRUNED);
        assertThat(states.get(0).data()).isEqualTo("{\"reason\": \"skip\"}");
        assertThat(afterRuns.get()).isZero();
    }

    @Test
    void shouldRunTheSameStateAgainAfterRequeueAfterSignal()
    {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicLong firstCall = new AtomicLong();
        final AtomicLong secondCall = new AtomicLong();
        final Node later = Node.named("Later").outputs("n").single((in, s) ->
        {
            if (calls.incrementAndGet() == 1)
            {
                firstCall.set(System.nanoTime());
                throw new RequeueAfterSignal(Duration.ofMillis(150));
            }
            secondCall.set(System.nanoTime());
            return map("n", String.valueOf(calls.get()));
        });
        startRuntime(runtimeContext(server.port(), "requeue", later));
        upsert(graph("later", node("l", "Later", map())));

        final String runId = client.trigger("later", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        final List<Views.NodeDetails> states = states(runId);
        assertThat(states).hasSize(1);
        assertThat(states.get(0).retryCount()).isZero();
        assertThat(states.get(0).outputsMap()).isEqualTo(map("n", "2"));
        assertThat(Duration.ofNanos(secondCall.get() - firstCall.get())).isGreaterThanOrEqualTo(Duration.ofMillis(140));
    }

    @Test
    void shouldFetchDeclaredSecrets()
    {
        final Node secretive = Node.named("Secretive").outputs("seen").secrets("token")
            .single((in, s) -> map("seen", s.get("token")));
        startRuntime(runtimeContext(server.port(), "secrets", secretive));
        upsert(new GraphSpec(NS, "secretive", List.of(node("s", "Secretive", map())), map("token", SECRET),
            RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of()));

        final String runId = client.trigger("secretive", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        assertThat(states(runId).get(0).outputsMap()).isEqualTo(map("seen", SECRET));
    }

    @Test
    void shouldHandOverStateOfRuntimeThatDiedHoldingItsLease() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final Node stuck = Node.named("Slow").single((in, s) ->
        {
            started.countDown();
            never.await(30, TimeUnit.SECONDS);
            return null;
        });
        final Runtime dying = startRuntime(runtimeContext(server.port(), "dying", stuck).lease(Duration.ofMillis(400)));
        upsert(graph("slow", node("s", "Slow", map())));
        final String runId = client.trigger("slow", Map.of(), Map.of(), 0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        dying.kill();
        final long killedAt = System.nanoTime();
        final Node fast = Node.named("Slow").single((in, s) -> null);
        final Runtime heir = startRuntime(runtimeContext(server.port(), "heir", fast).lease(Duration.ofMillis(400)));

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        assertThat(heir.completedExecutions()).isEqualTo(1);
        assertThat(dying.completedExecutions()).isZero();
        // Not before the lease expired: the heir waited for it.
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    @Test
    void shouldKeepLeaseOfLongExecutionAliveWithHeartbeats()
    {
        final AtomicInteger executions = new AtomicInteger();
        final Node longNode = Node.named("Long").single((in, s) ->
        {
            executions.incrementAndGet();
            Thread.sleep(2_000);
            return null;
        });
        final Duration lease = Duration.ofMillis(600);
        startRuntime(runtimeContext(server.port(), "a", longNode).lease(lease));
        startRuntime(runtimeContext(server.port(), "b", longNode).lease(lease));
        upsert(graph("long", node("l", "Long", map())));

        final String runId = client.trigger("long", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        // Over three leases long, yet never offered to the other runtime.
        assertThat(executions.get()).isEqualTo(1);
    }

    @Test
    void shouldNeverClaimMoreThanItsFreeWorkers()
    {
        final CountDownLatch release = new CountDownLatch(1);
        final Node gated = Node.named("Gated").single((in, s) ->
        {
            release.await(30, TimeUnit.SECONDS);
            return null;
        });
        final Runtime runtime = startRuntime(runtimeContext(server.port(), "two", gated).workers(2));
        upsert(graph("gated", node("g", "Gated", map())));
        final List<String> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            runs.add(client.trigger("gated", Map.of(), Map.of(), 0));
        }

        TestSupport.await("two executions", Duration.ofSeconds(10), () -> runtime.runningExecutions() == 2);
        // The one outstanding claim now asks for nothing: no state beyond the two running is taken.
        TestSupport.pause(100);
        assertThat(countStates(Status.QUEUED)).isEqualTo(2);
        assertThat(countStates(Status.CREATED)).isEqualTo(4);

        release.countDown();
        for (final String runId : runs)
        {
            awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        }
        assertThat(runtime.completedExecutions()).isEqualTo(6);
    }

    @Test
    void shouldReconnectAfterServerRestartAndResendReportsMadeWhileDown() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final Node hold = Node.named("Hold").outputs("v").single((in, s) ->
        {
            started.countDown();
            proceed.await(30, TimeUnit.SECONDS);
            return map("v", "done");
        });
        final Node echo = Node.named("Echo").single((in, s) -> null);
        final Runtime runtime = startRuntime(runtimeContext(server.port(), "restart", hold, echo));
        upsert(graph("hold", node("h", "Hold", map())));
        upsert(graph("echo", node("e", "Echo", map())));
        final String heldRun = client.trigger("hold", Map.of(), Map.of(), 0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        server.close();
        proceed.countDown();
        TestSupport.await("the execution to finish", Duration.ofSeconds(5), () -> runtime.completedExecutions() == 1);
        TestSupport.pause(100);
        server = track(server.restart());

        awaitRun(client, heldRun, "SUCCESS", RUN_TIMEOUT);
        assertThat(states(heldRun).get(0).outputsMap()).isEqualTo(map("v", "done"));
        // And it claims again on the new session.
        final String echoRun = client.trigger("echo", Map.of(), Map.of(), 0);
        awaitRun(client, echoRun, "SUCCESS", RUN_TIMEOUT);
    }

    @Test
    void shouldFinishInFlightWorkOnGracefulClose() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final Node slow = Node.named("Slowish").outputs("v").single((in, s) ->
        {
            started.countDown();
            Thread.sleep(300);
            return map("v", "finished");
        });
        final Runtime runtime = startRuntime(runtimeContext(server.port(), "graceful", slow));
        upsert(graph("slowish", node("s", "Slowish", map())));
        final String runId = client.trigger("slowish", Map.of(), Map.of(), 0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        runtime.close();

        // Closed only after the execution finished and its report was acknowledged.
        assertThat(TestSupport.run(client, runId).status()).isEqualTo("SUCCESS");
        assertThat(states(runId).get(0).outputsMap()).isEqualTo(map("v", "finished"));
        assertThat(runtime.client().isClosed()).isTrue();
    }

    @Test
    void shouldReleaseWorkStillRunningWhenCloseTimesOut() throws Exception
    {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch never = new CountDownLatch(1);
        final Node stuck = Node.named("Stuck").single((in, s) ->
        {
            started.countDown();
            never.await(30, TimeUnit.SECONDS);
            return null;
        });
        final Runtime first = startRuntime(
            runtimeContext(server.port(), "first", stuck).closeTimeout(Duration.ofMillis(100)));
        upsert(graph("stuck", node("s", "Stuck", map())));
        final String runId = client.trigger("stuck", Map.of(), Map.of(), 0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        first.close();
        final long closedAt = System.nanoTime();
        final Node fast = Node.named("Stuck").single((in, s) -> null);
        final Runtime second = startRuntime(runtimeContext(server.port(), "second", fast));

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        // Released at once, not after the 30 s lease.
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(Duration.ofSeconds(10));
        assertThat(second.completedExecutions()).isEqualTo(1);
        assertThat(states(runId).get(0).retryCount()).isZero();
    }
}
