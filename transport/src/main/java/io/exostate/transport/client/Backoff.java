package io.exostate.transport.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": each delay is drawn in [d/2, d] where d doubles from the minimum to the
 * maximum, so many clients that lost the same server do not come back in lock step. Not thread safe: one owner.
 */
final class Backoff
{
    private final long minNs;
    private final long maxNs;
    private long currentNs;

    Backoff(final long minNs, final long maxNs)
    {
        if (minNs < 1 || maxNs < minNs)
        {
            throw new IllegalArgumentException(
                "Expected 0 < min <= max backoff, but got min " + minNs + " ns and max " + maxNs + " ns");
        }
        this.minNs = minNs;
        this.maxNs = maxNs;
    }

    /** The next delay in nanoseconds; grows until {@link #reset()}. */
    long nextNs()
    {
        currentNs = currentNs == 0 ? minNs : Math.min(maxNs, currentNs > maxNs / 2 ? maxNs : currentNs * 2);
        return delayFor(currentNs);
    }

    /**
     * A delay at the current level, without growing it (the minimum's before the first {@link #nextNs()}): for the
     * next endpoint of a round that has not failed everywhere yet.
     */
    long sameNs()
    {
        if (currentNs == 0)
        {
            currentNs = minNs;
        }
        return delayFor(currentNs);
    }

    void reset()
    {
        currentNs = 0;
    }

    /** The delay of the {@code attempt}-th try (1 based) without keeping state. */
    static long attemptNs(final long minNs, final long maxNs, final int attempt)
    {
        final int shift = Math.min(Math.max(attempt - 1, 0), 40);
        final long d = minNs > (maxNs >> shift) ? maxNs : Math.min(maxNs, minNs << shift);
        return delayFor(d);
    }

    private static long delayFor(final long d)
    {
        final long half = d / 2;
        return half + ThreadLocalRandom.current().nextLong(d - half + 1);
    }
}
