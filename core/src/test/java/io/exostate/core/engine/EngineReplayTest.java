package io.exostate.core.engine;

import io.exostate.core.model.FieldKind;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TriggerSpec;
import io.exostate.core.template.UnitesSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replay equivalence (STYLE habit 13, DESIGN "Snapshots"): a random command log runs through engine A; at random
 * points A's snapshot is restored into engine B, which must write the same bytes and, fed the rest of the log, give
 * the same reply to every command, the same transitions and the same final snapshot bytes and read side. A fresh
 * engine C fed the whole log must match A everywhere, work-ready notifications included (pure determinism; it also
 * proves that snapshots and reads leave A unchanged).
 * <p>
 * Also checked on the way: the engine never throws on a command (a client's mistake is a rejection); a sample of
 * rejected commands leaves exactly the state a tick at the same time leaves (decide before mutating); the generator
 * still reaches every kind of outcome it is meant to (so the test cannot pass vacuously). Every third seed runs
 * with tight limits ({@link RandomScenario#TIGHT}) so batch, fanout, payload and timer limits are hit.
 * <p>
 * To reproduce a failure, the message names the seed, the command index, the command and the five before it; add
 * the seed to the list below or call {@link #replay(long, int, int)} with it. Budget: the class runs in about 8 s
 * on two idle cores.
 */
class EngineReplayTest
{
    private static final int COMMANDS = 3_000;
    private static final int SNAPSHOT_POINTS = 4;
    private static final long LONG_SEED = 0x5EED_0F_10_46L;
    private static final int LONG_COMMANDS = 20_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
        42, 1234, 4711, 8086, 65_537, 99_991, 271_828, 314_159, 1_000_003, 2_718_281,
        -1, -42, 0x7FFF_FFFFL, 0xCAFE_BABEL, 0xDEAD_BEEFL, 123_456_789, 987_654_321, 555_555_555, 20_261_125, 31_337})
    void shouldReplayIdenticallyFromRandomSnapshots(final long seed)
    {
        replay(seed, COMMANDS, SNAPSHOT_POINTS);
    }

    @Test
    void shouldReplayALongRunIdentically()
    {
        replay(LONG_SEED, LONG_COMMANDS, 4);
    }

    /**
     * A hand-written log, replayed from a snapshot before every command, under the tight limits. It walks the paths
     * random logs rarely reach: a manual fanout id equal to the one the engine assigns next, so two states of one
     * node share a fanout id and the second one's retry already exists (the snapshot must carry the run's
     * manual-retry flag); repeated reports across snapshots; a lease expiring exactly at its deadline; five leases
     * expiring at once with two timers per command; a claim resent with its request id; a cron occurrence; a unite
     * after all of that.
     */
    @Test
    void shouldReplayAHandWrittenLogFromEverySnapshot()
    {
        final Recording r = new Recording("hand-written log", RandomScenario.TIGHT);
        r.snapshotBeforeEveryCommand = true;
        final String ns = "alpha";
        long t = 1_700_000_000_000L;
        r.apply(new ReplayCommand.Register(t, ns, "rt", List.of(
            registration("Split", List.of(), List.of("chunk")),
            registration("Work", List.of("chunk"), List.of("r")),
            registration("Merge", List.of("first"), List.of()))));
        r.apply(new ReplayCommand.Upsert(t, new GraphSpec(ns, "fan", List.of(
            new NodeTemplateSpec("Split", ns, "split", List.of(), List.of("work"), null),
            new NodeTemplateSpec("Work", ns, "work", List.of(TemplateInput.of("chunk", "${{ split.outputs.chunk }}")),
                List.of("merge"), null),
            new NodeTemplateSpec("Merge", ns, "merge", List.of(TemplateInput.of("first", "${{ split.outputs.chunk }}")),
                null, new UnitesSpec("split", UniteStrategy.ALL_DONE))),
            Map.of(), new RetryPolicySpec(2, RetryStrategy.FIXED, 1_000, 1, null), StoreConfigSpec.DEFAULT,
            List.of(TriggerSpec.cron("* * * * *")))));
        r.apply(new ReplayCommand.Trigger(t, ns, "fan", "r1", Map.of(), Map.of(), 0));

        // Two Work states of run r1 end up with the same fanout id: the second one's retry already exists.
        final long[] split = claimed(r.apply(claim(t, ns, "Split", 1, 0))).get(0);
        r.apply(executed(t, ns, split, Map.of("chunk", "a")));
        final long w1 = last(r.a.runStateIds("r1"));
        final long splitAgain = ((Replies.ManualRetry)r.apply(
            new ReplayCommand.ManualRetry(t, ns, split[0], "m-split"))).newStateId();
        final String shared = Ids.fanoutId(r.a.nextFanoutSeq);
        r.apply(new ReplayCommand.ManualRetry(t, ns, w1, shared));
        t += 10;
        final long[] split2 = claimed(r.apply(claim(t, ns, "Split", 1, 0))).get(0);
        assertEquals(splitAgain, split2[0]);
        r.apply(executed(t, ns, split2, Map.of("chunk", "b")));
        final List<long[]> works = claimed(r.apply(claim(t, ns, "Work", 2, 5_000)));
        assertEquals(2, works.size());
        r.apply(new ReplayCommand.Errored(t, ns, works.get(0)[0], works.get(0)[1], "e1"));
        r.apply(new ReplayCommand.Errored(t, ns, works.get(1)[0], works.get(1)[1], "e2"));
        r.apply(new ReplayCommand.Errored(t, ns, works.get(1)[0], works.get(1)[1], "e2 again"));
        int sharedRetries = 0;
        for (final long id : r.a.runStateIds("r1"))
        {
            final Views.NodeDetails d = r.a.state(id);
            sharedRetries += d.identifier().equals("work") && d.retryCount() == 1 && d.fanoutId().equals(shared) ? 1 : 0;
        }
        assertEquals(1, sharedRetries, "one retry state for the shared fanout id (the second errored found it)");

        // A retry under a lease: heartbeat, expiry exactly at the deadline, a stale report, then success twice.
        t += 1_000;
        final long[] retry = claimed(r.apply(claim(t, ns, "Work", 8, 3_000))).get(0);
        final long deadline = ((Replies.Heartbeat)r.apply(
            new ReplayCommand.Heartbeat(t, ns, retry[0], retry[1], 10_000))).leaseDeadline();
        r.apply(new ReplayCommand.Tick(deadline - 1));
        r.apply(new ReplayCommand.Tick(deadline));
        t = deadline;
        r.apply(executed(t, ns, retry, Map.of("r", "late")));
        final long[] retryAgain = claimed(r.apply(claim(t, ns, "Work", 8, 0))).get(0);
        r.apply(executed(t, ns, retryAgain, Map.of("r", "x")));
        r.apply(executed(t, ns, retryAgain, Map.of("r", "x")));

        // Five leases expire at the same instant; the tight limits fire two timers per command.
        for (int i = 2; i <= 6; i++)
        {
            r.apply(new ReplayCommand.Trigger(t, ns, "fan", "r" + i, Map.of(), Map.of(), 0));
        }
        final List<long[]> splits = claimed(r.apply(claim(t, ns, "Split", 8, 100)));
        assertEquals(5, splits.size());
        t += 100;
        for (int i = 0; i < 4; i++)
        {
            r.apply(new ReplayCommand.Tick(t));
        }

        // A claim with a request id, resent: the repeat answers the same state, an older request nothing, and once
        // the state is reported the repeat answers nothing either; the tight limits' 30 s window then forgets it.
        r.apply(new ReplayCommand.Trigger(t, ns, "fan", "r7", Map.of(), Map.of(), 0));
        final ReplayCommand.Claim withId = new ReplayCommand.Claim(t, ns, List.of("Split"), 1, 1, 5_000, 77, 2);
        final List<long[]> first = claimed(r.apply(withId));
        assertEquals(1, first.size());
        assertEquals(ReplayCommand.render(r.apply(withId)), r.steps.get(r.steps.size() - 2).reply());
        assertEquals(0, claimed(r.apply(new ReplayCommand.Claim(t, ns, List.of("Split"), 1, 1, 0, 77, 1))).size());
        r.apply(executed(t, ns, first.get(0), Map.of("chunk", "d")));
        assertEquals(0, claimed(r.apply(withId)).size());
        r.apply(new ReplayCommand.Tick(t + 30_000));
        t += 30_000;

        // The next cron occurrence, then everything left runs to the end (the unites of r1 included).
        t = (t / 60_000 + 1) * 60_000 + 1;
        r.apply(new ReplayCommand.Tick(t));
        for (int round = 0; round < 6; round++)
        {
            t += 1_000;
            for (final String node : List.of("Split", "Work", "Merge"))
            {
                for (final long[] c : claimed(r.apply(claim(t, ns, node, 8, 0))))
                {
                    r.apply(executed(t, ns, c, node.equals("Merge") ? Map.of() : Map.of("chunk", "c" + round,
                        "r", "r" + round)));
                }
            }
        }
        int merges = 0;
        for (final long id : r.a.runStateIds("r1"))
        {
            merges += r.a.state(id).identifier().equals("merge") ? 1 : 0;
        }
        assertEquals(2, merges, "one merge per split instance of r1");
        verify(r, Integer.MAX_VALUE);
    }

    private static NodeRegistration registration(final String name, final List<String> inputs, final List<String> outputs)
    {
        final List<SchemaField> in = new ArrayList<>();
        inputs.forEach(f -> in.add(new SchemaField(f, FieldKind.STRING)));
        final List<SchemaField> out = new ArrayList<>();
        outputs.forEach(f -> out.add(new SchemaField(f, FieldKind.STRING)));
        return new NodeRegistration(name, in, out, List.of(), "{}", "{}");
    }

    private static ReplayCommand.Claim claim(final long now, final String ns, final String node, final int max,
        final long leaseMs)
    {
        return new ReplayCommand.Claim(now, ns, List.of(node), 1, max, leaseMs);
    }

    private static ReplayCommand.Executed executed(final long now, final String ns, final long[] claimed,
        final Map<String, String> output)
    {
        return new ReplayCommand.Executed(now, ns, claimed[0], claimed[1], Payloads.encodeList(List.of(output)), 0);
    }

    /** (state id, claim token) of each claimed state, copied out of the flyweight. */
    private static List<long[]> claimed(final Object reply)
    {
        final ClaimReply c = (ClaimReply)reply;
        assertTrue(c.ok(), c::toString);
        final List<long[]> out = new ArrayList<>();
        for (int i = 0; i < c.count(); i++)
        {
            out.add(new long[]{c.stateId(i), c.claimToken(i)});
        }
        return out;
    }

    private static long last(final long[] ids)
    {
        return ids[ids.length - 1];
    }

    /** One reply, the transitions it produced and the queues it reported ready, as text. */
    private record Step(String reply, List<String> transitions, List<String> ready)
    {
    }

    /** Records what an engine tells its host, as text. */
    private static final class Recorder implements EngineListener
    {
        private final List<String> transitions = new ArrayList<>();
        private final List<String> ready = new ArrayList<>();

        @Override
        public void onTransition(
            final long stateId, final String runId, final Status from, final Status to, final long time,
            final long claimToken)
        {
            transitions.add(Ids.stateId(stateId) + ' ' + runId + ' ' + from + "->" + to + " t=" + time +
                " token=" + claimToken);
        }

        @Override
        public void onWorkReady(final String namespace, final String nodeName)
        {
            ready.add(namespace + '/' + nodeName);
        }

        Step step(final String reply)
        {
            final Step s = new Step(reply, List.copyOf(transitions), List.copyOf(ready));
            transitions.clear();
            ready.clear();
            return s;
        }
    }

    /**
     * Engine A with everything the verification needs: the command log, A's step for each command, which commands
     * should have changed nothing but time, and A's snapshots keyed by the index of the command they precede.
     */
    private static final class Recording
    {
        final String label;
        final EngineConfig config;
        final Engine a;
        final Recorder recorder = new Recorder();
        final List<ReplayCommand> log = new ArrayList<>();
        final List<Step> steps = new ArrayList<>();
        final List<Boolean> changesNothing = new ArrayList<>();
        final TreeMap<Integer, byte[]> snapshots = new TreeMap<>();
        boolean snapshotBeforeEveryCommand;

        Recording(final String label, final EngineConfig config)
        {
            this.label = label;
            this.config = config;
            this.a = new Engine(config);
            a.listener(recorder);
        }

        void snapshot()
        {
            snapshots.put(log.size(), a.snapshot());
        }

        /** Applies one command to A and records it; returns A's reply (a claim reply is valid until the next apply). */
        Object apply(final ReplayCommand cmd)
        {
            if (snapshotBeforeEveryCommand)
            {
                snapshot();
            }
            final Object reply = invoke(a, cmd, label, log.size(), "A");
            log.add(cmd);
            steps.add(recorder.step(ReplayCommand.render(reply)));
            changesNothing.add(Replies.rejectionOf(reply) != null || reply instanceof ClaimReply r && r.count() == 0);
            return reply;
        }
    }

    static void replay(final long seed, final int commands, final int snapshotPoints)
    {
        final EngineConfig config = RandomScenario.configFor(seed);
        final RandomScenario scenario = new RandomScenario(seed, config);
        final Random points = new Random(seed ^ 0x5A5A_5A5AL);
        final TreeSet<Integer> snapshotAt = new TreeSet<>();
        snapshotAt.add(points.nextInt(50));
        snapshotAt.add(commands - 1 - points.nextInt(50));
        while (snapshotAt.size() < snapshotPoints)
        {
            snapshotAt.add(points.nextInt(commands));
        }

        // Engine A: generate and apply, snapshotting before the chosen commands.
        final Recording r = new Recording("seed " + seed, config);
        final Map<String, Integer> coverage = new TreeMap<>();
        int uniteStates = 0;
        for (int i = 0; i < commands; i++)
        {
            if (snapshotAt.contains(i))
            {
                r.snapshot();
            }
            final ReplayCommand cmd = scenario.next(r.a);
            final Object reply = r.apply(cmd);
            scenario.checkValid(cmd, reply, i);
            scenario.observe(cmd, reply, r.a);
            coverage.merge(outcome(cmd, reply), 1, Integer::sum);
            uniteStates += newUniteStates(r.steps.get(r.steps.size() - 1), r.a);
        }
        coverage.put("Claim:REPEAT_ANSWERED", scenario.repeatsAnswered());
        coverage.put("Retired", (int)r.a.retiredRuns());
        checkCoverage(r.label, coverage, r.steps, uniteStates);
        verify(r, 60);
    }

    /**
     * Replays A's log on a fresh engine C and, from each of A's snapshots, on a restored engine B; both must match A.
     *
     * @param noopChecks how many of the commands that should change nothing to check against a tick.
     */
    private static void verify(final Recording r, final int noopChecks)
    {
        final String label = r.label;
        final List<ReplayCommand> log = r.log;
        final int commands = log.size();
        final byte[] finalA = r.a.snapshot();

        // Engine C: the whole log from the start must give exactly A's replies, transitions and notifications.
        final Engine c = new Engine(r.config);
        final Recorder recC = new Recorder();
        c.listener(recC);
        int checked = 0;
        final int stride = Math.max(1, Math.min(5, commands / Math.max(1, noopChecks)));
        for (int i = 0; i < commands; i++)
        {
            // A sample of the rejected (or empty) commands: they may advance time and fire due timers, nothing else,
            // so the state after one must be the state after a tick at the same time (decide before mutating).
            final boolean checkNoop = r.changesNothing.get(i) && checked < noopChecks && i % stride == 0;
            final byte[] before = checkNoop ? c.snapshot() : null;
            final String text = ReplayCommand.render(invoke(c, log.get(i), label, i, "C"));
            final Step step = recC.step(text);
            final int index = i;
            assertEquals(r.steps.get(i), step, () -> where(label, index, log, "fresh engine C diverged from A"));
            if (checkNoop)
            {
                checked++;
                final Engine d = Engine.restore(before, r.config);
                d.tick(log.get(i).now());
                if (!Arrays.equals(d.snapshot(), c.snapshot()))
                {
                    fail(where(label, i, log, "a rejected command changed more than time and due timers: " +
                        r.steps.get(i).reply()));
                }
            }
        }
        assertSameBytes(label, "final snapshot of fresh engine C", finalA, c.snapshot());
        final String readA = readSide(r.a);
        assertEquals(readA, readSide(c), label + ": read side of fresh engine C");

        // Engines B: restored from each snapshot, fed the rest of the log.
        for (final Map.Entry<Integer, byte[]> e : r.snapshots.entrySet())
        {
            final int from = e.getKey();
            final byte[] snap = e.getValue();
            final Engine b = Engine.restore(snap, r.config);
            assertSameBytes(label, "snapshot of B restored from the snapshot before command #" + from, snap,
                b.snapshot());
            final Recorder recB = new Recorder();
            b.listener(recB);
            for (int i = from; i < commands; i++)
            {
                final String text = ReplayCommand.render(invoke(b, log.get(i), label, i, "B@" + from));
                final Step step = recB.step(text);
                final Step expected = r.steps.get(i);
                final int index = i;
                final String context = "engine B restored before command #" + from + " diverged from A";
                assertEquals(expected.reply(), step.reply(), () -> where(label, index, log, context + " (reply)"));
                assertEquals(expected.transitions(), step.transitions(),
                    () -> where(label, index, log, context + " (transitions)"));
                // A restored engine re-arms only the ready notifications still pending; A may carry stale ones
                // (harmless duplicates, see Engine.readyTimers), so B's must be a subset of A's.
                assertTrue(expected.ready().containsAll(step.ready()),
                    () -> where(label, index, log, context + " (work-ready " + step.ready() + " not within " +
                        expected.ready() + ")"));
            }
            assertSameBytes(label, "final snapshot of B restored before command #" + from, finalA, b.snapshot());
            assertEquals(readA, readSide(b), label + ": read side of B restored before command #" + from);
        }
    }

    private static Object invoke(final Engine engine, final ReplayCommand cmd, final String label, final int index,
        final String engineName)
    {
        try
        {
            return cmd.invoke(engine);
        }
        catch (final RuntimeException ex)
        {
            throw new AssertionError(label + ", command #" + index + " on engine " + engineName +
                ": the engine threw instead of rejecting: " + cmd, ex);
        }
    }

    private static String where(final String label, final int index, final List<ReplayCommand> log, final String what)
    {
        final StringBuilder sb = new StringBuilder(label).append(", command #").append(index)
            .append(": ").append(what).append("\n  command: ").append(log.get(index)).append("\n  preceding:");
        for (int i = Math.max(0, index - 5); i < index; i++)
        {
            sb.append("\n    #").append(i).append(' ').append(log.get(i));
        }
        return sb.toString();
    }

    private static void assertSameBytes(final String label, final String what, final byte[] expected, final byte[] actual)
    {
        if (!Arrays.equals(expected, actual))
        {
            final int at = Arrays.mismatch(expected, actual);
            fail(label + ": " + what + " differs from A's: " + expected.length + " vs " + actual.length +
                " bytes, first difference at offset " + at);
        }
    }

    /** The read side, as text: listings derive from counters and indexes a restore rebuilds. */
    private static String readSide(final Engine e)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(e.namespaces()).append('\n');
        for (final String ns : List.of("alpha", "beta", "ghost", ""))
        {
            sb.append(e.registeredNodes(ns)).append('\n').append(e.graphs(ns)).append('\n');
            final Engine.Read<Views.RunsPage> page = e.runs(ns, 1, 1_000_000);
            sb.append(page).append('\n');
            final List<Views.RunSummary> runs = page.value().runs();
            for (int i = 0; i < Math.min(40, runs.size()); i++)
            {
                sb.append(e.runGraph(ns, runs.get(i).runId())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String outcome(final ReplayCommand cmd, final Object reply)
    {
        final Rejection r = Replies.rejectionOf(reply);
        final String kind = cmd.getClass().getSimpleName();
        if (r != null)
        {
            return kind + ':' + r.code();
        }
        if (reply instanceof ClaimReply c)
        {
            return kind + (c.count() == 0 ? ":EMPTY" : ":OK");
        }
        if (reply instanceof Replies.Errored er)
        {
            return kind + (er.retryCreated() ? ":RETRY" : ":NO_RETRY");
        }
        if (reply instanceof Replies.Upsert u)
        {
            return kind + (u.graph().valid() ? ":VALID" : ":INVALID");
        }
        if (reply instanceof Replies.Tick t)
        {
            return kind + (t.timersFired() > 0 ? ":FIRED" : ":IDLE");
        }
        return kind + ":OK";
    }

    /** Guards the generator: a scenario that stopped exercising the engine would pass vacuously. */
    /** States this step created that unite (counted as they are made: finished runs retire later). */
    private static int newUniteStates(final Step step, final Engine a)
    {
        int unites = 0;
        for (final String t : step.transitions())
        {
            if (t.contains(" null->"))
            {
                final Views.NodeDetails d = a.state(Ids.parseStateId(t.substring(0, t.indexOf(' '))));
                if (d != null && d.doesUnites())
                {
                    unites++;
                }
            }
        }
        return unites;
    }

    private static void checkCoverage(
        final String label, final Map<String, Integer> coverage, final List<Step> steps, final int unites)
    {
        int leaseExpiries = 0;
        int unitesOrFanouts = 0;
        for (final Step s : steps)
        {
            for (final String t : s.transitions())
            {
                if (t.contains("QUEUED->CREATED"))
                {
                    leaseExpiries++;
                }
                if (t.contains("null->EXECUTED"))
                {
                    unitesOrFanouts++;
                }
            }
        }
        final String summary = label + " coverage: " + coverage + " leaseExpiriesOrRequeues=" + leaseExpiries +
            " fanoutSiblings=" + unitesOrFanouts + " uniteStates=" + unites;
        System.out.println(summary);
        for (final String must : List.of("Executed:OK", "Executed:INVALID_REQUEST", "Executed:STALE_TOKEN",
            "Executed:STATE_NOT_FOUND", "Claim:OK", "Claim:LIMIT_EXCEEDED", "Errored:RETRY", "Trigger:OK",
            "Trigger:DUPLICATE_RUN", "Trigger:GRAPH_NOT_FOUND", "Requeue:OK", "Heartbeat:OK", "ManualRetry:OK",
            "Prune:OK", "Upsert:VALID", "Tick:FIRED", "Claim:REPEAT_ANSWERED", "Retired"))
        {
            assertTrue(coverage.getOrDefault(must, 0) > 0, () -> summary + "\nmissing " + must);
        }
        assertTrue(leaseExpiries > 0 && unitesOrFanouts > 0 && unites > 0, summary);
    }
}
