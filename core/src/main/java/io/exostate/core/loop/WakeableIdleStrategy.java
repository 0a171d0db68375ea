package io.exostate.core.loop;

import org.agrona.concurrent.IdleStrategy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Backs off like Agrona's {@code BackoffIdleStrategy} (spin, then yield, then park for growing times up to a
 * maximum), and can be woken: a producer that has just made work visible calls {@link #wake()}, which unparks the
 * agent if, and only if, it is parked (one volatile read otherwise). An idle host then answers a lone request
 * without first sleeping out the rest of its park.
 * <p>
 * A wake that races with the agent deciding to park (work offered after its last look, before it marked itself
 * parked) is not lost for long: the agent sleeps at most one maximum park, as it would without this class.
 * <p>
 * <b>Threading:</b> {@link #idle}, {@link #reset} on the agent thread; {@link #wake()} from any thread.
 */
public final class WakeableIdleStrategy implements IdleStrategy
{
    private static final VarHandle PARKED;

    static
    {
        try
        {
            PARKED = MethodHandles.lookup().findVarHandle(WakeableIdleStrategy.class, "parked", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int maxSpins;
    private final int maxYields;
    private final long minParkNs;
    private final long maxParkNs;
    private int spins;
    private int yields;
    private long parkNs;
    /** The agent thread while it parks, else null. Written by the agent, read by producers. */
    @SuppressWarnings("unused")
    private volatile Thread parked;

    /**
     * @param maxSpins  busy spins before yielding.
     * @param maxYields yields before parking.
     * @param minParkNs the first park.
     * @param maxParkNs the longest park (each park doubles the previous one up to this).
     */
    public WakeableIdleStrategy(final int maxSpins, final int maxYields, final long minParkNs, final long maxParkNs)
    {
        if (maxSpins < 0 || maxYields < 0 || minParkNs < 1 || maxParkNs < minParkNs)
        {
            throw new IllegalArgumentException("expected spins, yields >= 0 and 1 <= minParkNs <= maxParkNs, but got " +
                maxSpins + ", " + maxYields + ", " + minParkNs + ", " + maxParkNs);
        }
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNs = minParkNs;
        this.maxParkNs = maxParkNs;
        this.parkNs = minParkNs;
    }

    /** The hosts' default: 10 spins, 20 yields, parks from 1 µs up to 1 ms. */
    public static WakeableIdleStrategy hostDefault()
    {
        return new WakeableIdleStrategy(10, 20, 1_000, 1_000_000);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spins < maxSpins)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < maxYields)
        {
            yields++;
            Thread.yield();
        }
        else
        {
            PARKED.setVolatile(this, Thread.currentThread());
            LockSupport.parkNanos(parkNs);
            PARKED.setOpaque(this, (Thread)null);
            parkNs = Math.min(parkNs << 1, maxParkNs);
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
        parkNs = minParkNs;
    }

    /** Unparks the agent if it is parked. Any thread; cheap when the agent is busy (one volatile read). */
    public void wake()
    {
        final Thread t = (Thread)PARKED.getVolatile(this);
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String alias()
    {
        return "wakeable-backoff";
    }

    @Override
    public String toString()
    {
        return "WakeableIdleStrategy{spins=" + maxSpins + ", yields=" + maxYields + ", parkNs=[" + minParkNs + ", " +
            maxParkNs + "]}";
    }
}
