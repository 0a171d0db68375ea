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
    final byte[] store;
    final ArrayList<StateRec> states = new ArrayList<>(4);
    final int[] statusCounts = new int[8];
    boolean hasManualRetry;

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

    String status()
    {
        if (states.isEmpty())
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
