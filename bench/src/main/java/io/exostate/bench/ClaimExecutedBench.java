package io.exostate.bench;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Replies;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The worker hot path: one op = {@code claim} of ONE ready state of one node name, then {@code executed} of that
 * state with ONE pre-encoded output ({@code {"result": "ok"}}), through the buffer-based
 * {@code executed(now, ns, id, token, DirectBuffer, offset, length)}. The state is a leaf, so executed creates no
 * child; the command time advances by 1 ms per op, and both commands run the full framing (timers, unite checks).
 * <p>
 * <b>Pool:</b> at least 1,000,000 CREATED leaf states spread evenly over 100 node names exist at every point of
 * every iteration. Completed states stay in the engine (it keeps every state of a run), so an iteration cannot be
 * open-ended: the benchmark runs in {@link Mode#SingleShotTime} with a fixed batch of ops per iteration, and the
 * trial setup builds {@code 1,000,000 + (every op the trial will run)} leaves, so the pool never drops below one
 * million and nothing is created during a measured iteration (a refill there would put the trigger's allocations
 * into {@code gc.alloc.rate.norm}). In single-shot mode JMH divides by the operations per invocation, not by the
 * batch size, so the op declares {@code @OperationsPerInvocation(BATCH)} and the setup refuses a batch size other
 * than {@code BATCH}: the score is ns per claim+executed cycle (cycles/s = 1e9 / score) and
 * {@code gc.alloc.rate.norm} is bytes per cycle.
 * <p>
 * <b>Params:</b> {@code order} picks the node name of each op: {@code rotate} (leaf-00, leaf-01, ... leaf-99, ...,
 * which pops the leaves of one run one after the other, the kindest order for the caches) or {@code random} (a
 * fixed-seed uniform sequence, so queues drain unevenly and consecutive ops touch unrelated runs). {@code leaseMs}
 * is the claim's lease: 0 (no lease timer) or 30 s (a lease timer added by claim and removed by executed).
 * <p>
 * <b>Allocation</b> expected per op: the engine's copy of the output map (a 21-byte array, 40 bytes with its
 * header); nothing else. The engine's listener is the default no-op one.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, batchSize = ClaimExecutedBench.BATCH)
@Measurement(iterations = 5, batchSize = ClaimExecutedBench.BATCH)
@OperationsPerInvocation(ClaimExecutedBench.BATCH)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
@State(Scope.Thread)
public class ClaimExecutedBench
{
    static final int BATCH = 1_000_000;
    static final int POOL = 1_000_000;
    private static final int SEQUENCE_MASK = (1 << 20) - 1;

    @Param({"rotate", "random"})
    public String order;

    @Param({"0", "30000"})
    public long leaseMs;

    private Engine engine;
    private String[][] names;
    private int[] sequence;
    private int cursor;
    private long now;
    private UnsafeBuffer output;
    private int outputLength;
    private int leavesPerNode;
    private long plannedOps;

    @Setup(Level.Trial)
    public void setup(final BenchmarkParams params)
    {
        Batches.check(params, BATCH);
        plannedOps = ops(params.getWarmup()) + ops(params.getMeasurement());
        sequence = new int[SEQUENCE_MASK + 1];
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < sequence.length; i++)
        {
            sequence[i] = "rotate".equals(order) ? i % Workload.NODE_NAMES : random.nextInt(Workload.NODE_NAMES);
        }
        // Enough leaves that no node name drops below POOL / 100 ready states, however unevenly the sequence drains.
        final long[] consumed = consumedPerNode(plannedOps);
        long maxConsumed = 0;
        for (final long c : consumed)
        {
            maxConsumed = Math.max(maxConsumed, c);
        }
        leavesPerNode = (int)(POOL / Workload.NODE_NAMES + maxConsumed);

        final Workload w = new Workload();
        w.defineLeafPool();
        w.addLeafRuns(leavesPerNode);
        engine = w.engine;
        now = w.now;
        names = new String[Workload.NODE_NAMES][];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = new String[]{Workload.leafName(i)};
        }
        final byte[] encoded = Workload.outputs(1, "result", "ok");
        output = new UnsafeBuffer(encoded);
        outputLength = encoded.length;
        cursor = 0;
        System.gc();
    }

    @Benchmark
    public void claimExecuted()
    {
        final int n = sequence[cursor++ & SEQUENCE_MASK];
        final long t = ++now;
        final ClaimReply claimed = engine.claim(t, Workload.NS, names[n], 1, 1, leaseMs);
        if (claimed.count() != 1)
        {
            throw new IllegalStateException("the pool of " + names[n][0] + " ran dry after " + cursor + " ops");
        }
        final Replies.Executed r = engine.executed(t, Workload.NS, claimed.stateId(0), claimed.claimToken(0), output,
            0, outputLength);
        if (r != Replies.Executed.OK)
        {
            throw new IllegalStateException("executed failed: " + r);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long[] consumed = consumedPerNode(cursor);
        long minReady = Long.MAX_VALUE;
        long ready = 0;
        for (final long c : consumed)
        {
            minReady = Math.min(minReady, leavesPerNode - c);
            ready += leavesPerNode - c;
        }
        System.out.printf("%n[pool] %d ops run of %d planned; states in engine %d; ready leaves at the end %d " +
            "(fewest of one node name %d, built %d per node name)%n", cursor, plannedOps, engine.stateCount(), ready,
            minReady, leavesPerNode);
        if (ready < POOL)
        {
            throw new IllegalStateException("the pool fell below " + POOL + " ready states: " + ready);
        }
    }

    private long[] consumedPerNode(final long ops)
    {
        final long[] consumed = new long[Workload.NODE_NAMES];
        for (long i = 0; i < ops; i++)
        {
            consumed[sequence[(int)(i & SEQUENCE_MASK)]]++;
        }
        return consumed;
    }

    private static long ops(final IterationParams p)
    {
        return (long)p.getCount() * p.getBatchSize();
    }
}
