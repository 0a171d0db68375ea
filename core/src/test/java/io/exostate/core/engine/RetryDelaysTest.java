package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashSet;
import java.util.Set;

import static io.exostate.core.engine.RetryDelays.computeDelay;
import static io.exostate.core.engine.RetryDelays.jitterSeed;
import static io.exostate.core.model.RetryStrategy.EXPONENTIAL;
import static io.exostate.core.model.RetryStrategy.EXPONENTIAL_EQUAL_JITTER;
import static io.exostate.core.model.RetryStrategy.EXPONENTIAL_FULL_JITTER;
import static io.exostate.core.model.RetryStrategy.FIXED;
import static io.exostate.core.model.RetryStrategy.FIXED_EQUAL_JITTER;
import static io.exostate.core.model.RetryStrategy.FIXED_FULL_JITTER;
import static io.exostate.core.model.RetryStrategy.LINEAR;
import static io.exostate.core.model.RetryStrategy.LINEAR_EQUAL_JITTER;
import static io.exostate.core.model.RetryStrategy.LINEAR_FULL_JITTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryDelaysTest
{
    private static final long NO_CAP = 0;
    private static final int SEEDS = 20_000;

    @Test
    void shouldMatchSpecDefaults()
    {
        assertThat(computeDelay(EXPONENTIAL, 2000, 2, NO_CAP, 1, 0)).isEqualTo(2000);
        assertThat(computeDelay(EXPONENTIAL, 2000, 2, NO_CAP, 2, 0)).isEqualTo(4000);
        assertThat(computeDelay(EXPONENTIAL, 2000, 2, NO_CAP, 3, 0)).isEqualTo(8000);
    }

    @Test
    void shouldMatchSpecExponentialReferenceValues()
    {
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, 1, 0)).isEqualTo(1000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, 2, 0)).isEqualTo(2000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, 3, 0)).isEqualTo(4000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, 5, 0)).isEqualTo(16000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 3, NO_CAP, 4, 0)).isEqualTo(27000);
    }

    @Test
    void shouldCapExponentialAtMaxDelay()
    {
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 3000, 1, 0)).isEqualTo(1000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 3000, 2, 0)).isEqualTo(2000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 3000, 3, 0)).isEqualTo(3000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 3000, 30, 0)).isEqualTo(3000);
    }

    @Test
    void shouldMatchSpecLinearAndFixedReferenceValues()
    {
        assertThat(computeDelay(LINEAR, 1000, 2, NO_CAP, 1, 0)).isEqualTo(1000);
        assertThat(computeDelay(LINEAR, 1000, 2, NO_CAP, 2, 0)).isEqualTo(2000);
        assertThat(computeDelay(LINEAR, 1000, 2, NO_CAP, 3, 0)).isEqualTo(3000);
        assertThat(computeDelay(LINEAR, 1000, 2, 2500, 3, 0)).isEqualTo(2500);
        for (int n = 1; n <= 10; n++)
        {
            assertThat(computeDelay(FIXED, 1000, 2, NO_CAP, n, 0)).isEqualTo(1000);
        }
        assertThat(computeDelay(FIXED, 1000, 2, 400, 1, 0)).isEqualTo(400);
    }

    @Test
    void shouldTreatNonPositiveMaxDelayAsNoCap()
    {
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 0, 4, 0)).isEqualTo(8000);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, -1, 4, 0)).isEqualTo(8000);
    }

    @Test
    void shouldKeepFullJitterWithinZeroAndBase()
    {
        assertWithinBounds(EXPONENTIAL_FULL_JITTER, 1000, 3, 0, 4000);
        assertWithinBounds(LINEAR_FULL_JITTER, 1000, 3, 0, 3000);
        assertWithinBounds(FIXED_FULL_JITTER, 1000, 3, 0, 1000);
    }

    @Test
    void shouldKeepEqualJitterWithinHalfBaseAndBase()
    {
        assertWithinBounds(EXPONENTIAL_EQUAL_JITTER, 1000, 3, 2000, 4000);
        assertWithinBounds(LINEAR_EQUAL_JITTER, 1000, 3, 1500, 3000);
        assertWithinBounds(FIXED_EQUAL_JITTER, 1000, 3, 500, 1000);
        // Odd base: base / 2 is a real 1.5, so truncation gives 1, 2 or 3.
        assertWithinBounds(FIXED_EQUAL_JITTER, 3, 1, 1, 3);
    }

    @Test
    void shouldSpreadJitterOverTheWholeInterval()
    {
        final int buckets = 10;
        final int[] full = new int[buckets];
        final int[] equal = new int[buckets];
        long fullSum = 0;
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = jitterSeed(42, 7, i + 1);
            final long f = computeDelay(FIXED_FULL_JITTER, 10_000, 2, NO_CAP, 1, seed);
            final long e = computeDelay(FIXED_EQUAL_JITTER, 10_000, 2, NO_CAP, 1, seed);
            full[(int)(f * buckets / 10_001)]++;
            equal[(int)((e - 5000) * buckets / 5001)]++;
            fullSum += f;
        }

        // Each tenth of the interval gets about 2,000 draws; 1,600 is far outside random variation.
        for (int b = 0; b < buckets; b++)
        {
            assertThat(full[b]).as("full jitter bucket %d", b).isGreaterThan(1600);
            assertThat(equal[b]).as("equal jitter bucket %d", b).isGreaterThan(1600);
        }
        assertThat(fullSum / SEEDS).isBetween(4800L, 5200L);
    }

    @Test
    void shouldGiveTheSameDelayForTheSameSeed()
    {
        for (final RetryStrategy strategy : RetryStrategy.values())
        {
            final long seed = jitterSeed(0x1234_5678_9ABCL, 99, 3);
            final long first = computeDelay(strategy, 1000, 2, 50_000, 3, seed);
            for (int i = 0; i < 10; i++)
            {
                assertThat(computeDelay(strategy, 1000, 2, 50_000, 3, seed)).isEqualTo(first);
            }
        }
    }

    @Test
    void shouldPinJitterValuesSoReplicasAndReleasesAgree()
    {
        // These literals pin the mixer: a change here changes delays on a running cluster's replay.
        assertThat(jitterSeed(1, 2, 3)).isEqualTo(jitterSeed(1, 2, 3));
        assertThat(DeterministicRandom.mix64(0)).isEqualTo(0L);
        assertThat(DeterministicRandom.mix64(1)).isEqualTo(0x5692161D100B05E5L);
        assertThat(DeterministicRandom.unitInterval(0)).isEqualTo(0.8833108082136426);
    }

    @Test
    void shouldSpreadSeedsOverRunsStatesAndAttempts()
    {
        final Set<Long> seeds = new HashSet<>();
        for (int run = 0; run < 20; run++)
        {
            for (int state = 0; state < 20; state++)
            {
                for (int attempt = 1; attempt <= 20; attempt++)
                {
                    seeds.add(jitterSeed(run, state, attempt));
                }
            }
        }
        assertThat(seeds).hasSize(20 * 20 * 20);

        assertThat(jitterSeed(1, 2, 3)).isNotEqualTo(jitterSeed(2, 1, 3));
        assertThat(jitterSeed(1, 2, 3)).isNotEqualTo(jitterSeed(1, 3, 2));

        final Set<Long> delays = new HashSet<>();
        for (int attempt = 1; attempt <= 100; attempt++)
        {
            delays.add(computeDelay(FIXED_FULL_JITTER, 1_000_000, 2, NO_CAP, 1, jitterSeed(5, 6, attempt)));
        }
        assertThat(delays).hasSizeGreaterThan(95);
    }

    @Test
    void shouldApplyCapAfterJitter()
    {
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = jitterSeed(3, 4, i + 1);
            // Equal jitter of 10,000 lies in [5000, 10000]: a cap of 6000 binds for most seeds but never lifts.
            final long capped = computeDelay(FIXED_EQUAL_JITTER, 10_000, 2, 6000, 1, seed);
            final long uncapped = computeDelay(FIXED_EQUAL_JITTER, 10_000, 2, NO_CAP, 1, seed);
            assertThat(capped).isEqualTo(Math.min(uncapped, 6000));

            final long full = computeDelay(EXPONENTIAL_FULL_JITTER, 1000, 2, 3000, 10, seed);
            final long fullUncapped = computeDelay(EXPONENTIAL_FULL_JITTER, 1000, 2, NO_CAP, 10, seed);
            assertThat(full).isEqualTo(Math.min(fullUncapped, 3000));
        }
    }

    @Test
    void shouldSaturateInsteadOfOverflowing()
    {
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, 1_000, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, NO_CAP, Integer.MAX_VALUE, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(computeDelay(EXPONENTIAL, 2, Long.MAX_VALUE, NO_CAP, 2, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(computeDelay(EXPONENTIAL, Long.MAX_VALUE, 1, NO_CAP, Integer.MAX_VALUE, 0))
            .isEqualTo(Long.MAX_VALUE);
        assertThat(computeDelay(EXPONENTIAL, 3, 1, NO_CAP, Integer.MAX_VALUE, 0)).isEqualTo(3);
        assertThat(computeDelay(LINEAR, Long.MAX_VALUE / 2, 2, NO_CAP, 3, 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(computeDelay(EXPONENTIAL, 1000, 2, 3000, 1_000, 0)).isEqualTo(3000);

        // 2^62 fits, 2^63 does not.
        assertThat(computeDelay(EXPONENTIAL, 1, 2, NO_CAP, 63, 0)).isEqualTo(1L << 62);
        assertThat(computeDelay(EXPONENTIAL, 1, 2, NO_CAP, 64, 0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldKeepSaturatedJitterWithinBounds()
    {
        for (int i = 0; i < SEEDS; i++)
        {
            final long seed = jitterSeed(8, 9, i);
            assertThat(computeDelay(EXPONENTIAL_FULL_JITTER, 1000, 2, NO_CAP, 500, seed))
                .isBetween(0L, Long.MAX_VALUE);
            assertThat(computeDelay(EXPONENTIAL_EQUAL_JITTER, 1000, 2, NO_CAP, 500, seed))
                .isBetween(Long.MAX_VALUE / 2, Long.MAX_VALUE);
        }
    }

    @ParameterizedTest
    @EnumSource(RetryStrategy.class)
    void shouldRejectRetryNumberBelowOne(final RetryStrategy strategy)
    {
        assertThatThrownBy(() -> computeDelay(strategy, 1000, 2, NO_CAP, 0, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("retry number must be >= 1");
        assertThatThrownBy(() -> computeDelay(strategy, 1000, 2, NO_CAP, -5, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectNonPositiveFactorAndExponent()
    {
        assertThatThrownBy(() -> computeDelay(FIXED, 0, 2, NO_CAP, 1, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("backoff factor");
        assertThatThrownBy(() -> computeDelay(EXPONENTIAL, 1000, 0, NO_CAP, 1, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("exponent");
    }

    private static void assertWithinBounds(
        final RetryStrategy strategy, final long b, final int n, final long low, final long high)
    {
        final Set<Long> seen = new HashSet<>();
        for (int i = 0; i < SEEDS; i++)
        {
            final long delay = computeDelay(strategy, b, 2, NO_CAP, n, jitterSeed(i, i * 31L, n));
            assertThat(delay).as("%s seed %d", strategy, i).isBetween(low, high);
            seen.add(delay);
        }
        assertThat(seen).as("%s spreads", strategy).hasSizeGreaterThanOrEqualTo((int)Math.min(high - low, 100));
    }
}
