package io.exostate.core.engine;

/**
 * Limits of one engine. Every replica must run with the same values: they decide rejections, so they are part of
 * the replicated behaviour.
 */
public record EngineConfig(int maxClaimBatch, int maxOutputs, int maxPayloadBytes, int maxTimersPerCommand)
{
    public static final EngineConfig DEFAULT = new EngineConfig(4096, 100_000, 4 * 1024 * 1024, 100_000);

    public EngineConfig
    {
        if (maxClaimBatch < 1 || maxOutputs < 1 || maxPayloadBytes < 64 || maxTimersPerCommand < 1)
        {
            throw new IllegalArgumentException("engine limits must be positive: maxClaimBatch=" + maxClaimBatch +
                " maxOutputs=" + maxOutputs + " maxPayloadBytes=" + maxPayloadBytes +
                " maxTimersPerCommand=" + maxTimersPerCommand);
        }
    }
}
