package io.exostate.core.engine;

import io.exostate.core.model.Status;

/**
 * What the engine tells its host while it applies a command. Called on the engine thread, synchronously, in a
 * deterministic order; implementations must not call back into the engine. The default methods do nothing.
 */
public interface EngineListener
{
    EngineListener NONE = new EngineListener()
    {
    };

    /**
     * A state changed status (the journaled history). {@code from} is null for a new state. {@code claimToken} is the
     * token of the claim the transition belongs to (0 when none) and {@code time} the command time.
     */
    default void onTransition(
        final long stateId, final String runId, final Status from, final Status to, final long time, final long claimToken)
    {
    }

    /**
     * A state of (namespace, node name) became claimable: a long-polling claimer for that node may now be served.
     * The host decides what to do; the engine's state is unchanged by this call.
     */
    default void onWorkReady(final String namespace, final String nodeName)
    {
    }
}
