package io.exostate.server;

import io.exostate.core.engine.Ids;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Views;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.UnitesSpec;
import io.exostate.transport.client.ExoClient;
import io.exostate.transport.client.ExoException;
import io.exostate.transport.client.Node;
import io.exostate.transport.client.Runtime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft deliverable 6, at the process level: three {@code exostate node} JVMs, a workload driven through the Java SDK
 * (runtimes executing a fanout + unite graph, triggers at a steady rate), and the leader SIGKILLed several times, each
 * killed member started again on its data directory a few seconds later. The clients record what they were told
 * ({@link ClusterHistory}); once the load stops and the runs settle, the history is held against what the cluster
 * shows: no acknowledged run lost, every run SUCCESS, every acknowledged executed report reflected, nothing applied
 * twice, no state held by two runtimes under valid leases, and the three replicas at the same applied index with the
 * same engine digest.
 */
class ClusterKillTest
{
    private static final String NS = "killtest";
    private static final String GRAPH = "fanout-unite";
    private static final int FANOUT = 3;
    /** States each graph node (by identifier) has in a finished run: the splitter's fanout makes 3 split states. */
    private static final Map<String, Integer> EXPECTED_STATES =
        Map.of("plan", 1, "split", FANOUT, "work", FANOUT, "merge", 1);
    /**
     * Short enough that the claims a runtime holds while the leader dies outlive their leases now and then (the SDK
     * fails over in one to two seconds here), so that states are claimed again by another runtime and the check that
     * no state is held twice under valid leases has something to check.
     */
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final int RUNTIMES = 3;
    private static final int WORKERS = 32;
    private static final long WORK_MIN_MS = 50;
    private static final long WORK_MAX_MS = 150;
    private static final int TRIGGERS_PER_SECOND = Integer.getInteger("exostate.killtest.rate", 50);
    private static final int KILLS = Integer.getInteger("exostate.killtest.kills", 3);
    private static final long FIRST_KILL_MS = 4_000;
    private static final long KILL_PERIOD_MS = 8_000;
    private static final long RESTART_AFTER_MS = 2_000;
    private static final long LOAD_AFTER_LAST_RESTART_MS = 2_000;
    private static final long SETTLE_MS = 60_000;
    private static final long PACER_PERIOD_MS = 20;

