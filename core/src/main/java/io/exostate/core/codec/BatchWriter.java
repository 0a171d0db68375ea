package io.exostate.core.codec;

import io.exostate.core.codec.sbe.BatchEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes a batch of commands: the unit the single-node loop journals and the Raft leader proposes as one entry.
 * <pre>
 * batch:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |  blockLength (uint16) = 20    |  templateId (uint16) = 50     |  SBE message header
 *  +-------------------------------+-------------------------------+
 *  |  schemaId (uint16) = 7301     |  version (uint16) = 1         |
 *  +-------------------------------+-------------------------------+
 *  |                        logIndex (int64 LE)                    |  Batch block
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       batchTime (int64 LE, epoch ms)          |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        count (int32 LE)                       |
 *  +---------------------------------------------------------------+
 *  |  entry 0 | entry 1 | ... | entry count-1   (no padding)     ...
 *  +---------------------------------------------------------------+
 * entry:
 *  +---------------------------------------------------------------+
 *  |                  command length L (int32 LE)                  |
 *  +---------------------------------------------------------------+
 *  |                       sessionId (int64 LE)                    |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     correlationId (int64 LE)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  command: an SBE command message with its own header, L bytes...
 *  +---------------------------------------------------------------+
 * </pre>
 * Entries start right after the Batch block (offset + 8 + blockLength) and follow each other without padding; the
 * batch ends right after the last entry. {@code count} is rewritten on every commit, so the bytes are a complete batch
 * after each one.
 * <p>
 * Encode in place: encode the command at {@link #commandOffset()} (for example with {@link CommandEncoder}), then
 * {@link #commit} its length. Allocation free; not thread safe (the batcher's thread owns it).
 */
public final class BatchWriter
{
    /** Length of an entry's header: command length, session id, correlation id. */
    public static final int ENTRY_HEADER_LENGTH = 20;
    /** Bytes before the first entry. */
    public static final int BATCH_HEADER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + BatchEncoder.BLOCK_LENGTH;

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final BatchEncoder batch = new BatchEncoder();
    private MutableDirectBuffer buffer;
    private int offset;
    private int limit;
    private int count;

    /** Starts an empty batch at {@code offset}. */
    public BatchWriter wrap(
        final MutableDirectBuffer buffer, final int offset, final long logIndex, final long batchTime)
    {
        this.buffer = buffer;
        this.offset = offset;
        batch.wrapAndApplyHeader(buffer, offset, header).logIndex(logIndex).batchTime(batchTime).count(0);
        limit = offset + BATCH_HEADER_LENGTH;
        count = 0;
        return this;
    }

    public BatchWriter logIndex(final long logIndex)
    {
        batch.logIndex(logIndex);
        return this;
    }

    public BatchWriter batchTime(final long batchTime)
    {
        batch.batchTime(batchTime);
        return this;
    }

    /** Where the next command must be encoded. */
    public int commandOffset()
    {
        return limit + ENTRY_HEADER_LENGTH;
    }

    /** Adds the command of {@code commandLength} bytes encoded at {@link #commandOffset()}. */
    public BatchWriter commit(final long sessionId, final long correlationId, final int commandLength)
    {
        if (commandLength < Wire.HEADER_LENGTH)
        {
            throw new IllegalArgumentException("a command has at least a header: " + commandLength);
        }
        buffer.putInt(limit, commandLength, Wire.ORDER);
        buffer.putLong(limit + 4, sessionId, Wire.ORDER);
        buffer.putLong(limit + 12, correlationId, Wire.ORDER);
        limit += ENTRY_HEADER_LENGTH + commandLength;
        batch.count(++count);
        return this;
    }

    /** Copies a command encoded elsewhere (a ring-buffer record) into the batch. */
    public BatchWriter append(
        final long sessionId, final long correlationId, final DirectBuffer src, final int srcOffset, final int length)
    {
        buffer.putBytes(commandOffset(), src, srcOffset, length);
        return commit(sessionId, correlationId, length);
    }

    public int count()
    {
        return count;
    }

    /** Bytes of the batch so far, header included. */
    public int length()
    {
        return limit - offset;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }
}
