package io.exostate.bench;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fanout: one op = {@code executed} of one already-claimed state of node {@code f} with 100 outputs
 * ({@code {"v": "value-i"}}, pre-encoded, through the buffer-based call), into the next node {@code c}. Per the
 * engine's semantics that copies the 100 output maps, creates 99 sibling {@code f} states (EXECUTED, then SUCCESS)
 * for outputs 2..100, resolves {@code c}'s input {@code v = ${{ f.outputs.v }}} once per output and creates and
 * queues 100 CREATED {@code c} states. The claim is not part of the op: every {@code f} state is claimed (no
 * lease) in the trial setup.
 * <p>
 * Graph {@code chain}: {@code root -> f -> c}. Every op leaves ~200 new states in the engine, so iterations are
 * single shots of a fixed batch ({@code @OperationsPerInvocation} = batch, so the score and
 * {@code gc.alloc.rate.norm} are per executed) and the trial setup claims one {@code f} state per op it will run.
 * The {@code c} states are never claimed. Every state the op creates survives, so young collections copy them all:
 * an iteration that contains one runs several times slower than one that does not. The measurement therefore has
 * 15 iterations, and the mean over them (GC included) is the figure to read.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, batchSize = FanoutBench.BATCH)
@Measurement(iterations = 15, batchSize = FanoutBench.BATCH)
@OperationsPerInvocation(FanoutBench.BATCH)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
@State(Scope.Thread)
public class FanoutBench
{
    static final int BATCH = 2_000;
    static final int FANOUT = 100;

    private Engine engine;
    private long now;
    private long[] ids;
    private long[] tokens;
    private int next;
    private UnsafeBuffer outputs;
    private int outputsLength;

    @Setup(Level.Trial)
    public void setup(final BenchmarkParams params)
    {
        Batches.check(params, BATCH);
        final int ops = params.getWarmup().getCount() * BATCH + params.getMeasurement().getCount() * BATCH;
        final Workload w = new Workload();
        w.register("root", List.of(), List.of("v"));
        w.register("f", List.of("v"), List.of("v"));
        w.register("c", List.of("v"), List.of());
        w.upsert("chain", List.of(
            Workload.node("root", "root", Map.of(), List.of("f")),
            Workload.node("f", "f", Map.of("v", "${{ root.outputs.v }}"), List.of("c")),
            Workload.node("c", "c", Map.of("v", "${{ f.outputs.v }}"), List.of())));
        for (int i = 0; i < ops; i++)
        {
            w.trigger("chain", Map.of());
        }
        Workload.check(w.claimAndExecuteAll("root", Workload.outputs(1, "v", "root-value")) == ops, "roots");
        ids = new long[ops];
        tokens = new long[ops];
        Workload.check(w.claimAll("f", ops, ids, tokens, 0) == ops, "claimed f states");
        engine = w.engine;
        now = w.now;
        next = 0;
        final byte[] encoded = Workload.outputs(FANOUT, "v", "value");
        outputs = new UnsafeBuffer(encoded);
        outputsLength = encoded.length;
        System.gc();
    }

    @Benchmark
    public void executedFanout()
    {
        final int k = next++;
        final Replies.Executed r = engine.executed(++now, Workload.NS, ids[k], tokens[k], outputs, 0, outputsLength);
        if (r != Replies.Executed.OK)
        {
            throw new IllegalStateException("executed failed: " + r);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        System.out.printf("%n[fanout] %d executed of %d outputs; states in engine %d%n", next, FANOUT,
            engine.stateCount());
    }
}
