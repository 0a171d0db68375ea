package io.exostate.core.engine;

import java.util.ArrayList;

/** One run (SPEC §1.9): its graph version (decision 3), store, states in creation order and status counts. */
final class RunRec
{
    final String runId;
    final long seq;
    final String namespace;
    final GraphVersion version;
    final long createdAt;
    /** The run's store; null once the run is retired. */
    byte[] store;
    /** The states in creation order; empty once the run is retired. */
    ArrayList<StateRec> states = new ArrayList<>(4);
    final int[] statusCounts = new int[8];
    boolean hasManualRetry;
    /** Command time at which the run last finished (no pending state left); 0 while it has pending work. */
    long finishedAt;
    /** Retired (SPEC decision 13): states and store left the heap; counts and summary stay. */
    boolean retired;
    /** The number of states the run had when it was retired. */
    int retiredStateCount;

    RunRec(
        final String runId,
        final long seq,
        final String namespace,
        final GraphVersion version,
        final long createdAt,
        final byte[] store)
    {
        this.runId = runId;
        this.seq = seq;
        this.namespace = namespace;
        this.version = version;
        this.createdAt = createdAt;
        this.store = store;
    }

    int pending()
    {
        return statusCounts[0] + statusCounts[1] + statusCounts[2];
    }

    int errored()
    {
        return statusCounts[5] + statusCounts[6];
    }

    /** The number of states of the run, retired or not. */
    int stateCount()
    {
        return retired ? retiredStateCount : states.size();
    }

    String status()
    {
        if (stateCount() == 0)
        {
            return "FAILED";
        }
        if (pending() > 0)
        {
            return "PENDING";
        }
        return errored() > 0 ? "FAILED" : "SUCCESS";
    }
}
