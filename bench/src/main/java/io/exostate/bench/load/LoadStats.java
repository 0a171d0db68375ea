package io.exostate.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a load counts and measures, shared by the trigger side and every runtime.
 * <p>
 * <b>Threading:</b> every method may be called from any thread (the client I/O threads call most of them); counters
 * are {@link LongAdder}s or atomics, latencies go to HdrHistogram {@link Recorder}s (wait-free writers).
 * <p>
 * <b>Ready→delivered</b> (chain graphs only): for each run one slot pairs the executed reply of step i with the claim
 * reply that delivers step i+1, whichever arrives first. The latency is {@code claim reply - executed reply}, or 0
 * when the claim reply arrived first (both are sent by the engine, the claim one batch later, but on different
 * connections, read by different threads); such cases are counted.
 */
final class LoadStats
{
    /** Latencies are recorded in nanoseconds, up to a minute, with 3 significant digits. */
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long EMPTY = 0;
    private static final int KIND_EXECUTED = 0;
    private static final int KIND_CLAIMED = 1;

    private final GraphShape shape;
    private final long runs;
    private final long startNs = System.nanoTime();
    private final Semaphore inFlight;
    private final CountDownLatch done = new CountDownLatch(1);

    final LongAdder triggered = new LongAdder();
    final LongAdder claims = new LongAdder();
    final LongAdder emptyClaims = new LongAdder();
    final LongAdder claimedStates = new LongAdder();
    final LongAdder reportedStates = new LongAdder();
    final LongAdder transitions = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder claimBeforeExecuted = new LongAdder();
    final LongAdder unpaired = new LongAdder();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong leafReports = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private volatile String fatal;

    private final Recorder claimToReport = new Recorder(HIGHEST_NS, 3);
    private final Recorder readyToDelivered = new Recorder(HIGHEST_NS, 3);
    private final AtomicLongArray chainSlots;
    private final AtomicIntegerArray leafCounts;

    LoadStats(final GraphShape shape, final long runs, final int maxInFlight, final boolean trackRuns)
    {
        this.shape = shape;
        this.runs = runs;
        this.inFlight = new Semaphore(maxInFlight);
        this.chainSlots = trackRuns && shape.isChain() && shape.size() > 1 ? new AtomicLongArray((int)runs) : null;
        this.leafCounts = trackRuns && shape.leavesPerRun() > 1 ? new AtomicIntegerArray((int)runs) : null;
    }

    GraphShape shape()
    {
        return shape;
    }

    long runs()
    {
        return runs;
    }

    /** Runs triggered but not complete are bounded: the trigger side takes a permit per run. */
    Semaphore inFlight()
    {
        return inFlight;
    }

    long elapsedNs()
    {
        return System.nanoTime() - startNs;
    }

    long completed()
    {
        return completed.get();
    }

