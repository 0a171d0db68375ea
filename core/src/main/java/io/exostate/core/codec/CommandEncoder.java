package io.exostate.core.codec;

import io.exostate.core.codec.sbe.ClaimEncoder;
import io.exostate.core.codec.sbe.ErroredEncoder;
import io.exostate.core.codec.sbe.ExecutedEncoder;
import io.exostate.core.codec.sbe.HeartbeatEncoder;
import io.exostate.core.codec.sbe.ManualRetryEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.PruneEncoder;
import io.exostate.core.codec.sbe.ReEnqueueAfterEncoder;
import io.exostate.core.codec.sbe.RegisterNodesEncoder;
import io.exostate.core.codec.sbe.TickEncoder;
import io.exostate.core.codec.sbe.TriggerEncoder;
import io.exostate.core.codec.sbe.UpsertGraphEncoder;
import io.exostate.core.engine.Commands;
import io.exostate.core.engine.Payloads;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.List;
import java.util.Map;

/**
 * Encodes the commands of {@link Commands} into SBE messages, each with its own header, at an offset of a buffer.
 * Every method takes the arguments of its {@link Commands} method less {@code now} (the batch carries the time) and
 * returns the number of bytes written. {@link CommandDecoder} reads them back.
 * <p>
 * <b>Allocation:</b> {@link #claim}, {@link #executed}, {@link #errored}, {@link #prune}, {@link #reenqueueAfter},
 * {@link #heartbeat}, {@link #manualRetry} and {@link #tick} allocate nothing (strings are UTF-8 encoded in place).
 * The others are cold and build their nested bodies with records in hand.
 * <p>
 * The caller owns the buffer: it must have room for the message (an {@code ExpandableArrayBuffer} grows; a fixed
 * buffer throws {@code IndexOutOfBoundsException} at the edge, never inside the engine). Lists longer than
 * 65534 entries cannot be encoded ({@code IllegalArgumentException}). Null strings are a programming error.
 * <p>
 * Not thread safe: one per thread.
 */
public final class CommandEncoder
{
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final RegisterNodesEncoder registerNodes = new RegisterNodesEncoder();
    private final UpsertGraphEncoder upsertGraph = new UpsertGraphEncoder();
    private final TriggerEncoder trigger = new TriggerEncoder();
    private final ClaimEncoder claim = new ClaimEncoder();
    private final ExecutedEncoder executed = new ExecutedEncoder();
    private final ErroredEncoder errored = new ErroredEncoder();
    private final PruneEncoder prune = new PruneEncoder();
    private final ReEnqueueAfterEncoder reenqueueAfter = new ReEnqueueAfterEncoder();
    private final ManualRetryEncoder manualRetry = new ManualRetryEncoder();
    private final HeartbeatEncoder heartbeat = new HeartbeatEncoder();
    private final TickEncoder tick = new TickEncoder();
    private final Bodies bodies = new Bodies();

