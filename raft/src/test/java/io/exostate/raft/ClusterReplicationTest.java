package io.exostate.raft;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.ClaimedState;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three replicas in one JVM on loopback: convergence, leader failover under load, a wiped follower catching up. */
class ClusterReplicationTest
{
    private static final long CALL_TIMEOUT_MS = 30_000;

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldConvergeToIdenticalDigestsAfterAWorkloadThroughTheLeader() throws Exception
    {
        cluster.start(3, n -> {}, g -> {});
        cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        final int runs = 200;
        runToSuccess(client, commands, runs);

        final EngineStateMachine.Digest digest = cluster.awaitConverged(10_000);
        assertThat(digest.appliedIndex()).isPositive();
        // Group commit: the pipelined triggers and reports travelled many to an entry (whoever led meanwhile).
        long entries = 0;
        long proposed = 0;
        for (int i = 0; i < cluster.size(); i++)
        {
            entries += cluster.gateway(i).proposedEntries();
            proposed += cluster.gateway(i).proposedCommands();
        }
        assertThat(proposed).isGreaterThan(2 * entries);
    }

    /** Triggers {@code runs} one-state runs, executes them all, and checks the listing says SUCCESS for each. */
    private void runToSuccess(final ClusterClient client, final Commands commands, final int runs) throws Exception
    {
        setUpGraph(client, commands);
        final Set<String> triggered = trigger(client, commands, 0, runs);
        assertThat(triggered).hasSize(runs);

        int executed = 0;
        while (executed < runs)
        {
            final Claimed claimed = (Claimed)client.call(commands.claim(50, 30_000), CALL_TIMEOUT_MS);
            final List<byte[]> reports = new ArrayList<>();
            for (final ClaimedState s : claimed.states())
            {
                reports.add(commands.executed(s.stateId(), s.claimToken()));
            }
            for (final Object reply : client.callAll(reports, CALL_TIMEOUT_MS))
            {
                assertThat(reply).isEqualTo(Replies.Executed.OK);
                executed++;
            }
        }

        final Views.RunsPage page = (Views.RunsPage)client.call(commands.listRuns(1000), CALL_TIMEOUT_MS);
        assertThat(page.total()).isEqualTo(runs);
        assertThat(page.runs()).extracting(Views.RunSummary::status).containsOnly("SUCCESS");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRetireFinishedRunsAtTheSameIndexOnEveryMember() throws Exception
    {
        // A 1 ms run retention: each command retires the runs that finished before it (decision 13).
        cluster.start(3, n -> n.engineConfig(EngineConfig.DEFAULT.withRunRetentionMs(1)), g -> {});
        cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        final int runs = 200;
        runToSuccess(client, commands, runs); // the listing still shows every run, retired or not
        Thread.sleep(5); // command time moves past the window of the last finished runs
        assertThat(trigger(client, commands, runs, runs + 1)).hasSize(1);

        final EngineStateMachine.Digest digest = cluster.awaitConverged(10_000);
        assertThat(digest.appliedIndex()).isPositive();
        for (int i = 0; i < cluster.size(); i++)
        {
            assertThat(cluster.node(i).stateMachine().statesInMemory())
                .as("member %d holds only the new run's state", i).isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseAMalformedBatchBeforeItEntersTheLog() throws Exception
    {
        cluster.start(3, n -> {}, g -> {});
        final int leader = cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        setUpGraph(client, commands);
        final EngineStateMachine.Digest before = cluster.awaitConverged(10_000);
        final long[] appliedEntries = appliedEntries();

        final RaftNode node = cluster.node(leader);
        try (RaftClient raw = RaftClient.newBuilder()
            .setRaftGroup(node.group())
            .setLeaderId(node.peerId())
            .setProperties(node.context().clientProperties(4, 3_000))
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5, TimeDuration.ONE_MILLISECOND))
            .build())
        {
            final CompletableFuture<RaftClientReply> reply =
                raw.async().send(Message.valueOf(ByteString.copyFrom("not a batch", StandardCharsets.UTF_8)));
            assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StateMachineException.class)
                .cause().isInstanceOf(EngineStateMachine.MalformedBatchException.class)
                .hasMessageContaining("Expected schema id");
        }

        // Nothing reached any replica's apply, and the engines are unchanged. (The log itself may grow meanwhile:
        // the leader appends its own metadata entries.)
        assertThat(cluster.awaitConverged(10_000).sha256()).isEqualTo(before.sha256());
        assertThat(appliedEntries()).isEqualTo(appliedEntries);
        // The cluster keeps serving.
        assertThat(((Replies.Trigger)client.call(commands.trigger("after"), CALL_TIMEOUT_MS)).ok()).isTrue();
        cluster.awaitConverged(10_000);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldProposeATickWhenALeaseExpiresWithoutTraffic() throws Exception
    {
        cluster.start(3, n -> {}, g -> {});
        final int leader = cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        setUpGraph(client, commands);
        trigger(client, commands, 0, 1);
        final ClaimedState first = ((Claimed)client.call(commands.claim(1, 300), CALL_TIMEOUT_MS)).states().get(0);
        final EngineStateMachine machine = cluster.node(leader).stateMachine();
        assertThat(machine.nextDeadline()).isEqualTo(first.leaseDeadline());
        final long proposedBefore = cluster.gateway(leader).proposedCommands();

        // Nobody sends anything: only the gateway's tick can expire the lease.
        awaitCondition(() -> machine.nextDeadline() == Long.MAX_VALUE, 5_000, "the lease timer to fire");
        assertThat(cluster.gateway(leader).proposedCommands()).isGreaterThan(proposedBefore);
        cluster.awaitConverged(10_000);

        final ClaimedState again = ((Claimed)client.call(commands.claim(1, 30_000), CALL_TIMEOUT_MS)).states().get(0);
        assertThat(again.stateId()).isEqualTo(first.stateId());
        assertThat(again.claimToken()).isGreaterThan(first.claimToken());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldElectANewLeaderAndLoseNoAcknowledgedTransitionWhenTheLeaderIsKilledUnderLoad() throws Exception
    {
        cluster.start(3, n -> {}, g -> {});
        final int oldLeader = cluster.awaitLeader(10_000);
        final ClusterClient setup = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        setUpGraph(setup, commands);

        final int runs = 300;
        final long leaseMs = 1_500;
        final Set<String> triggered = ConcurrentHashMap.newKeySet();
        final Map<Long, Long> acknowledged = new ConcurrentHashMap<>(); // state id -> claim token of its OK report
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();

        threads.add(new Thread(() -> guard(failure, () ->
        {
            final ClusterClient client = new ClusterClient(cluster, 2_000);
            final Commands c = new Commands();
            for (int from = 0; from < runs && !stop.get(); from += 25)
            {
                triggered.addAll(trigger(client, c, from, Math.min(runs, from + 25)));
            }
        }), "triggers"));
        for (int w = 0; w < 3; w++)
        {
            threads.add(new Thread(() -> guard(failure, () ->
            {
                final ClusterClient client = new ClusterClient(cluster, 2_000);
                final Commands c = new Commands();
                while (!stop.get())
                {
                    final Object claim = client.call(c.claim(20, leaseMs), CALL_TIMEOUT_MS);
                    final List<ClaimedState> states = ((Claimed)claim).states();
                    if (states.isEmpty())
                    {
                        Thread.sleep(10);
                        continue;
                    }
                    final List<byte[]> reports = new ArrayList<>();
                    for (final ClaimedState s : states)
                    {
                        final Long acked = acknowledged.get(s.stateId());
                        if (acked != null && s.claimToken() > acked)
                        {
                            violations.add("state " + s.stateId() + " claimed again with token " + s.claimToken() +
                                " after its report with token " + acked + " was acknowledged");
                        }
                        reports.add(c.executed(s.stateId(), s.claimToken()));
                    }
                    final List<Object> replies = client.callAll(reports, CALL_TIMEOUT_MS);
                    for (int k = 0; k < replies.size(); k++)
                    {
                        final Object r = replies.get(k);
                        if (r == Replies.Executed.OK)
                        {
                            acknowledged.put(states.get(k).stateId(), states.get(k).claimToken());
                        }
                        else if (!(r instanceof Rejection rej && rej.code() == RejectCode.STALE_TOKEN))
                        {
                            violations.add("unexpected report reply " + r);
                        }
                    }
                }
            }), "runtime-" + w));
        }
        threads.forEach(Thread::start);

        // Kill the leader while triggers and reports are both flowing.
        awaitCondition(() -> triggered.size() >= runs / 3 && acknowledged.size() >= runs / 6, 20_000,
            "load before the kill");
        final long killedAt = System.nanoTime();
        cluster.kill(oldLeader);
        final long closedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        final int newLeader = cluster.awaitLeader(10_000);
        final long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        System.out.println("kill took " + closedMs + " ms");
        assertThat(newLeader).isNotEqualTo(oldLeader);

        awaitCondition(() -> acknowledged.size() == runs || failure.get() != null, 40_000, "every run executed");
        stop.set(true);
        for (final Thread t : threads)
        {
            t.join(CALL_TIMEOUT_MS);
        }
        assertThat(failure.get()).as("workload failure").isNull();
        assertThat(violations).isEmpty();
        assertThat(triggered).hasSize(runs);

        final Views.RunsPage page = (Views.RunsPage)setup.call(commands.listRuns(1000), CALL_TIMEOUT_MS);
        assertThat(page.total()).isEqualTo(runs);
        assertThat(page.runs().stream().map(Views.RunSummary::runId).collect(Collectors.toSet()))
            .isEqualTo(triggered);
        assertThat(page.runs()).extracting(Views.RunSummary::status).containsOnly("SUCCESS");
        cluster.awaitConverged(10_000);
        System.out.println("failover: new leader " + cluster.node(newLeader).id() + " ready " + failoverMs +
            " ms after the kill\n" + cluster.describe());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCatchUpAWipedFollowerFromTheLeadersSnapshotAndARestartedOneFromItsOwn() throws Exception
    {
        // Small segments and frequent snapshots: the leader purges its log, so the wiped follower must install the
        // snapshot before it replays the rest.
        cluster.start(3, n -> n.segmentSizeBytes(16 * 1024).snapshotThreshold(16).purgeGap(1), g -> {});
        final int leader = cluster.awaitLeader(10_000);
        final ClusterClient client = new ClusterClient(cluster, 5_000);
        final Commands commands = new Commands();
        setUpGraph(client, commands);
        trigger(client, commands, 0, 50);
        executeAll(client, commands, 50);

        final int follower = (leader + 1) % cluster.size();
        cluster.kill(follower);
        cluster.wipe(follower);

        for (int from = 50; from < 250; from += 25)
        {
            trigger(client, commands, from, from + 25);
        }
        executeAll(client, commands, 100);
        // Whoever leads when the follower returns has purged the start of its log: only a snapshot can catch it up.
        awaitCondition(() -> livePurged(follower), 10_000, "the live nodes purging their logs");

        cluster.startNode(follower);
        final EngineStateMachine.Digest digest = cluster.awaitConverged(20_000);
        final RaftNode rejoined = cluster.node(follower);
        assertThat(rejoined.stateMachine().snapshotsLoaded()).as("snapshots installed").isPositive();
        assertThat(rejoined.stateMachine().digest()).isEqualTo(digest);

        // The rejoined follower keeps applying what comes next.
        trigger(client, commands, 250, 260);
        cluster.awaitConverged(10_000);

        // A node restarted on its own storage loads its own newest snapshot and replays the log after it.
        final int other = (leader + 2) % cluster.size();
        final EngineStateMachine otherMachine = cluster.node(other).stateMachine();
        awaitCondition(() -> otherMachine.getLatestSnapshot() != null, 10_000, "a snapshot on " + other);
        final long snapshotIndex = otherMachine.getLatestSnapshot().getIndex();
        cluster.kill(other);
        trigger(client, commands, 260, 270);
        cluster.startNode(other);
        assertThat(cluster.node(other).stateMachine().loadedSnapshotIndex()).isGreaterThanOrEqualTo(snapshotIndex);
        cluster.awaitConverged(10_000);
    }

    // ----------------------------------------------------------------------------------------------------------------

    private long[] appliedEntries()
    {
        final long[] counts = new long[cluster.size()];
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = cluster.node(i).stateMachine().appliedEntries();
        }
        return counts;
    }

    private boolean livePurged(final int except)
    {
        for (int i = 0; i < cluster.size(); i++)
        {
            if (i != except && cluster.node(i).logStartIndex() <= 1)
            {
                return false;
            }
        }
        return true;
    }

    private static void setUpGraph(final ClusterClient client, final Commands commands) throws InterruptedException
    {
        final Replies.Register register = (Replies.Register)client.call(commands.register(), CALL_TIMEOUT_MS);
        assertThat(register.ok()).as("%s", register).isTrue();
        final Replies.Upsert upsert = (Replies.Upsert)client.call(commands.upsert(), CALL_TIMEOUT_MS);
        assertThat(upsert.ok()).as("%s", upsert).isTrue();
        assertThat(upsert.graph().validationStatus()).isEqualTo("VALID");
    }

    /** Triggers runs r-from .. r-(to-1); a run whose trigger was resend after it applied counts as triggered. */
    private static Set<String> trigger(final ClusterClient client, final Commands commands, final int from, final int to)
        throws InterruptedException
    {
        final List<byte[]> requests = new ArrayList<>();
        for (int i = from; i < to; i++)
        {
            requests.add(commands.trigger("r-" + i));
        }
        final Set<String> runIds = ConcurrentHashMap.newKeySet();
        final List<Object> replies = client.callAll(requests, CALL_TIMEOUT_MS);
        for (int k = 0; k < replies.size(); k++)
        {
            final Object r = replies.get(k);
            if (r instanceof Replies.Trigger t && t.ok())
            {
                runIds.add(t.runId());
            }
            else if (r instanceof Rejection rej && rej.code() == RejectCode.DUPLICATE_RUN)
            {
                runIds.add("r-" + (from + k));
            }
            else
            {
                throw new AssertionError("unexpected trigger reply " + r);
            }
        }
        return runIds;
    }

    /** Claims and reports until {@code count} states were executed. */
    private static void executeAll(final ClusterClient client, final Commands commands, final int count)
        throws InterruptedException
    {
        int executed = 0;
        while (executed < count)
        {
            final Claimed claimed = (Claimed)client.call(commands.claim(Math.min(50, count - executed), 30_000),
                CALL_TIMEOUT_MS);
            final List<byte[]> reports = new ArrayList<>();
            for (final ClaimedState s : claimed.states())
            {
                reports.add(commands.executed(s.stateId(), s.claimToken()));
            }
            for (final Object reply : client.callAll(reports, CALL_TIMEOUT_MS))
            {
                assertThat(reply).isEqualTo(Replies.Executed.OK);
                executed++;
            }
        }
    }

    @FunctionalInterface
    private interface Body
    {
        void run() throws Exception;
    }

    private static void guard(final AtomicReference<Throwable> failure, final Body body)
    {
        try
        {
            body.run();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final Exception | AssertionError ex)
        {
            failure.compareAndSet(null, ex);
        }
    }

    private void awaitCondition(final java.util.function.BooleanSupplier condition, final long timeoutMs,
        final String what) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean())
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + "\n" +
                    cluster.describe());
            }
            Thread.sleep(10);
        }
    }
}
