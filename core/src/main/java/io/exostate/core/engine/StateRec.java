package io.exostate.core.engine;

import io.exostate.core.model.Status;

/**
 * One state: one attempt of one node instance (SPEC §1.10). Mutable, engine thread only. Sized for about 150 bytes
 * of heap (payloads aside): times and counters are primitives; the lineage is shared with siblings.
 */
final class StateRec extends Timed
{
    static final byte REPORT_NONE = 0;
    static final byte REPORT_EXECUTED = 1;
    static final byte REPORT_ERRORED = 2;
    static final byte REPORT_PRUNE = 3;
    static final byte REPORT_REQUEUE = 4;

    final long id;
    final RunRec run;
    final int nodeIdx;
    final long createdAt;
    Status status;
    int retryCount;
    long enqueueAfter;
    long updatedAt;
    /** The token of the current (or last) claim; 0 when none is valid. */
    long claimToken;
    /** Lease deadline of the current claim, 0 when the claim has no lease. */
    long leaseDeadline;
    /** Engine-generated fanout sequence (0 when the fanout id came from a manual retry). */
    long fanoutSeq;
    String manualFanoutId;
    boolean doesUnites;
    /** Parents: the lineage of ancestors, root first, last entry the direct parent. Null for a root state. */
    final Lineage lineage;
    byte[] inputs;
    byte[] outputs;
    String error;
    String data;
    int heapIndex = -1;
    /** The last applied report, so a repeated report gets the first answer (idempotency across failover). */
    long lastReportToken;
    byte lastReportKind;
    long lastReportValue;
    UniteGroup uniteGroup;
    private Lineage childLineage;

    StateRec(
        final long id,
        final RunRec run,
        final int nodeIdx,
        final long createdAt,
        final Lineage lineage)
    {
        this.id = id;
        this.run = run;
        this.nodeIdx = nodeIdx;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
        this.lineage = lineage;
    }

    /** The lineage of this state's children: this state's lineage plus itself. Shared by all children. */
    Lineage childLineage()
    {
        if (childLineage == null)
        {
            childLineage = new Lineage(lineage, nodeIdx, this);
        }
        return childLineage;
    }

    String fanoutId()
    {
        return manualFanoutId != null ? manualFanoutId : Ids.fanoutId(fanoutSeq);
    }

    /**
     * The namespace the state is claimed in: the trigger's (the graph's) for a root state, the node template's for
     * every other state (SPEC §1.10).
     */
    String namespace()
    {
        return lineage == null ? run.namespace : run.version.namespaces[nodeIdx];
    }

    String identifier()
    {
        return run.version.identifiers[nodeIdx];
    }

    String nodeName()
    {
        return run.version.nodeNames[nodeIdx];
    }
}
