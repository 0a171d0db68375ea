package io.exostate.core.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

import static org.assertj.core.api.Assertions.assertThat;

class FinishedRunsTest
{
    private static RunRec run(final int i)
    {
        return new RunRec("run-" + i, i, "ns", null, 0, null);
    }

    @Test
    void shouldHandOutRunsInTheOrderTheyFinishedAcrossWrapAroundAndGrowth()
    {
        final FinishedRuns fifo = new FinishedRuns();
        final ArrayDeque<RunRec> expected = new ArrayDeque<>();
        int next = 0;
        // Fill and drain unevenly so the ring wraps before it grows, and grows while wrapped.
        for (int round = 0; round < 50; round++)
        {
            for (int k = 0; k < 7 + round; k++)
            {
                final RunRec r = run(next);
                fifo.add(r, 1_000L + next);
                expected.addLast(r);
                next++;
            }
            for (int k = 0; k < 5 && !expected.isEmpty(); k++)
            {
                final RunRec want = expected.pollFirst();
                assertThat(fifo.oldestTime()).isEqualTo(1_000L + want.seq);
                assertThat(fifo.removeOldest()).isSameAs(want);
            }
        }
        while (!expected.isEmpty())
        {
            final RunRec want = expected.pollFirst();
            assertThat(fifo.isEmpty()).isFalse();
            assertThat(fifo.oldestTime()).isEqualTo(1_000L + want.seq);
            assertThat(fifo.removeOldest()).isSameAs(want);
        }
        assertThat(fifo.isEmpty()).isTrue();
        assertThat(next).as("more runs than the first capacity").isGreaterThan(1_000);
    }
}
