package io.exostate.core.loop;

import io.exostate.core.engine.EngineListener;
import io.exostate.core.model.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the transitions of one batch into bytes for the journal, and decodes them back. One record per
 * transition, little-endian:
 * <pre>
 *  stateId int64 | time int64 | claimToken int64 | from int8 (-1 for a new state) | to int8 |
 *  runId length int32 | runId UTF-8
 * </pre>
 * Engine thread only; allocation free while collecting.
 */
public final class TransitionLog implements EngineListener
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
    private final EngineListener next;
    private int length;
    private int count;

    /** @param next receives every callback after this log recorded it (the host's own listener). */
    public TransitionLog(final EngineListener next)
    {
        this.next = next == null ? EngineListener.NONE : next;
    }

    @Override
    public void onTransition(
        final long stateId, final String runId, final Status from, final Status to, final long time, final long claimToken)
    {
        int pos = length;
        buffer.putLong(pos, stateId, LE);
        buffer.putLong(pos + 8, time, LE);
        buffer.putLong(pos + 16, claimToken, LE);
        buffer.putByte(pos + 24, (byte)(from == null ? -1 : from.code()));
        buffer.putByte(pos + 25, (byte)to.code());
        pos += 26;
        final int len = buffer.putStringWithoutLengthUtf8(pos + 4, runId);
        buffer.putInt(pos, len, LE);
        length = pos + 4 + len;
        count++;
        next.onTransition(stateId, runId, from, to, time, claimToken);
    }

    @Override
    public void onWorkReady(final String namespace, final String nodeName)
    {
        next.onWorkReady(namespace, nodeName);
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int length()
    {
        return length;
    }

    public int count()
    {
        return count;
    }

    public void reset()
    {
        length = 0;
        count = 0;
    }

    /** One decoded transition (for history tools and tests). */
    public record Transition(long stateId, String runId, Status from, Status to, long time, long claimToken)
    {
    }

    public static List<Transition> decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final List<Transition> out = new ArrayList<>();
        int pos = offset;
        final int end = offset + length;
        while (pos < end)
        {
            final long stateId = buffer.getLong(pos, LE);
            final long time = buffer.getLong(pos + 8, LE);
            final long token = buffer.getLong(pos + 16, LE);
            final byte from = buffer.getByte(pos + 24);
            final byte to = buffer.getByte(pos + 25);
            final int len = buffer.getInt(pos + 26, LE);
            final String runId = buffer.getStringWithoutLengthUtf8(pos + 30, len);
            out.add(new Transition(stateId, runId, from < 0 ? null : Status.fromCode(from), Status.fromCode(to), time, token));
            pos += 30 + len;
        }
        return out;
    }
}
