package io.exostate.bench;

import io.exostate.core.engine.Engine;
import io.exostate.core.engine.EngineConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Snapshots of an engine holding 1,000,000 live (CREATED) states: the leaf pool of {@link Workload}, 10,000 runs
 * of {@code root -> 100 leaves}, so the engine holds 1,010,000 states (the 10,000 roots are SUCCESS with one
 * output each). {@code write} is one {@code engine.snapshot()} (the complete state as a new byte array);
 * {@code restore} rebuilds an engine from those bytes (reported for reference; no target). Single shots: one
 * snapshot per iteration, timed alone.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Thread)
public class SnapshotBench
{
    static final int LIVE_STATES = 1_000_000;

    private Engine engine;
    private byte[] snapshot;

    @Setup(Level.Trial)
    public void setup()
    {
        final Workload w = new Workload();
        w.defineLeafPool();
        w.addLeafRuns(LIVE_STATES / Workload.NODE_NAMES);
        engine = w.engine;
        snapshot = engine.snapshot();
        System.gc();
    }

    @Benchmark
    public byte[] write()
    {
        return engine.snapshot();
    }

    @Benchmark
    public Engine restore()
    {
        return Engine.restore(snapshot, EngineConfig.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        System.out.printf("%n[snapshot] states in engine %d; snapshot %,d bytes (%.1f bytes per state)%n",
            engine.stateCount(), snapshot.length, (double)snapshot.length / engine.stateCount());
    }
}
