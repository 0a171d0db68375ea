package io.exostate.core.loop;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class WakeableIdleStrategyTest
{
    private static final long A_MINUTE_NS = TimeUnit.MINUTES.toNanos(1);

    /** Starts a thread that idles once on {@code idle} and waits until it parks. */
    private static Thread parkedIn(final WakeableIdleStrategy idle) throws InterruptedException
    {
        final Thread t = new Thread(idle::idle, "idler");
        t.start();
        while (t.getState() != Thread.State.TIMED_WAITING)
        {
            Thread.sleep(1);
        }
        return t;
    }

    @Test
    void shouldWakeAnAgentParkedForAMinute() throws Exception
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, A_MINUTE_NS, A_MINUTE_NS);
        final Thread t = parkedIn(idle);
        idle.wake();
        t.join(10_000);
        assertThat(t.isAlive()).as("woken long before its minute").isFalse();
    }

    @Test
    void shouldWakeTheReaderOfARingWhenAMessageIsOffered() throws Exception
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(0, 0, A_MINUTE_NS, A_MINUTE_NS);
        final IngressRing ring = new IngressRing(64 * 1024, idle);
        final Thread t = parkedIn(idle);
        assertThat(ring.offer(1, 2, new UnsafeBuffer(new byte[8]), 0, 8)).isTrue();
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void shouldRefuseNonsenseSettings()
    {
        assertThatThrownBy(() -> new WakeableIdleStrategy(-1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WakeableIdleStrategy(0, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WakeableIdleStrategy(0, 0, 10, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
