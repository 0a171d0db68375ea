package io.exostate.core.engine;

import io.exostate.core.template.NodeRegistration;

import java.util.List;

/**
 * The typed replies of the engine's commands. Each carries either a {@link Rejection} (the command changed nothing)
 * or its result. The frequent successful replies without data are shared constants, so the hot path allocates none.
 * {@link ClaimReply} is a reusable flyweight, see its javadoc.
 */
public final class Replies
{
    private Replies()
    {
    }

    /** Route #3: echoes what was registered, in order. */
    public record Register(Rejection rejection, String runtimeName, List<NodeRegistration> nodes)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #5: the stored graph with its synchronous validation result (decision 2). */
    public record Upsert(Rejection rejection, Views.Graph graph)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #8: the run was created with its root state. */
    public record Trigger(Rejection rejection, String runId, long rootStateId)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #10: the state is EXECUTED and its next states already exist (decision 5). */
    public record Executed(Rejection rejection)
    {
        public static final Executed OK = new Executed(null);

        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #11: {@code {"status":"ERRORED","retry_created":bool}}. */
    public record Errored(Rejection rejection, boolean retryCreated)
    {
        public static final Errored RETRY_CREATED = new Errored(null, true);
        public static final Errored NO_RETRY = new Errored(null, false);

        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #12: {@code {"enqueue_after":int,"status":"PRUNED"}}. */
    public record Prune(Rejection rejection, long enqueueAfter)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #13: {@code {"enqueue_after":now+delay,"status":"CREATED"}}. */
    public record Requeue(Rejection rejection, long enqueueAfter)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** Route #14: {@code {"id":"<new id>","status":"CREATED"}}. */
    public record ManualRetry(Rejection rejection, long newStateId)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** A heartbeat extended the lease of a claimed state to {@code leaseDeadline}. */
    public record Heartbeat(Rejection rejection, long leaseDeadline)
    {
        public boolean ok()
        {
            return rejection == null;
        }
    }

    /** A tick fired {@code timersFired} due timers (retries becoming ready, leases, cron occurrences). */
    public record Tick(int timersFired)
    {
    }

    /** The rejection of any reply, or null when it succeeded. */
    public static Rejection rejectionOf(final Object reply)
    {
        if (reply instanceof Register r)
        {
            return r.rejection();
        }
        if (reply instanceof Upsert r)
        {
            return r.rejection();
        }
        if (reply instanceof Trigger r)
        {
            return r.rejection();
        }
        if (reply instanceof Executed r)
        {
            return r.rejection();
        }
        if (reply instanceof Errored r)
        {
            return r.rejection();
        }
        if (reply instanceof Prune r)
        {
            return r.rejection();
        }
        if (reply instanceof Requeue r)
        {
            return r.rejection();
        }
        if (reply instanceof ManualRetry r)
        {
            return r.rejection();
        }
        if (reply instanceof Heartbeat r)
        {
            return r.rejection();
        }
        if (reply instanceof ClaimReply r)
        {
            return r.rejection();
        }
        return null;
    }
}