    private final ClusterHistory history = new ClusterHistory();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> triggerRefusals = new ConcurrentLinkedQueue<>();
    private final AtomicInteger triggersOutstanding = new AtomicInteger();
    private final AtomicLong triggersSent = new AtomicLong();
    private volatile long triggerGiveUpAt = Long.MAX_VALUE;
    private ClusterProcesses cluster;
    private List<ExoClient> drivers;
    private final AtomicInteger preferredDriver = new AtomicInteger();
    private ScheduledExecutorService pacer;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldLoseNothingAndApplyNothingTwiceWhileTheLeaderIsKilled() throws Exception
    {
        final long testStart = System.nanoTime();
        cluster = new ClusterProcesses();
        final List<Runtime> runtimes = new ArrayList<>();
        final List<Long> kills = new ArrayList<>();
        final List<String> killed = new ArrayList<>();
        try
        {
            for (final String id : ClusterProcesses.IDS)
            {
                cluster.start(id);
            }
            final String firstLeader = cluster.awaitLeader(Duration.ofSeconds(60));
            drivers = connectDrivers();
            for (int i = 0; i < RUNTIMES; i++)
            {
                final String name = "rt-" + (i + 1);
                runtimes.add(Runtime.start(new Runtime.Context()
                    .client(clientContext(i).clientName(name))
                    .runtimeName(name)
                    .nodes(nodes())
                    .workers(WORKERS)
                    .lease(LEASE)
                    .longPollWait(Duration.ofSeconds(2))
                    .closeTimeout(Duration.ofSeconds(2))
                    .releaseTimeout(Duration.ofSeconds(2))
                    .observer(history.observer(name))));
            }
            // After the runtimes registered the nodes it names.
            final Views.Graph graph = query(c -> c.upsertGraph(graph()));
            assertThat(graph.valid()).as("%s", graph.validationErrors()).isTrue();

            // Load, and the leader killed KILLS times.
            final long loadStart = System.nanoTime();
            pacer = Executors.newScheduledThreadPool(1, r ->
            {
                final Thread t = new Thread(r, "killtest-pacer");
                t.setDaemon(true);
                return t;
            });
            final int perTick = Math.max(1, (int)(TRIGGERS_PER_SECOND * PACER_PERIOD_MS / 1000));
            pacer.scheduleAtFixedRate(() ->
            {
                for (int i = 0; i < perTick; i++)
                {
                    trigger(String.format("run-%06d", triggersSent.incrementAndGet()), System.nanoTime(), 0);
                }
            }, 0, PACER_PERIOD_MS, TimeUnit.MILLISECONDS);

            final ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "killtest-progress");
                t.setDaemon(true);
                return t;
            });
            closeables.add(progress::shutdownNow);
            progress.scheduleAtFixedRate(() -> System.out.println(progress(loadStart, runtimes)), 5, 5,
                TimeUnit.SECONDS);
            for (int k = 0; k < KILLS; k++)
            {
                sleepUntil(loadStart + TimeUnit.MILLISECONDS.toNanos(FIRST_KILL_MS + k * KILL_PERIOD_MS));
                awaitAllMembersFollowingALeader();
                final String leader = cluster.awaitLeader(Duration.ofSeconds(30));
                final long at = System.nanoTime();
                cluster.kill(leader);
                kills.add(at);
                killed.add(leader);
                Thread.sleep(RESTART_AFTER_MS);
                cluster.start(leader);
            }
            final long lastKill = kills.get(kills.size() - 1);
            Thread.sleep(LOAD_AFTER_LAST_RESTART_MS);
            pacer.shutdownNow();
            assertThat(pacer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            final long loadEnd = System.nanoTime();

            // Settle: every trigger answered, every run finished.
            final long settleDeadline = lastKill + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
            triggerGiveUpAt = settleDeadline - TimeUnit.SECONDS.toNanos(10);
            while (triggersOutstanding.get() > 0 && System.nanoTime() < triggerGiveUpAt + TimeUnit.SECONDS.toNanos(6))
            {
                Thread.sleep(50);
            }
            assertThat(triggersOutstanding.get()).as("triggers still unanswered").isZero();
            assertThat(triggerRefusals).as("triggers refused for a reason other than a lost leader").isEmpty();
            final List<Views.RunSummary> runs = awaitRunsFinished(settleDeadline);
            final long settledAt = System.nanoTime();

            final Map<String, ClusterHistory.RunView> views = runViews(runs);
            // A runtime whose member was down may still be sending reports that were applied before the kill: let
            // them be answered (the repeat gets the first answer) before the runtimes close.
            awaitReportsAnswered(Duration.ofSeconds(30));
            for (final Runtime r : runtimes)
            {
                r.close();
            }
            final ClusterProcesses.Status agreed = awaitReplicasAgree(Duration.ofSeconds(30));

            final List<String> violations = history.check(views, EXPECTED_STATES, LEASE.toMillis(), 50);
            assertThat(violations).as("violations (%d): %s", violations.size(),
                String.join("\n", violations.subList(0, Math.min(30, violations.size())))).isEmpty();
            assertThat(history.triggers.size()).as("acknowledged triggers").isGreaterThan(KILLS * 100);
            assertThat(killed).as("members killed").hasSize(KILLS);

            System.out.println(summary(runs.size(), kills, killed, firstLeader, loadStart, loadEnd, settledAt, lastKill,
                agreed, testStart));
            if (Boolean.getBoolean("exostate.killtest.keepLogs"))
            {
                keepLogs();
            }
        }
        catch (final Throwable t)
        {
            System.err.println("cluster kill test failed: " + t);
            System.err.println(cluster.tails(80));
            keepLogs();
            throw t;
        }
        finally
        {
            stopAll(runtimes);
        }
    }

    /** Copies the members' logs under target/ (the cluster's directory is deleted at the end). */
    private void keepLogs() throws java.io.IOException
    {
        final Path kept = Path.of("target", "cluster-kill-test-" +
            LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        cluster.keepLogs(kept);
        System.err.println("cluster kill test: the members' logs are kept in " + kept.toAbsolutePath());
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Workload
    // ----------------------------------------------------------------------------------------------------------------

    static List<Node> nodes()
    {
        return List.of(
            Node.named("Plan").inputs("job").outputs("job").single((in, s) -> Map.of("job", in.get("job"))),
            Node.named("Split").inputs("job").outputs("chunk").execute((in, s) ->
            {
                final List<Map<String, String>> chunks = new ArrayList<>();
                for (int i = 1; i <= FANOUT; i++)
                {
                    chunks.add(Map.of("chunk", in.get("job") + "/" + i));
                }
                return chunks;
            }),
            Node.named("Work").inputs("chunk").outputs("result").single((in, s) ->
            {
                // Work takes a while (no CPU): a runtime holds states when its member dies, and those whose reports
                // cannot reach the cluster before their leases end are claimed again by another runtime.
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(WORK_MIN_MS, WORK_MAX_MS));
                return Map.of("result", "done " + in.get("chunk"));
            }),
            Node.named("Merge").inputs("job").single((in, s) -> null));
    }

    static GraphSpec graph()
    {
        return new GraphSpec(NS, GRAPH, List.of(
            new NodeTemplateSpec("Plan", NS, "plan",
                List.of(TemplateInput.of("job", "${{ store.job }}")), List.of("split"), null),
            new NodeTemplateSpec("Split", NS, "split",
                List.of(TemplateInput.of("job", "${{ plan.outputs.job }}")), List.of("work"), null),
            new NodeTemplateSpec("Work", NS, "work",
                List.of(TemplateInput.of("chunk", "${{ split.outputs.chunk }}")), List.of("merge"), null),
            new NodeTemplateSpec("Merge", NS, "merge",
                List.of(TemplateInput.of("job", "${{ plan.outputs.job }}")), null,
                new UnitesSpec("plan", UniteStrategy.ALL_DONE))),
            Map.of(), RetryPolicySpec.DEFAULT, new StoreConfigSpec(List.of("job"), Map.of()), List.of());
    }

    /**
     * The client context of client {@code i}: every member's binary address, member {@code i}'s first (so that the
     * clients spread their first connections). A client follows the leader (NOT_LEADER) and moves on to the next
     * member when its connection fails.
     */
    private ExoClient.Context clientContext(final int i)
    {
        return new ExoClient.Context()
            .endpoints(endpointsFrom(i))
            .namespace(NS)
            .apiKey(cluster.apiKey())
            .clientName("killtest-" + i)
            .connectTimeout(Duration.ofSeconds(5))
            .requestTimeout(Duration.ofSeconds(5))
            .reconnectBackoffMin(Duration.ofMillis(20))
            .reconnectBackoffMax(Duration.ofMillis(500));
    }

    /** Every member's binary address, member {@code i}'s first. */
    private List<String> endpointsFrom(final int i)
    {
        final List<String> out = new ArrayList<>();
        for (int k = 0; k < ClusterProcesses.IDS.size(); k++)
        {
            out.add(cluster.member(ClusterProcesses.IDS.get((i + k) % ClusterProcesses.IDS.size())).binaryAddress());
        }
        return out;
    }

    /** The clients that trigger and query: three, so that a trigger sent again can take another one. */
    private List<ExoClient> connectDrivers()
    {
        final List<ExoClient> out = new ArrayList<>();
        for (int i = 0; i < ClusterProcesses.IDS.size(); i++)
        {
            final ExoClient c = ExoClient.connect(clientContext(i).clientName("driver-" + (i + 1)));
            closeables.add(c);
            out.add(c);
        }
        return out;
    }

    /** The driver to use now: the preferred one if its session is up, else the next one that is. */
    private ExoClient driver()
    {
        final int n = drivers.size();
        final int p = preferredDriver.get();
        for (int i = 0; i < n; i++)
        {
            final ExoClient c = drivers.get((p + i) % n);
            if (c.isConnected())
            {
                return c;
            }
        }
        return drivers.get(p % n);
    }

    /**
     * Triggers run {@code runId}; a trigger that fails for want of a leader (or whose answer was lost) is sent again
     * with the same run id, through the next driver, until it is acknowledged (DUPLICATE_RUN also means the run
     * exists: a write of ours was applied).
     */
    private void trigger(final String runId, final long sentNanos, final int attempt)
    {
        if (attempt == 0)
        {
            triggersOutstanding.incrementAndGet();
        }
        final ExoClient c = driver();
        final CompletableFuture<String> answer;
        try
        {
            answer = c.triggerAsync(GRAPH, runId, Map.of(), Map.of("job", runId), 0);
        }
        catch (final RuntimeException ex)
        {
            triggerRefusals.add(runId + ": " + ex);
            triggersOutstanding.decrementAndGet();
            return;
        }
        answer.whenComplete((id, failure) ->
        {
            if (failure == null)
            {
                history.triggered(runId, sentNanos, attempt > 0);
                triggersOutstanding.decrementAndGet();
                return;
            }
            final ExoException ex = ClusterHistory.exoCause(failure);
            if (ex != null && ex.is(RejectCode.DUPLICATE_RUN))
            {
                // Run ids are this test's own and never reused: the run exists because a write of ours was applied
                // (an earlier attempt, or the SDK writing the trigger again after following NOT_LEADER).
                history.triggered(runId, sentNanos, true);
                triggersOutstanding.decrementAndGet();
            }
            else if (ex != null && ex.retriable() && System.nanoTime() < triggerGiveUpAt)
            {
                preferredDriver.compareAndSet(drivers.indexOf(c), (drivers.indexOf(c) + 1) % drivers.size());
                CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
                    .execute(() -> trigger(runId, sentNanos, attempt + 1));
            }
            else
            {
                triggerRefusals.add(runId + " (attempt " + attempt + "): " + failure);
                triggersOutstanding.decrementAndGet();
            }
        });
    }

    /** A query through the first driver that answers it. */
    private <T> T query(final Function<ExoClient, T> call)
    {
        ExoException last = null;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < drivers.size(); i++)
            {
                try
                {
                    return call.apply(drivers.get((preferredDriver.get() + i) % drivers.size()));
                }
                catch (final ExoException ex)
                {
                    if (!ex.retriable())
                    {
                        throw ex;
                    }
                    last = ex;
                }
            }
        }
        throw last;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Cluster
    // ----------------------------------------------------------------------------------------------------------------

    /** Before a kill: every member runs, answers /status and knows the leader (a restarted one has rejoined). */
    private void awaitAllMembersFollowingALeader() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, ClusterProcesses.Status> s = Map.of();
        while (System.nanoTime() < deadline)
        {
            cluster.requireAlive();
            s = cluster.statuses();
            if (s.size() == ClusterProcesses.IDS.size() &&
                s.values().stream().allMatch(x -> x.leader() != null && !"null".equals(x.leader())))
            {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not every member follows a leader within 30 s: " + s);
    }

    /** Waits until every claim's report has the cluster's answer (acknowledged or rejected). */
    private void awaitReportsAnswered(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        List<ClusterHistory.Claim> left = history.unanswered();
        while (!left.isEmpty() && System.nanoTime() < deadline)
        {
            Thread.sleep(100);
            left = history.unanswered();
        }
        assertThat(left).as("claims whose report got no answer from the cluster within %s (members %s)", timeout,
            cluster.statuses()).isEmpty();
    }

    /** Waits until the three members answer /status with the same applied index and digest. */
    private ClusterProcesses.Status awaitReplicasAgree(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, ClusterProcesses.Status> s = Map.of();
        while (System.nanoTime() < deadline)
        {
            s = cluster.statuses(true);
            if (s.size() == ClusterProcesses.IDS.size() &&
                s.values().stream().map(x -> x.appliedIndex() + "/" + x.digest()).distinct().count() == 1)
            {
                return s.values().iterator().next();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the replicas do not agree on applied index and digest within " + timeout + ": " + s);
    }

    /** Every run of the namespace, once none is pending (and every acknowledged one is listed), or fails. */
    private List<Views.RunSummary> awaitRunsFinished(final long deadlineNanos) throws InterruptedException
    {
        List<Views.RunSummary> runs = List.of();
        long pending = -1;
        while (System.nanoTime() < deadlineNanos)
        {
            try
            {
                runs = allRuns();
                pending = runs.stream().filter(r -> "PENDING".equals(r.status())).count();
                if (pending == 0 && runs.size() >= history.triggers.size())
                {
                    return runs;
                }
            }
            catch (final ExoException ex)
            {
                // A member may still be catching up or an election be running: ask again.
                System.err.println("cluster kill test: runs listing failed, asking again: " + ex.getMessage());
            }
            Thread.sleep(500);
        }
        final List<String> stuck = new ArrayList<>();
        for (final Views.RunSummary r : runs)
        {
            if ("PENDING".equals(r.status()) && stuck.size() < 10)
            {
                final Views.RunGraph g = query(c -> c.runGraph(r.runId()));
                final StringBuilder d = new StringBuilder(r.runId()).append(' ').append(g.nodes());
                for (final Views.GraphNode n : g.nodes())
                {
                    if (n.status() != io.exostate.core.model.Status.SUCCESS)
                    {
                        final Views.NodeDetails x = query(c -> c.nodeDetails(GRAPH, r.runId(), n.id()));
                        d.append("\n  ").append(n.id()).append(' ').append(x.status()).append(" enqueueAfter ")
                            .append(x.enqueueAfter()).append(" createdAt ").append(x.createdAt()).append(" updatedAt ")
                            .append(x.updatedAt());
                        break;
                    }
                }
                stuck.add(d.toString());
            }
        }
        throw new AssertionError(pending + " of " + runs.size() + " runs still pending " + SETTLE_MS +
            " ms after the last kill (acknowledged triggers: " + history.triggers.size() + "; now " +
            System.currentTimeMillis() + ", members " + cluster.statuses() + "); for example:\n" +
            String.join("\n", stuck));
    }

    private List<Views.RunSummary> allRuns()
    {
        final List<Views.RunSummary> out = new ArrayList<>();
        for (int page = 1; ; page++)
        {
            final int p = page;
            final Views.RunsPage r = query(c -> c.runs(p, 1000));
            out.addAll(r.runs());
            if (r.runs().size() < 1000)
            {
                return out;
            }
        }
    }

    /** The final view of every run: its status and its states (route #17), 32 queries in flight. */
    private Map<String, ClusterHistory.RunView> runViews(final List<Views.RunSummary> runs) throws Exception
    {
        final ExoClient c = driver();
        final Semaphore inFlight = new Semaphore(32);
        final Map<String, ClusterHistory.RunView> views = new ConcurrentHashMap<>();
        final List<CompletableFuture<?>> all = new ArrayList<>();
        for (final Views.RunSummary r : runs)
        {
            inFlight.acquire();
            all.add(c.runGraphAsync(r.runId()).whenComplete((g, failure) ->
            {
                inFlight.release();
                if (g != null)
                {
                    final List<ClusterHistory.StateView> states = new ArrayList<>();
                    for (final Views.GraphNode n : g.nodes())
                    {
                        states.add(new ClusterHistory.StateView(Ids.parseStateId(n.id()), n.identifier(), n.status()));
                    }
                    views.put(r.runId(), new ClusterHistory.RunView(r.runId(), r.status(), states));
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        return new LinkedHashMap<>(views);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Summary and clean-up
    // ----------------------------------------------------------------------------------------------------------------

    private String summary(final int runCount, final List<Long> kills, final List<String> killed,
        final String firstLeader, final long loadStart, final long loadEnd, final long settledAt, final long lastKill,
        final ClusterProcesses.Status agreed, final long testStart)
    {
        final StringBuilder k = new StringBuilder();
        for (int i = 0; i < kills.size(); i++)
        {
            final long at = kills.get(i);
            // Committed by the new leader: a trigger first sent after the kill; a state claimed after it.
            final long trig = history.triggers.stream().filter(t -> t.sentNanos() > at)
                .mapToLong(ClusterHistory.Trigger::ackedNanos).min().orElse(-1);
            final java.util.Set<Long> claimedAfter = new java.util.HashSet<>();
            history.claims.stream().filter(c -> c.receivedNanos() > at).forEach(c -> claimedAfter.add(c.token()));
            final long exec = history.answers.stream()
                .filter(a -> a.ok() && a.kind() == ClusterHistory.Kind.EXECUTED && claimedAfter.contains(a.token()))
                .mapToLong(ClusterHistory.Answer::receivedNanos).min().orElse(-1);
            k.append(i == 0 ? "" : ", ").append(killed.get(i)).append(" at +")
                .append(ms(at - loadStart)).append(" ms: first new trigger acknowledged +")
                .append(trig < 0 ? "none" : ms(trig - at)).append(" ms, first new claim executed +")
                .append(exec < 0 ? "none" : ms(exec - at)).append(" ms");
        }
        // Run completion: trigger sent -> the merge state's executed report acknowledged.
        final Map<Long, String> runOfState = new HashMap<>();
        final Map<Long, String> identifierOfState = new HashMap<>();
        for (final ClusterHistory.Claim c : history.claims)
        {
            runOfState.put(c.stateId(), c.runId());
            identifierOfState.put(c.stateId(), c.identifier());
        }
        final Map<String, Long> mergedAt = new HashMap<>();
        for (final ClusterHistory.Answer a : history.answers)
        {
            if (a.ok() && a.kind() == ClusterHistory.Kind.EXECUTED && "merge".equals(identifierOfState.get(a.stateId())))
            {
                mergedAt.merge(runOfState.get(a.stateId()), a.receivedNanos(), Math::min);
            }
        }
        long maxCompletion = 0;
        for (final ClusterHistory.Trigger t : history.triggers)
        {
            final Long m = mergedAt.get(t.runId());
            if (m != null)
            {
                maxCompletion = Math.max(maxCompletion, m - t.sentNanos());
            }
        }
        final long reclaims = history.claims.size() - history.claims.stream()
            .mapToLong(ClusterHistory.Claim::stateId).distinct().count();
        final long duplicates = history.triggers.stream().filter(ClusterHistory.Trigger::duplicate).count();
        final Map<String, Long> refusals = new java.util.TreeMap<>();
        for (final ClusterHistory.Answer a : history.answers)
        {
            if (!a.ok())
            {
                refusals.merge(a.kind() + " " + (a.rejected() ? a.refusal() : a.refusal().replaceAll(":.*", "")),
                    1L, Long::sum);
            }
        }
        return String.format("cluster kill test: %d triggers sent, %d acknowledged (%d on a resend), %d runs in the " +
                "cluster, all SUCCESS %d ms after the last kill; %d claims (%d of states claimed before), %d executed " +
                "acks, reports not acknowledged %s; first leader %s; %d kills [%s]; max run completion %d ms; replicas agree at applied index %d; " +
                "load %d ms at %d triggers/s, test %d ms",
            triggersSent.get(), history.triggers.size(), duplicates, runCount, ms(settledAt - lastKill),
            history.claims.size(), reclaims,
            history.answers.stream().filter(a -> a.ok() && a.kind() == ClusterHistory.Kind.EXECUTED).count(),
            refusals, firstLeader, kills.size(), k, ms(maxCompletion), agreed.appliedIndex(), ms(loadEnd - loadStart),
            TRIGGERS_PER_SECOND, ms(System.nanoTime() - testStart));
    }

    /** One line of how the load is doing, every few seconds while the test runs. */
    private String progress(final long loadStart, final List<Runtime> runtimes)
    {
        final StringBuilder b = new StringBuilder();
        b.append(String.format("cluster kill test +%ds: triggers sent %d, acknowledged %d, outstanding %d; claims %d, " +
                "executed acks %d; runtimes (running/completed)", ms(System.nanoTime() - loadStart) / 1000,
            triggersSent.get(), history.triggers.size(), triggersOutstanding.get(), history.claims.size(),
            history.answers.stream().filter(a -> a.ok() && a.kind() == ClusterHistory.Kind.EXECUTED).count()));
        for (final Runtime r : runtimes)
        {
            b.append(' ').append(r.runningExecutions()).append('/').append(r.completedExecutions());
        }
        b.append("; members");
        for (final String id : ClusterProcesses.IDS)
        {
            final ClusterProcesses.Status st = cluster.status(id);
            b.append(' ').append(id).append(st == null ? " down" :
                " " + st.role() + " t" + st.term() + " applied " + st.appliedIndex());
        }
        return b.toString();
    }

    private static long ms(final long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void sleepUntil(final long nanos) throws InterruptedException
    {
        final long left = nanos - System.nanoTime();
        if (left > 0)
        {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Stops the load, the runtimes, the clients and the members; deletes the cluster's directory. */
    private void stopAll(final List<Runtime> runtimes) throws Exception
    {
        if (pacer != null)
        {
            pacer.shutdownNow();
        }
        // Runtimes first, while the members still answer (each closes within its close and release timeouts), then
        // the clients, then the members: SIGKILL and the directory deleted whatever happened before.
        final ClusterProcesses c = cluster;
        try
        {
            for (final Runtime r : runtimes)
            {
                r.close();
            }
            for (int i = closeables.size() - 1; i >= 0; i--)
            {
                closeables.get(i).close();
            }
        }
        finally
        {
            if (c != null)
            {
                c.close();
            }
        }
    }
}
