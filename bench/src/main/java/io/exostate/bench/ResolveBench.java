package io.exostate.bench;

import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.NodeTemplateSpec;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Input resolution, measured through the public command that does it: one op = {@code executed} of one
 * already-claimed state of node name {@code p} with one output {@code {"x": "p-value"}}, whose single next node
 * has one input {@code in}. With {@code input=three} that input is
 * {@code "a-${{ p_NN.outputs.x }}-${{ store.k }}-${{ q.outputs.y }}"}: the parent's output, the run's store and an
 * ancestor's output (store {@code {"k": "store-value"}}, {@code q} executed with {@code {"y": "q-value"}}). With
 * {@code input=constant} it is the literal text those three resolve to, so both variants create byte-identical
 * child inputs and the difference between their scores is the cost of resolving three placeholders. The op
 * includes state creation (the child state, the parent's child-lineage node, queueing the child) and the parent's
 * transitions; the claim is done in the trial setup.
 * <p>
 * Graph {@code resolve}: root {@code q} with 100 next nodes {@code p_00 .. p_99} (all of node name {@code p}), each
 * with one next node {@code c_NN} (node name {@code c}). One run, once {@code q} is executed, holds 100 ready
 * {@code p} states, so the pool costs two states per op, not three.
 * <p>
 * Each op leaves a new state, so iterations are single shots of a fixed batch ({@code @OperationsPerInvocation} =
 * batch: the score and {@code gc.alloc.rate.norm} are per executed). Every state the op creates survives, so a
 * young collection, or the growth of the engine's state map, lands in some iteration and makes it several times
 * slower: the difference between the variants (tens of ns) is far below that noise in the mean. Hence 30 short
 * measured iterations: compare the <b>medians</b> of the per-iteration scores (JMH prints them; {@code -rf json}
 * keeps them), and read the mean as the cost including GC.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, batchSize = ResolveBench.BATCH)
@Measurement(iterations = 30, batchSize = ResolveBench.BATCH)
@OperationsPerInvocation(ResolveBench.BATCH)
@Fork(value = 1, jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
@State(Scope.Thread)
public class ResolveBench
{
    static final int BATCH = 100_000;
    static final String RESOLVED = "a-p-value-store-value-q-value";
    /** The p nodes after q: one run makes this many ready p states. */
    private static final int P_NODES = 100;

    @Param({"three", "constant"})
    public String input;

    private Engine engine;
    private long now;
    private long[] ids;
    private long[] tokens;
    private int next;
    private UnsafeBuffer output;
    private int outputLength;

    @Setup(Level.Trial)
    public void setup(final BenchmarkParams params)
    {
        Batches.check(params, BATCH);
        final int ops = params.getWarmup().getCount() * BATCH + params.getMeasurement().getCount() * BATCH;
        final Workload w = new Workload();
        w.register("q", List.of(), List.of("y"));
        w.register("p", List.of(), List.of("x"));
        w.register("c", List.of("in"), List.of());
        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        final List<String> ps = new ArrayList<>();
        for (int i = 0; i < P_NODES; i++)
        {
            final String p = String.format("p_%02d", i);
            final String c = String.format("c_%02d", i);
            ps.add(p);
            nodes.add(Workload.node(p, "p", Map.of(), List.of(c)));
            nodes.add(Workload.node(c, "c", Map.of("in", "three".equals(input) ?
                "a-${{ " + p + ".outputs.x }}-${{ store.k }}-${{ q.outputs.y }}" : RESOLVED), List.of()));
        }
        nodes.add(0, Workload.node("q", "q", Map.of(), ps));
        w.upsert("resolve", nodes);
        final int runs = (ops + P_NODES - 1) / P_NODES;
        for (int i = 0; i < runs; i++)
        {
            w.trigger("resolve", Map.of("k", "store-value"));
        }
        Workload.check(w.claimAndExecuteAll("q", Workload.outputs(1, "y", "q-value")) == runs, "q states");
        ids = new long[ops];
        tokens = new long[ops];
        Workload.check(w.claimAll("p", ops, ids, tokens, 0) == ops, "claimed p states");
        engine = w.engine;
        now = w.now;
        next = 0;
        final byte[] encoded = Workload.outputs(1, "x", "p-value");
        output = new UnsafeBuffer(encoded);
        outputLength = encoded.length;
        System.gc();
    }

    @Benchmark
    public void executedResolve()
    {
        final int k = next++;
        final Replies.Executed r = engine.executed(++now, Workload.NS, ids[k], tokens[k], output, 0, outputLength);
        if (r != Replies.Executed.OK)
        {
            throw new IllegalStateException("executed failed: " + r);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long last = engine.stateCount();
        final String resolved = engine.state(last).inputsMap().get("in");
        if (!RESOLVED.equals(resolved))
        {
            throw new IllegalStateException("Expected the child input " + RESOLVED + ", but got " + resolved);
        }
        System.out.printf("%n[resolve] %d executed; states in engine %d; last child input %s%n", next,
            engine.stateCount(), resolved);
    }
}
