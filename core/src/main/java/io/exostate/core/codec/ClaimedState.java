package io.exostate.core.codec;

import io.exostate.core.engine.Payloads;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One state of a decoded claim reply, for clients: a copy, safe to keep. {@code inputs} is the {@link Payloads} map
 * the engine resolved ({@link #inputsMap()} decodes it). {@code leaseDeadline} is 0 when the claim asked for no lease.
 */
public record ClaimedState(
    long stateId,
    long claimToken,
    long createdAt,
    long leaseDeadline,
    String nodeName,
    String identifier,
    String graphName,
    String runId,
    byte[] inputs,
    int retryCount)
{
    public ClaimedState
    {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(identifier, "identifier");
        Objects.requireNonNull(graphName, "graphName");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(inputs, "inputs");
    }

    public Map<String, String> inputsMap()
    {
        return Payloads.decodeMap(inputs);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof ClaimedState s &&
            stateId == s.stateId &&
            claimToken == s.claimToken &&
            createdAt == s.createdAt &&
            leaseDeadline == s.leaseDeadline &&
            retryCount == s.retryCount &&
            nodeName.equals(s.nodeName) &&
            identifier.equals(s.identifier) &&
            graphName.equals(s.graphName) &&
            runId.equals(s.runId) &&
            Arrays.equals(inputs, s.inputs);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(stateId, claimToken, createdAt, leaseDeadline, nodeName, identifier, graphName, runId,
            retryCount) * 31 + Arrays.hashCode(inputs);
    }

    @Override
    public String toString()
    {
        return "ClaimedState[" + stateId + "/" + claimToken + " " + nodeName + " " + identifier + " " + graphName +
            " " + runId + " " + inputsMap() + " created=" + createdAt + " lease=" + leaseDeadline + " retry=" +
            retryCount + "]";
    }
}
