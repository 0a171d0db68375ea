package io.exostate.core.codec;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Commands;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A fake engine: records every call with its arguments (payload regions copied, so they can be compared after the
 * buffer is reused) and answers with the reply set for that command.
 */
final class RecordingCommands implements Commands
{
    record Call(String name, long now, List<Object> args)
    {
    }

    final List<Call> calls = new ArrayList<>();
    Replies.Register registerReply;
    Replies.Upsert upsertReply;
    Replies.Trigger triggerReply = new Replies.Trigger(null, "run-1", 7);
    ClaimReply claimReply = new ClaimReply();
    Replies.Executed executedReply = Replies.Executed.OK;
    Replies.Errored erroredReply = Replies.Errored.RETRY_CREATED;
    Replies.Prune pruneReply = new Replies.Prune(null, 1234);
    Replies.Requeue requeueReply = new Replies.Requeue(null, 5678);
    Replies.ManualRetry manualRetryReply = new Replies.ManualRetry(null, 99);
    Replies.Heartbeat heartbeatReply = new Replies.Heartbeat(null, 4321);
    Replies.Tick tickReply = new Replies.Tick(3);

    /** The buffer object the last executed() got its outputs in: the command buffer itself when nothing was copied. */
    DirectBuffer lastOutputsBuffer;
    /** The exact String objects of the last claim's node names and namespace (to see interning). */
    String[] lastClaimNames;
    String lastClaimNamespace;

    Call only()
    {
        if (calls.size() != 1)
        {
            throw new AssertionError("expected exactly one call, got " + calls);
        }
        return calls.get(0);
    }

    @Override
    public Replies.Register registerNodes(
        final long now, final String namespace, final String runtimeName, final List<NodeRegistration> nodes)
    {
        record(now, "registerNodes", namespace, runtimeName, nodes);
        return registerReply != null ? registerReply : new Replies.Register(null, runtimeName, nodes);
    }

    @Override
    public Replies.Upsert upsertGraph(final long now, final GraphSpec spec)
    {
        record(now, "upsertGraph", spec);
        return upsertReply != null ? upsertReply : new Replies.Upsert(null, Fixtures.graphView(spec));
    }

    @Override
    public Replies.Trigger trigger(
        final long now,
        final String namespace,
        final String graphName,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        record(now, "trigger", namespace, graphName, runId, inputs, store, startDelayMs);
        return triggerReply;
    }

    @Override
    public ClaimReply claim(
        final long now, final String namespace, final String[] nodeNames, final int nodeCount, final int max,
        final long leaseMs, final long clientId, final long requestId)
    {
        lastClaimNames = Arrays.copyOf(nodeNames, nodeCount);
        lastClaimNamespace = namespace;
        record(now, "claim", namespace, List.of(lastClaimNames), nodeCount, max, leaseMs, clientId, requestId);
        return claimReply;
    }

    @Override
    public Replies.Executed executed(
        final long now,
        final String namespace,
        final long stateId,
        final long claimToken,
        final DirectBuffer outputs,
        final int offset,
        final int length)
    {
        lastOutputsBuffer = outputs;
        final byte[] bytes = new byte[length];
        outputs.getBytes(offset, bytes);
        record(now, "executed", namespace, stateId, claimToken, new Bytes(bytes));
        return executedReply;
    }

    @Override
    public Replies.Errored errored(
        final long now, final String namespace, final long stateId, final long claimToken, final String error)
    {
        record(now, "errored", namespace, stateId, claimToken, error);
        return erroredReply;
    }

    @Override
    public Replies.Prune prune(
        final long now, final String namespace, final long stateId, final long claimToken, final String dataJson)
    {
        record(now, "prune", namespace, stateId, claimToken, dataJson);
        return pruneReply;
    }

    @Override
    public Replies.Requeue reenqueueAfter(
        final long now, final String namespace, final long stateId, final long claimToken, final long delayMs)
    {
        record(now, "reenqueueAfter", namespace, stateId, claimToken, delayMs);
        return requeueReply;
    }

    @Override
    public Replies.ManualRetry manualRetry(
        final long now, final String namespace, final long stateId, final String fanoutId)
    {
        record(now, "manualRetry", namespace, stateId, fanoutId);
        return manualRetryReply;
    }

    @Override
    public Replies.Heartbeat heartbeat(
        final long now, final String namespace, final long stateId, final long claimToken, final long leaseMs)
    {
        record(now, "heartbeat", namespace, stateId, claimToken, leaseMs);
        return heartbeatReply;
    }

    @Override
    public Replies.Tick tick(final long now)
    {
        record(now, "tick");
        return tickReply;
    }

    private void record(final long now, final String name, final Object... args)
    {
        calls.add(new Call(name, now, Arrays.asList(args)));
    }

    /** Bytes with value equality, for comparing recorded payloads. */
    record Bytes(byte[] bytes)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString()
        {
            return Arrays.toString(bytes);
        }
    }
}
