package io.exostate.raft;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The replies of one applied batch, in batch order: what {@link EngineStateMachine#applyTransaction} completes its
 * future with and what the leader's {@link RaftGateway} hands back to the sessions. Little-endian, no padding:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        count (int32)                          |
 *  +---------------------------------------------------------------+
 *  |  entry 0 | entry 1 | ... | entry count-1                    ...
 *  +---------------------------------------------------------------+
 * entry (one per command of the batch, in batch order):
 *  +---------------------------------------------------------------+
 *  |                       sessionId (int64)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     correlationId (int64)                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    reply length L (int32)                     |
 *  +---------------------------------------------------------------+
 *  |  reply: an SBE reply message with its own header, L bytes   ...
 *  +---------------------------------------------------------------+
 * </pre>
 * A flyweight: {@link #wrap} checks the structure once, {@link #next()} walks the entries without copying or
 * allocating. Not thread safe.
 */
public final class BatchReplies
{
    /** Bytes before the first entry. */
    public static final int HEADER_LENGTH = 4;
    /** Bytes of an entry before its reply. */
    public static final int ENTRY_HEADER_LENGTH = 20;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private DirectBuffer buffer;
    private int count;
    private int index;
    private int position;
    private long sessionId;
    private long correlationId;
    private int replyOffset;
    private int replyLength;

    /** Writes the header of an empty reply batch at {@code offset}; returns the position of the first entry. */
    static int begin(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putInt(offset, 0, ORDER);
        return offset + HEADER_LENGTH;
    }

    /** Writes the header of an entry at {@code position}; the reply goes at {@code position + ENTRY_HEADER_LENGTH}. */
    static void putEntry(
        final MutableDirectBuffer buffer,
        final int position,
        final long sessionId,
        final long correlationId,
        final int replyLength)
    {
        buffer.putLong(position, sessionId, ORDER);
        buffer.putLong(position + 8, correlationId, ORDER);
        buffer.putInt(position + 16, replyLength, ORDER);
    }

    static void count(final MutableDirectBuffer buffer, final int offset, final int count)
    {
        buffer.putInt(offset, count, ORDER);
    }

    /**
     * Wraps the replies at [offset, offset + length).
     *
     * @return false when the bytes are not a complete reply batch (nothing can then be read).
     */
    public boolean wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        index = 0;
        count = 0;
        if (length < HEADER_LENGTH)
        {
            return false;
        }
        final int declared = buffer.getInt(offset, ORDER);
        final int end = offset + length;
        int pos = offset + HEADER_LENGTH;
        for (int i = 0; i < declared; i++)
        {
            if (end - pos < ENTRY_HEADER_LENGTH)
            {
                return false;
            }
            final int len = buffer.getInt(pos + 16, ORDER);
            if (len < 0 || len > end - pos - ENTRY_HEADER_LENGTH)
            {
                return false;
            }
            pos += ENTRY_HEADER_LENGTH + len;
        }
        if (declared < 0 || pos != end)
        {
            return false;
        }
        count = declared;
        position = offset + HEADER_LENGTH;
        return true;
    }

    /** Moves to the next entry; false after the last one. */
    public boolean next()
    {
        if (index >= count)
        {
            return false;
        }
        sessionId = buffer.getLong(position, ORDER);
        correlationId = buffer.getLong(position + 8, ORDER);
        replyLength = buffer.getInt(position + 16, ORDER);
        replyOffset = position + ENTRY_HEADER_LENGTH;
        position = replyOffset + replyLength;
        index++;
        return true;
    }

    public int count()
    {
        return count;
    }

    public long sessionId()
    {
        return sessionId;
    }

    public long correlationId()
    {
        return correlationId;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int replyOffset()
    {
        return replyOffset;
    }

    public int replyLength()
    {
        return replyLength;
    }
}
