package io.exostate.transport;

import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.ErroredDecoder;
import io.exostate.core.codec.sbe.ExecutedDecoder;
import io.exostate.core.codec.sbe.GraphSpecBodyDecoder;
import io.exostate.core.codec.sbe.HeartbeatDecoder;
import io.exostate.core.codec.sbe.ManualRetryDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.PruneDecoder;
import io.exostate.core.codec.sbe.ReEnqueueAfterDecoder;
import io.exostate.core.codec.sbe.RegisterNodesDecoder;
import io.exostate.core.codec.sbe.TickDecoder;
import io.exostate.core.codec.sbe.TriggerDecoder;
import io.exostate.core.codec.sbe.UpsertGraphDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Finds the namespace a command names and compares it with the session's, without allocating.
 * <p>
 * Only for commands that {@code CommandDecoder.validate} accepted: every length has been checked then, so the walk
 * here trusts the structure (it still runs on a buffer wrapped exactly on the message, so a bug could only throw,
 * never read another message). For {@code UpsertGraph} the namespace is the one of the embedded {@code GraphSpecBody}.
 * {@code Tick} names no namespace.
 * <p>
 * Event-loop thread of one session; not thread safe.
 */
final class CommandNamespace
{
    /** What {@link #position} answers for a command that names no namespace. */
    static final int NONE = -1;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final RegisterNodesDecoder registerNodes = new RegisterNodesDecoder();
    private final UpsertGraphDecoder upsertGraph = new UpsertGraphDecoder();
    private final GraphSpecBodyDecoder graphSpec = new GraphSpecBodyDecoder();
    private final ClaimDecoder claim = new ClaimDecoder();

    /**
     * Whether the command at [offset, offset + length) names {@code namespace} (its UTF-8 bytes), or names none.
     */
    boolean matches(final DirectBuffer buffer, final int offset, final byte[] namespace)
    {
        final int at = position(buffer, offset);
        if (at == NONE)
        {
            return true;
        }
        final int length = buffer.getInt(at, ORDER);
        if (length != namespace.length)
        {
            return false;
        }
        final int bytesAt = at + 4;
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(bytesAt + i) != namespace[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the var-data length of the command's namespace name is, or {@link #NONE}.
     */
    int position(final DirectBuffer buffer, final int offset)
    {
        final int templateId = buffer.getShort(offset + FrameDescriptor.TEMPLATE_ID_OFFSET, ORDER) & 0xFFFF;
        final int blockLength = buffer.getShort(offset + FrameDescriptor.BLOCK_LENGTH_OFFSET, ORDER) & 0xFFFF;
        final int afterBlock = offset + FrameDescriptor.MESSAGE_HEADER_LENGTH + blockLength;
        switch (templateId)
        {
            // The namespace is the first var data after the block.
            case TriggerDecoder.TEMPLATE_ID:
            case ExecutedDecoder.TEMPLATE_ID:
            case ErroredDecoder.TEMPLATE_ID:
            case PruneDecoder.TEMPLATE_ID:
            case ReEnqueueAfterDecoder.TEMPLATE_ID:
            case ManualRetryDecoder.TEMPLATE_ID:
            case HeartbeatDecoder.TEMPLATE_ID:
                return afterBlock;
            case ClaimDecoder.TEMPLATE_ID:
            {
                final ClaimDecoder d = claim.wrapAndApplyHeader(buffer, offset, header);
                final ClaimDecoder.NodeNamesDecoder names = d.nodeNames();
                while (names.hasNext())
                {
                    names.next().skipNodeName();
                }
                return d.limit();
            }
            case RegisterNodesDecoder.TEMPLATE_ID:
            {
                final RegisterNodesDecoder d = registerNodes.wrapAndApplyHeader(buffer, offset, header);
                final RegisterNodesDecoder.NodesDecoder nodes = d.nodes();
                while (nodes.hasNext())
                {
                    nodes.next().skipRegistration();
                }
                return d.limit();
            }
            case UpsertGraphDecoder.TEMPLATE_ID:
            {
                final UpsertGraphDecoder d = upsertGraph.wrapAndApplyHeader(buffer, offset, header);
                return graphSpecNamespace(buffer, d.limit() + 4);
            }
            case TickDecoder.TEMPLATE_ID:
                return NONE;
            default:
                throw new IllegalArgumentException("not a command template: " + templateId);
        }
    }

    private int graphSpecNamespace(final DirectBuffer buffer, final int bodyOffset)
    {
        final GraphSpecBodyDecoder d = graphSpec.wrapAndApplyHeader(buffer, bodyOffset, header);
        final GraphSpecBodyDecoder.NodesDecoder nodes = d.nodes();
        while (nodes.hasNext())
        {
            nodes.next();
            final GraphSpecBodyDecoder.NodesDecoder.InputsDecoder inputs = nodes.inputs();
            while (inputs.hasNext())
            {
                inputs.next().skipKey();
                inputs.skipValue();
            }
            final GraphSpecBodyDecoder.NodesDecoder.NextNodesDecoder next = nodes.nextNodes();
            while (next.hasNext())
            {
                next.next().skipIdentifier();
            }
            nodes.skipNodeName();
            nodes.skipNamespaceName();
            nodes.skipIdentifier();
            nodes.skipUnitesIdentifier();
        }
        final GraphSpecBodyDecoder.SecretsDecoder secrets = d.secrets();
        while (secrets.hasNext())
        {
            secrets.next().skipName();
            secrets.skipValue();
        }
        final GraphSpecBodyDecoder.RequiredKeysDecoder requiredKeys = d.requiredKeys();
        while (requiredKeys.hasNext())
        {
            requiredKeys.next().skipKey();
        }
        final GraphSpecBodyDecoder.DefaultValuesDecoder defaults = d.defaultValues();
        while (defaults.hasNext())
        {
            defaults.next().skipKey();
            defaults.skipValue();
        }
        final GraphSpecBodyDecoder.TriggersDecoder triggers = d.triggers();
        while (triggers.hasNext())
        {
            triggers.next().skipTriggerType();
            triggers.skipExpression();
        }
        return d.limit();
    }
}
