package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;

/**
 * The retry delay of SPEC §7.2, {@code compute_delay(n)}, with Exosphere's formulas and two deliberate
 * differences: arithmetic saturates at {@link Long#MAX_VALUE} instead of growing without bound (Python integers
 * cannot overflow, Java longs can), and the jitter is a pure function of a seed (decision 8), so every replica
 * that applies the same command computes the same delay.
 * <pre>
 *   b = backoffFactor, e = exponent, U = unitInterval(seed) in [0, 1)
 *
 *   family        base
 *   EXPONENTIAL   b * e^(n-1)     (saturating)
 *   LINEAR        b * n           (saturating)
 *   FIXED         b
 *
 *   jitter        delay before the cap
 *   none          base
 *   FULL          trunc(U * base)                      in [0, base]
 *   EQUAL         trunc(base/2 + U * base/2)           in [floor(base/2), base]
 *
 *   delay = maxDelayOrZero &gt; 0 ? min(delay, maxDelayOrZero) : delay      (the cap comes after the jitter)
 * </pre>
 * Thread safety: pure functions. Allocation: none.
 */
public final class RetryDelays
{
    private RetryDelays()
    {
    }

    /**
     * The delay in milliseconds before retry number {@code n}.
     *
     * @param strategy       one of the nine strategies; null gives a {@link NullPointerException}.
     * @param backoffFactor  {@code b} in milliseconds, &gt; 0 (SPEC §1.6 validates this at upsert).
     * @param exponent       {@code e}, &gt; 0; used by the EXPONENTIAL family only but checked for all.
     * @param maxDelayOrZero the cap in milliseconds; zero or negative means no cap ({@code max_delay} null).
     * @param n              the retry number, 1 for the first retry (the new state's {@code retry_count}).
     * @param seed           the jitter seed, see {@link #jitterSeed(long, long, int)}; ignored without jitter.
     * @return the delay, in [0, Long.MAX_VALUE], never more than the cap when there is one.
     * @throws IllegalArgumentException when {@code n < 1}, {@code backoffFactor <= 0} or {@code exponent <= 0}.
     */
    public static long computeDelay(
        final RetryStrategy strategy,
        final long backoffFactor,
        final long exponent,
        final long maxDelayOrZero,
        final int n,
        final long seed)
    {
        if (n < 1)
        {
            throw new IllegalArgumentException("retry number must be >= 1, was " + n);
        }
        if (backoffFactor <= 0)
        {
            throw new IllegalArgumentException("backoff factor must be > 0, was " + backoffFactor);
        }
        if (exponent <= 0)
        {
            throw new IllegalArgumentException("exponent must be > 0, was " + exponent);
        }

        final long delay;
        switch (strategy)
        {
            case EXPONENTIAL:
                delay = exponentialBase(backoffFactor, exponent, n);
                break;
            case EXPONENTIAL_FULL_JITTER:
                delay = fullJitter(exponentialBase(backoffFactor, exponent, n), seed);
                break;
            case EXPONENTIAL_EQUAL_JITTER:
                delay = equalJitter(exponentialBase(backoffFactor, exponent, n), seed);
                break;
            case LINEAR:
                delay = saturatingMultiply(backoffFactor, n);
                break;
            case LINEAR_FULL_JITTER:
                delay = fullJitter(saturatingMultiply(backoffFactor, n), seed);
                break;
            case LINEAR_EQUAL_JITTER:
                delay = equalJitter(saturatingMultiply(backoffFactor, n), seed);
                break;
            case FIXED:
                delay = backoffFactor;
                break;
            case FIXED_FULL_JITTER:
                delay = fullJitter(backoffFactor, seed);
                break;
            case FIXED_EQUAL_JITTER:
                delay = equalJitter(backoffFactor, seed);
                break;
            default:
                throw new IllegalStateException("unhandled retry strategy " + strategy);
        }

        return maxDelayOrZero > 0 ? Math.min(delay, maxDelayOrZero) : delay;
    }

    /**
     * One jitter seed from the identity of a retry: the run, the state that failed and the retry number. Every
     * input reaches every output bit; for a fixed run and state, distinct attempts give distinct seeds (each
     * step is a bijection of the last input).
     *
     * @param runKey  a stable 64-bit key of the run (e.g. a hash of the run id chosen at the edge).
     * @param stateId the id of the state that failed.
     * @param attempt the retry number {@code n} the delay is for.
     * @return a seed for {@link #computeDelay(RetryStrategy, long, long, long, int, long)}.
     */
    public static long jitterSeed(final long runKey, final long stateId, final int attempt)
    {
        long h = DeterministicRandom.mix64(runKey + DeterministicRandom.GOLDEN_GAMMA);
        h = DeterministicRandom.mix64(h ^ (stateId + 2 * DeterministicRandom.GOLDEN_GAMMA));
        h = DeterministicRandom.mix64(h ^ ((attempt & 0xFFFF_FFFFL) + 3 * DeterministicRandom.GOLDEN_GAMMA));
        return h;
    }

    /** {@code b * e^(n-1)}, saturating; at most 63 multiplications because e &gt;= 2 saturates by then. */
    static long exponentialBase(final long backoffFactor, final long exponent, final int n)
    {
        if (exponent == 1)
        {
            return backoffFactor;
        }
        long result = backoffFactor;
        for (int i = 1; i < n && result != Long.MAX_VALUE; i++)
        {
            result = saturatingMultiply(result, exponent);
        }
        return result;
    }

    /** {@code a * b} for non-negative operands, {@link Long#MAX_VALUE} when the product does not fit. */
    static long saturatingMultiply(final long a, final long b)
    {
        if (a == 0 || b == 0)
        {
            return 0;
        }
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    private static long fullJitter(final long base, final long seed)
    {
        // Python: int(random.uniform(0, base)). A double product near 2^63 may round up past base: clamp.
        final double value = DeterministicRandom.unitInterval(seed) * base;
        return Math.min((long)value, base);
    }

    private static long equalJitter(final long base, final long seed)
    {
        // Python: int(base / 2 + random.uniform(0, base / 2)) with true (real) division.
        final double half = base / 2.0;
        final double value = half + DeterministicRandom.unitInterval(seed) * half;
        return Math.min((long)value, base);
    }
}
