package io.exostate.core.engine;

/**
 * Pure, stateless pseudo-random functions for replicated decisions (decision 8): the same input gives the same
 * output on every replica, in every JVM, forever. There is no hidden state, no clock and no
 * {@code java.util.Random}.
 * <p>
 * The mixer is the SplitMix64 finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), a bijection on 64-bit values with good avalanche: flipping one input bit flips
 * each output bit with probability close to one half.
 * <p>
 * Thread safety: every method is a pure function. Allocation: none.
 */
public final class DeterministicRandom
{
    /** The SplitMix64 increment, 2^64 divided by the golden ratio, rounded to odd. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private DeterministicRandom()
    {
    }

    /**
     * The SplitMix64 finalizer.
     *
     * @param z any value.
     * @return a well-mixed value; distinct inputs give distinct outputs (the function is a bijection).
     */
    public static long mix64(final long z)
    {
        long x = z;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /**
     * A uniform real in [0, 1) drawn from {@code seed}: the top 53 bits of the mixed seed over 2^53, so every
     * result is an exact multiple of 2^-53 and 1.0 is never returned.
     *
     * @param seed any value, typically from {@link #mix64(long)} or {@link RetryDelays#jitterSeed(long, long, int)}.
     * @return a double in [0, 1).
     */
    public static double unitInterval(final long seed)
    {
        return (mix64(seed + GOLDEN_GAMMA) >>> 11) * DOUBLE_UNIT;
    }
}
