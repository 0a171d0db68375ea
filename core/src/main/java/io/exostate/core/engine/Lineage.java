package io.exostate.core.engine;

/**
 * A state's parents map (SPEC §1.10) as an immutable linked list from the direct parent up to the root: the
 * children of a state and all fanout siblings share one instance, so creating a child costs no copy.
 */
final class Lineage
{
    final Lineage prev;
    final int nodeIdx;
    final StateRec state;
    final int depth;

    Lineage(final Lineage prev, final int nodeIdx, final StateRec state)
    {
        this.prev = prev;
        this.nodeIdx = nodeIdx;
        this.state = state;
        this.depth = prev == null ? 1 : prev.depth + 1;
    }

    /** The ancestor state of this node index on the lineage, or null. */
    static StateRec find(final Lineage lineage, final int nodeIdx)
    {
        for (Lineage l = lineage; l != null; l = l.prev)
        {
            if (l.nodeIdx == nodeIdx)
            {
                return l.state;
            }
        }
        return null;
    }
}