    public int registerNodes(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String runtimeName,
        final List<NodeRegistration> nodes)
    {
        final RegisterNodesEncoder e = registerNodes.wrapAndApplyHeader(buffer, offset, header);
        final RegisterNodesEncoder.NodesEncoder nodesEncoder =
            e.nodesCount(Wire.count(nodes.size(), "RegisterNodes.nodes"));
        for (final NodeRegistration node : nodes)
        {
            nodesEncoder.next();
            bodies.putRegistration(e, node);
        }
        Wire.string(e, namespace);
        Wire.string(e, runtimeName);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int upsertGraph(final MutableDirectBuffer buffer, final int offset, final GraphSpec spec)
    {
        final UpsertGraphEncoder e = upsertGraph.wrapAndApplyHeader(buffer, offset, header);
        bodies.putGraphSpec(e, spec);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** {@code inputs} and {@code store} are string maps; null means empty. */
    public int trigger(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String graphName,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        final TriggerEncoder e = trigger.wrapAndApplyHeader(buffer, offset, header).startDelayMs(startDelayMs);
        Wire.string(e, namespace);
        Wire.string(e, graphName);
        Wire.string(e, runId);
        final int inputsAt = Wire.beginBytes(e);
        Wire.endBytes(e, Payloads.writeMap(buffer, inputsAt, inputs, null));
        final int storeAt = Wire.beginBytes(e);
        Wire.endBytes(e, Payloads.writeMap(buffer, storeAt, store, null));
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /**
     * Like {@link #trigger(MutableDirectBuffer, int, String, String, String, Map, Map, long)} with inputs and store
     * already in the {@link Payloads} map encoding (copied as they are; the decoder checks them).
     */
    public int trigger(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String graphName,
        final String runId,
        final DirectBuffer payloads,
        final int inputsOffset,
        final int inputsLength,
        final int storeOffset,
        final int storeLength,
        final long startDelayMs)
    {
        final TriggerEncoder e = trigger.wrapAndApplyHeader(buffer, offset, header).startDelayMs(startDelayMs);
        Wire.string(e, namespace);
        Wire.string(e, graphName);
        Wire.string(e, runId);
        Wire.bytes(e, payloads, inputsOffset, inputsLength);
        Wire.bytes(e, payloads, storeOffset, storeLength);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. At most 65534 node names. */
    public int claim(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String[] nodeNames,
        final int nodeCount,
        final int max,
        final long leaseMs)
    {
        return claim(buffer, offset, namespace, nodeNames, nodeCount, max, leaseMs, 0);
    }

    /**
     * Allocation free. {@code waitMs} > 0 asks the host to park the claim (long-poll) when nothing is ready; the
     * engine itself ignores it. The claim carries no request id, so the engine does not deduplicate it.
     */
    public int claim(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String[] nodeNames,
        final int nodeCount,
        final int max,
        final long leaseMs,
        final long waitMs)
    {
        return claim(buffer, offset, namespace, nodeNames, nodeCount, max, leaseMs, waitMs, 0, 0);
    }

    /**
     * Allocation free. Like {@link #claim(MutableDirectBuffer, int, String, String[], int, int, long, long)}, with the
     * claim's request id: {@code clientId} (non-zero, the same for every claim of one client) and {@code requestId}
     * (> 0, growing with each new claim of that client, kept when the same claim is sent again). The engine answers
     * a repeat of a client's latest request with the states the first one handed out (see {@link Commands#claim}).
     * 0 and 0: no deduplication.
     */
    public int claim(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String[] nodeNames,
        final int nodeCount,
        final int max,
        final long leaseMs,
        final long waitMs,
        final long clientId,
        final long requestId)
    {
        final ClaimEncoder e = claim.wrapAndApplyHeader(buffer, offset, header)
            .max(max)
            .leaseMs(leaseMs)
            .waitMs(waitMs)
            .clientId(clientId)
            .requestId(requestId);
        final ClaimEncoder.NodeNamesEncoder names = e.nodeNamesCount(Wire.count(nodeCount, "Claim.nodeNames"));
        for (int i = 0; i < nodeCount; i++)
        {
            names.next();
            Wire.string(e, nodeNames[i]);
        }
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. {@code outputs} holds a {@link Payloads} list of maps at [outputsOffset, +outputsLength). */
    public int executed(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final long claimToken,
        final DirectBuffer outputs,
        final int outputsOffset,
        final int outputsLength)
    {
        final ExecutedEncoder e = executed.wrapAndApplyHeader(buffer, offset, header)
            .stateId(stateId)
            .claimToken(claimToken);
        Wire.string(e, namespace);
        Wire.bytes(e, outputs, outputsOffset, outputsLength);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. */
    public int errored(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final long claimToken,
        final String error)
    {
        final ErroredEncoder e = errored.wrapAndApplyHeader(buffer, offset, header)
            .stateId(stateId)
            .claimToken(claimToken);
        Wire.string(e, namespace);
        Wire.string(e, error);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. */
    public int prune(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final long claimToken,
        final String dataJson)
    {
        final PruneEncoder e = prune.wrapAndApplyHeader(buffer, offset, header)
            .stateId(stateId)
            .claimToken(claimToken);
        Wire.string(e, namespace);
        Wire.string(e, dataJson);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. */
    public int reenqueueAfter(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final long claimToken,
        final long delayMs)
    {
        final ReEnqueueAfterEncoder e = reenqueueAfter.wrapAndApplyHeader(buffer, offset, header)
            .stateId(stateId)
            .claimToken(claimToken)
            .delayMs(delayMs);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. */
    public int manualRetry(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final String fanoutId)
    {
        final ManualRetryEncoder e = manualRetry.wrapAndApplyHeader(buffer, offset, header).stateId(stateId);
        Wire.string(e, namespace);
        Wire.string(e, fanoutId);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. */
    public int heartbeat(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final long stateId,
        final long claimToken,
        final long leaseMs)
    {
        final HeartbeatEncoder e = heartbeat.wrapAndApplyHeader(buffer, offset, header)
            .stateId(stateId)
            .claimToken(claimToken)
            .leaseMs(leaseMs);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Allocation free. The tick's time is the batch time. */
    public int tick(final MutableDirectBuffer buffer, final int offset)
    {
        return Wire.HEADER_LENGTH + tick.wrapAndApplyHeader(buffer, offset, header).encodedLength();
    }
}