    boolean measuresReadyToDelivered()
    {
        return chainSlots != null;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events.
    // ------------------------------------------------------------------------------------------------------------

    /** A claim answered with {@code count} states at {@code nowNs}. */
    void onClaimReply(final int count)
    {
        claims.increment();
        if (count == 0)
        {
            emptyClaims.increment();
            return;
        }
        claimedStates.add(count);
        // new -> CREATED happened when the state was made; it is counted here, with CREATED -> QUEUED.
        transitions.add(2L * count);
    }

    /** A state of a chain run delivered by a claim reply at {@code nowNs}. */
    void onChainDelivered(final int run, final int position, final long nowNs)
    {
        if (chainSlots != null && position > 0)
        {
            pair(run, position, KIND_CLAIMED, nowNs);
        }
    }

    /**
     * A state reported executed: its reply arrived at {@code nowNs}, the claim reply that delivered it at
     * {@code claimNs}. {@code run} is the run's index, or -1 when unknown (HTTP).
     */
    void onExecutedReply(final int run, final String identifier, final long claimNs, final long nowNs)
    {
        claimToReport.recordValue(Math.min(HIGHEST_NS, Math.max(0, nowNs - claimNs)));
        reportedStates.increment();
        // QUEUED -> EXECUTED and EXECUTED -> SUCCESS, plus 2 for each sibling a fanout's extra outputs made.
        transitions.add(2L * shape.outputCount(identifier));
        if (chainSlots != null && run >= 0)
        {
            final int position = GraphShape.chainPosition(identifier);
            if (position >= 0 && position + 1 < shape.size())
            {
                pair(run, position + 1, KIND_EXECUTED, nowNs);
            }
        }
        if (shape.isLeaf(identifier))
        {
            onLeaf(run);
        }
    }

    private void onLeaf(final int run)
    {
        final int leaves = shape.leavesPerRun();
        if (leaves == 1)
        {
            complete(1);
        }
        else if (run >= 0 && leafCounts != null)
        {
            if (leafCounts.incrementAndGet(run) == leaves)
            {
                complete(1);
            }
        }
        else
        {
            // Without run ids (HTTP), a run is counted complete for every `leaves` leaf reports: exact at the end.
            if (leafReports.incrementAndGet() % leaves == 0)
            {
                complete(1);
            }
        }
    }

    private void complete(final int n)
    {
        final long c = completed.addAndGet(n);
        inFlight.release(n);
        if (c >= runs)
        {
            done.countDown();
        }
    }

    /**
     * Pairs the two events of a ready→delivered measure for {@code step} of {@code run}: the executed reply of step-1
     * and the claim reply delivering step. A slot holds {@code (time since start) << 11 | step << 1 | kind}.
     */
    private void pair(final int run, final int step, final int kind, final long nowNs)
    {
        final long t = nowNs - startNs + 1;
        final long mine = (t << 11) | ((long)step << 1) | kind;
        while (true)
        {
            final long current = chainSlots.get(run);
            if (current == EMPTY)
            {
                if (chainSlots.compareAndSet(run, EMPTY, mine))
                {
                    return;
                }
                continue;
            }
            final int currentStep = (int)((current >>> 1) & 0x3FF);
            final int currentKind = (int)(current & 1);
            if (currentStep != step || currentKind == kind)
            {
                // A straggler of another step: leave the slot to its owner, do not measure this one.
                if (chainSlots.compareAndSet(run, current, mine))
                {
                    unpaired.increment();
                    return;
                }
                continue;
            }
            if (chainSlots.compareAndSet(run, current, EMPTY))
            {
                final long other = current >>> 11;
                final long executedAt = kind == KIND_EXECUTED ? t : other;
                final long claimedAt = kind == KIND_CLAIMED ? t : other;
                if (claimedAt < executedAt)
                {
                    claimBeforeExecuted.increment();
                }
                readyToDelivered.recordValue(Math.min(HIGHEST_NS, Math.max(0, claimedAt - executedAt)));
                return;
            }
        }
    }

    /** Something unexpected happened; the load goes on. */
    void error(final String what)
    {
        errors.increment();
        firstError.compareAndSet(null, what);
    }

    /** Something that ends the load (a refused trigger, a lost connection): the generator stops and exits 1. */
    void fatal(final String what)
    {
        error(what);
        if (fatal == null)
        {
            fatal = what;
        }
        done.countDown();
    }

    String fatalError()
    {
        return fatal;
    }

    String firstError()
    {
        return firstError.get();
    }

    /** Waits until every run completed or a fatal error, at most {@code timeoutNs}; true when done. */
    boolean awaitDone(final long timeoutNs) throws InterruptedException
    {
        return done.await(timeoutNs, TimeUnit.NANOSECONDS);
    }

    boolean isDone()
    {
        return done.getCount() == 0;
    }

    /** Forgets the latencies recorded so far (the warm-up). */
    void resetLatencies()
    {
        claimToReport.reset();
        readyToDelivered.reset();
    }

    Histogram claimToReport()
    {
        return claimToReport.getIntervalHistogram();
    }

    Histogram readyToDelivered()
    {
        return readyToDelivered.getIntervalHistogram();
    }
}
