package io.exostate.core.engine;

/**
 * Limits of one engine. Every replica must run with the same values: they decide rejections and what stays in
 * memory, so they are part of the replicated behaviour.
 *
 * @param claimRequestWindowMs how long, in command time, the engine remembers a client's latest deduplicated claim
 *                             (see {@link Commands#claim}): a client whose latest claim that handed out states is
 *                             older is forgotten, and its next claim counts as new whatever its request id.
 * @param runRetentionMs       how long, in command time, a finished run (no state CREATED, QUEUED or EXECUTED) keeps
 *                             its states in memory (SPEC decision 13). After that the run is retired: its states,
 *                             inputs, outputs and store leave the heap; its summary stays in the runs listing and its
 *                             id stays taken. {@link Long#MAX_VALUE} keeps every run forever.
 */
public record EngineConfig(
    int maxClaimBatch,
    int maxOutputs,
    int maxPayloadBytes,
    int maxTimersPerCommand,
    long claimRequestWindowMs,
    long runRetentionMs)
{
    /** Ten minutes: far longer than a client takes to resend a claim after a failover. */
    public static final long CLAIM_REQUEST_WINDOW_MS_DEFAULT = 10 * 60 * 1000L;

    /** One hour (SPEC decision 13). */
    public static final long RUN_RETENTION_MS_DEFAULT = 60 * 60 * 1000L;

    public static final EngineConfig DEFAULT = new EngineConfig(4096, 100_000, 4 * 1024 * 1024, 100_000);

    public EngineConfig
    {
        if (maxClaimBatch < 1 || maxOutputs < 1 || maxPayloadBytes < 64 || maxTimersPerCommand < 1 ||
            claimRequestWindowMs < 1 || runRetentionMs < 1)
        {
            throw new IllegalArgumentException("engine limits must be positive: maxClaimBatch=" + maxClaimBatch +
                " maxOutputs=" + maxOutputs + " maxPayloadBytes=" + maxPayloadBytes +
                " maxTimersPerCommand=" + maxTimersPerCommand + " claimRequestWindowMs=" + claimRequestWindowMs +
                " runRetentionMs=" + runRetentionMs);
        }
    }

    /** Limits with the default claim request window and run retention. */
    public EngineConfig(final int maxClaimBatch, final int maxOutputs, final int maxPayloadBytes,
        final int maxTimersPerCommand)
    {
        this(maxClaimBatch, maxOutputs, maxPayloadBytes, maxTimersPerCommand, CLAIM_REQUEST_WINDOW_MS_DEFAULT);
    }

    /** Limits with the default run retention. */
    public EngineConfig(final int maxClaimBatch, final int maxOutputs, final int maxPayloadBytes,
        final int maxTimersPerCommand, final long claimRequestWindowMs)
    {
        this(maxClaimBatch, maxOutputs, maxPayloadBytes, maxTimersPerCommand, claimRequestWindowMs,
            RUN_RETENTION_MS_DEFAULT);
    }

    /** These limits with another claim request window. */
    public EngineConfig withClaimRequestWindowMs(final long windowMs)
    {
        return new EngineConfig(maxClaimBatch, maxOutputs, maxPayloadBytes, maxTimersPerCommand, windowMs,
            runRetentionMs);
    }

    /** These limits with another run retention window. */
    public EngineConfig withRunRetentionMs(final long retentionMs)
    {
        return new EngineConfig(maxClaimBatch, maxOutputs, maxPayloadBytes, maxTimersPerCommand,
            claimRequestWindowMs, retentionMs);
    }
}
