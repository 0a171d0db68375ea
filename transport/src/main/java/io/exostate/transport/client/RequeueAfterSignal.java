package io.exostate.transport.client;

import java.time.Duration;

/**
 * Thrown by {@link Node#execute} to run the same state again later: the runtime reports re-enqueue-after, the
 * state goes back to {@code CREATED} with the same id and retry count, and it is offered again once {@code delay}
 * has passed (SPEC §6.2). It is not a failure and does not use a retry.
 * <p>
 * Unlike Exosphere's SDK, which sends a delay under 1 ms as {@code 0} and then dies on the server's 422 (SPEC §12.4),
 * the constructor refuses such a delay. A control-flow signal: it carries no stack trace.
 */
public final class RequeueAfterSignal extends Exception
{
    private static final long serialVersionUID = 1L;

    private final Duration delay;

    /**
     * @param delay how long to wait before the state is offered again; at least one millisecond.
     * @throws IllegalArgumentException when the delay is null or shorter than 1 ms.
     */
    public RequeueAfterSignal(final Duration delay)
    {
        super("requeue after " + delay, null, false, false);
        if (delay == null || delay.toMillis() < 1)
        {
            throw new IllegalArgumentException(
                "Expected a re-enqueue delay of at least 1 ms, but got " + delay +
                " (the server refuses 0: the state would never be offered again)");
        }
        this.delay = delay;
    }

    public Duration delay()
    {
        return delay;
    }

    /** The delay in whole milliseconds, at least 1. */
    public long delayMs()
    {
        return delay.toMillis();
    }
}
