package io.exostate.core.codec;

import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.ErroredDecoder;
import io.exostate.core.codec.sbe.ExecutedDecoder;
import io.exostate.core.codec.sbe.HeartbeatDecoder;
import io.exostate.core.codec.sbe.ManualRetryDecoder;
import io.exostate.core.codec.sbe.PruneDecoder;
import io.exostate.core.codec.sbe.ReEnqueueAfterDecoder;
import io.exostate.core.codec.sbe.RegisterNodesDecoder;
import io.exostate.core.codec.sbe.TickDecoder;
import io.exostate.core.codec.sbe.TriggerDecoder;
import io.exostate.core.codec.sbe.UpsertGraphDecoder;
import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Commands;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The engine's adapter: decodes one command message, calls the matching {@link Commands} method and encodes its
 * reply. The bytes are the ones {@link CommandEncoder} wrote; {@code now} is the time of the batch they came in.
 * <p>
 * <b>Never throws for bad bytes.</b> The header must name schema {@value Wire#SCHEMA_ID}, a version this build reads
 * and a command template; every group count and var-data length is checked against {@code length}; payloads are
 * checked with {@code Payloads.listCount/mapCount}; the message must end exactly at {@code offset + length}. When
 * anything is wrong the target is not called, a {@code Rejected} reply (INVALID_REQUEST, or LIMIT_EXCEEDED for a
 * claim max above 65534) with a precise detail is written instead, and {@link #lastError()} says why. An exception
 * thrown by the target itself is not caught: a broken engine invariant must stop the node.
 * <p>
 * <b>No copies, little allocation:</b> the outputs of {@code executed} are handed to the engine as the region of
 * the command buffer; namespaces and claim node names go through a {@link Utf8Interner}, so a claim, executed,
 * heartbeat or re-enqueue allocates nothing once its names were seen (the error text of {@code errored} and the
 * data of {@code prune} are new strings by nature). The node-name array passed to {@link Commands#claim} is reused:
 * it is valid only during that call.
 * <p>
 * Not thread safe: one per engine thread.
 */
public final class CommandDecoder
{
    private final Commands target;
    private final ReplyEncoder replies;
    private final Utf8Interner interner;
    private final WireReader in = new WireReader();
    private final Bodies bodies = new Bodies();
    private final RegisterNodesDecoder registerNodes = new RegisterNodesDecoder();
    private final UpsertGraphDecoder upsertGraph = new UpsertGraphDecoder();
    private final TriggerDecoder trigger = new TriggerDecoder();
    private final ClaimDecoder claim = new ClaimDecoder();
    private final ExecutedDecoder executed = new ExecutedDecoder();
    private final ErroredDecoder errored = new ErroredDecoder();
    private final PruneDecoder prune = new PruneDecoder();
    private final ReEnqueueAfterDecoder reenqueueAfter = new ReEnqueueAfterDecoder();
    private final ManualRetryDecoder manualRetry = new ManualRetryDecoder();
    private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
    private final TickDecoder tick = new TickDecoder();
    private String[] nodeNames = new String[16];
    private DecodeError lastError;

    public CommandDecoder(final Commands target)
    {
        this(target, new ReplyEncoder(), new Utf8Interner());
    }

    public CommandDecoder(final Commands target, final ReplyEncoder replies, final Utf8Interner interner)
    {
        this.target = target;
        this.replies = replies;
        this.interner = interner;
    }

    /**
     * Applies the command at [offset, offset + length) to the target and writes the reply at {@code replyOffset}.
     *
     * @return the length of the reply written: the command's reply, or a {@code Rejected} one.
     */
    public int apply(
        final long now,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final MutableDirectBuffer replyBuffer,
        final int replyOffset)
    {
        lastError = null;
        try
        {
            return dispatch(now, buffer, offset, length, replyBuffer, replyOffset, true);
        }
        catch (final WireReader.Malformed ex)
        {
            // Only this package's decoding throws Malformed, and it always does so before the target is called.
            lastError = ex.error();
            return replies.rejected(replyBuffer, replyOffset, lastError.rejectCode(), lastError.detail());
        }
    }

    /**
     * Decodes the command completely without calling the target: what a leader checks before proposing it.
     *
     * @return null when {@link #apply} would call the target, else why not.
     */
    public DecodeError validate(final DirectBuffer buffer, final int offset, final int length)
    {
        lastError = null;
        try
        {
            dispatch(0, buffer, offset, length, null, 0, false);
        }
        catch (final WireReader.Malformed ex)
        {
            lastError = ex.error();
        }
        return lastError;
    }

    /** Why the last {@link #apply} or {@link #validate} refused its bytes, or null when it did not. */
    public DecodeError lastError()
    {
        return lastError;
    }

    private int dispatch(
        final long now,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final MutableDirectBuffer replyBuffer,
        final int replyOffset,
        final boolean call)
    {
        final int templateId = in.header(buffer, offset, length);
        switch (templateId)
        {
            case ClaimDecoder.TEMPLATE_ID:
                return claim(now, offset, replyBuffer, replyOffset, call);
            case ExecutedDecoder.TEMPLATE_ID:
                return executed(now, buffer, offset, replyBuffer, replyOffset, call);
            case ErroredDecoder.TEMPLATE_ID:
                return errored(now, offset, replyBuffer, replyOffset, call);
            case HeartbeatDecoder.TEMPLATE_ID:
                return heartbeat(now, offset, replyBuffer, replyOffset, call);
            case PruneDecoder.TEMPLATE_ID:
                return prune(now, offset, replyBuffer, replyOffset, call);
            case ReEnqueueAfterDecoder.TEMPLATE_ID:
                return reenqueueAfter(now, offset, replyBuffer, replyOffset, call);
            case ManualRetryDecoder.TEMPLATE_ID:
                return manualRetry(now, offset, replyBuffer, replyOffset, call);
            case TickDecoder.TEMPLATE_ID:
                return tick(now, offset, replyBuffer, replyOffset, call);
            case TriggerDecoder.TEMPLATE_ID:
                return trigger(now, offset, replyBuffer, replyOffset, call);
            case RegisterNodesDecoder.TEMPLATE_ID:
                return registerNodes(now, buffer, offset, replyBuffer, replyOffset, call);
            case UpsertGraphDecoder.TEMPLATE_ID:
                return upsertGraph(now, buffer, offset, replyBuffer, replyOffset, call);
            default:
                throw WireReader.unknownTemplate(templateId, "a command template id (1-11)");
        }
    }

    private int claim(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final ClaimDecoder d = claim;
        in.wrap(d, offset, "Claim");
        final int max = d.max();
        final long leaseMs = d.leaseMs();
        final long clientId = d.clientId();
        final long requestId = d.requestId();
        final int count = in.group(d, ClaimDecoder.NodeNamesDecoder.sbeBlockLength(), "Claim.nodeNames");
        if (count > nodeNames.length)
        {
            nodeNames = Arrays.copyOf(nodeNames, Math.max(count, nodeNames.length * 2));
        }
        final String[] names = nodeNames;
        final ClaimDecoder.NodeNamesDecoder g = d.nodeNames();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "Claim.nodeNames");
            g.next();
            names[i] = in.string(d, interner, "Claim.nodeNames.nodeName");
        }
        final String namespace = in.string(d, interner, "Claim.namespaceName");
        in.done(d, "Claim");
        if (max > Wire.MAX_GROUP_COUNT)
        {
            throw new WireReader.Malformed(DecodeError.Kind.LIMIT_EXCEEDED,
                "Expected a claim max of at most " + Wire.MAX_GROUP_COUNT + " (one reply's capacity), but was " + max);
        }
        if (!call)
        {
            return 0;
        }
        final ClaimReply reply = target.claim(now, namespace, names, count, max, leaseMs, clientId, requestId);
        return replies.claim(replyBuffer, replyOffset, reply);
    }

    private int executed(
        final long now, final DirectBuffer buffer, final int offset, final MutableDirectBuffer replyBuffer,
        final int replyOffset, final boolean call)
    {
        final ExecutedDecoder d = executed;
        in.wrap(d, offset, "Executed");
        final long stateId = d.stateId();
        final long claimToken = d.claimToken();
        final String namespace = in.string(d, interner, "Executed.namespaceName");
        final int outputsLength = in.skip(d, "Executed.outputs");
        final int outputsOffset = d.limit() - outputsLength;
        in.done(d, "Executed");
        in.checkList(outputsOffset, outputsLength, "Executed.outputs");
        if (!call)
        {
            return 0;
        }
        return replies.executed(replyBuffer, replyOffset,
            target.executed(now, namespace, stateId, claimToken, buffer, outputsOffset, outputsLength));
    }

    private int errored(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final ErroredDecoder d = errored;
        in.wrap(d, offset, "Errored");
        final long stateId = d.stateId();
        final long claimToken = d.claimToken();
        final String namespace = in.string(d, interner, "Errored.namespaceName");
        final String error = in.string(d, "Errored.errorText");
        in.done(d, "Errored");
        if (!call)
        {
            return 0;
        }
        return replies.errored(replyBuffer, replyOffset, target.errored(now, namespace, stateId, claimToken, error));
    }

    private int heartbeat(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final HeartbeatDecoder d = heartbeat;
        in.wrap(d, offset, "Heartbeat");
        final long stateId = d.stateId();
        final long claimToken = d.claimToken();
        final long leaseMs = d.leaseMs();
        final String namespace = in.string(d, interner, "Heartbeat.namespaceName");
        in.done(d, "Heartbeat");
        if (!call)
        {
            return 0;
        }
        return replies.heartbeat(replyBuffer, replyOffset,
            target.heartbeat(now, namespace, stateId, claimToken, leaseMs));
    }

    private int prune(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final PruneDecoder d = prune;
        in.wrap(d, offset, "Prune");
        final long stateId = d.stateId();
        final long claimToken = d.claimToken();
        final String namespace = in.string(d, interner, "Prune.namespaceName");
        final String dataJson = in.string(d, "Prune.dataJson");
        in.done(d, "Prune");
        if (!call)
        {
            return 0;
        }
        return replies.prune(replyBuffer, replyOffset, target.prune(now, namespace, stateId, claimToken, dataJson));
    }

    private int reenqueueAfter(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final ReEnqueueAfterDecoder d = reenqueueAfter;
        in.wrap(d, offset, "ReEnqueueAfter");
        final long stateId = d.stateId();
        final long claimToken = d.claimToken();
        final long delayMs = d.delayMs();
        final String namespace = in.string(d, interner, "ReEnqueueAfter.namespaceName");
        in.done(d, "ReEnqueueAfter");
        if (!call)
        {
            return 0;
        }
        return replies.requeue(replyBuffer, replyOffset,
            target.reenqueueAfter(now, namespace, stateId, claimToken, delayMs));
    }

    private int manualRetry(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final ManualRetryDecoder d = manualRetry;
        in.wrap(d, offset, "ManualRetry");
        final long stateId = d.stateId();
        final String namespace = in.string(d, interner, "ManualRetry.namespaceName");
        final String fanoutId = in.string(d, "ManualRetry.fanoutId");
        in.done(d, "ManualRetry");
        if (!call)
        {
            return 0;
        }
        return replies.manualRetry(replyBuffer, replyOffset, target.manualRetry(now, namespace, stateId, fanoutId));
    }

    private int tick(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final TickDecoder d = tick;
        in.wrap(d, offset, "Tick");
        in.done(d, "Tick");
        if (!call)
        {
            return 0;
        }
        return replies.tick(replyBuffer, replyOffset, target.tick(now));
    }

    private int trigger(
        final long now, final int offset, final MutableDirectBuffer replyBuffer, final int replyOffset,
        final boolean call)
    {
        final TriggerDecoder d = trigger;
        in.wrap(d, offset, "Trigger");
        final long startDelayMs = d.startDelayMs();
        final String namespace = in.string(d, interner, "Trigger.namespaceName");
        final String graphName = in.string(d, "Trigger.graphName");
        final String runId = in.string(d, "Trigger.runId");
        final Map<String, String> inputs = in.payloadMap(d, "Trigger.inputs");
        final Map<String, String> store = in.payloadMap(d, "Trigger.store");
        in.done(d, "Trigger");
        if (!call)
        {
            return 0;
        }
        return replies.trigger(replyBuffer, replyOffset,
            target.trigger(now, namespace, graphName, runId, inputs, store, startDelayMs));
    }

    private int registerNodes(
        final long now, final DirectBuffer buffer, final int offset, final MutableDirectBuffer replyBuffer,
        final int replyOffset, final boolean call)
    {
        final RegisterNodesDecoder d = registerNodes;
        in.wrap(d, offset, "RegisterNodes");
        final int count = in.group(d, RegisterNodesDecoder.NodesDecoder.sbeBlockLength(), "RegisterNodes.nodes");
        final List<NodeRegistration> nodes = new ArrayList<>(count);
        final RegisterNodesDecoder.NodesDecoder g = d.nodes();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "RegisterNodes.nodes");
            g.next();
            final int bodyLength = in.skip(d, "RegisterNodes.nodes.registration");
            nodes.add(bodies.registration(
                buffer, d.limit() - bodyLength, bodyLength, "RegisterNodes.nodes.registration"));
        }
        final String namespace = in.string(d, interner, "RegisterNodes.namespaceName");
        final String runtimeName = in.string(d, "RegisterNodes.runtimeName");
        in.done(d, "RegisterNodes");
        if (!call)
        {
            return 0;
        }
        return replies.register(replyBuffer, replyOffset, target.registerNodes(now, namespace, runtimeName, nodes));
    }

    private int upsertGraph(
        final long now, final DirectBuffer buffer, final int offset, final MutableDirectBuffer replyBuffer,
        final int replyOffset, final boolean call)
    {
        final UpsertGraphDecoder d = upsertGraph;
        in.wrap(d, offset, "UpsertGraph");
        final int specLength = in.skip(d, "UpsertGraph.spec");
        final GraphSpec spec = bodies.graphSpec(buffer, d.limit() - specLength, specLength, "UpsertGraph.spec");
        in.done(d, "UpsertGraph");
        if (!call)
        {
            return 0;
        }
        return replies.upsert(replyBuffer, replyOffset, target.upsertGraph(now, spec));
    }
}
