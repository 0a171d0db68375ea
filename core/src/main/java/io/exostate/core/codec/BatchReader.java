package io.exostate.core.codec;

import io.exostate.core.codec.sbe.BatchDecoder;
import org.agrona.DirectBuffer;

/**
 * Iterates the entries of a batch written by {@link BatchWriter} (the layout is drawn there). A flyweight: it
 * copies nothing and allocates nothing while iterating; each entry is a region of the batch buffer to hand to
 * {@link CommandDecoder#apply} with {@link #batchTime()} as the command time.
 * <p>
 * {@link #wrap} walks every entry length before the first {@link #next()}, so a batch with a bad structure
 * (truncated, a bad length, more or fewer entries than {@code count}, trailing bytes) is refused whole, before any
 * command of it is applied. The commands themselves are checked by the command decoder.
 * <p>
 * Not thread safe.
 */
public final class BatchReader
{
    private final WireReader in = new WireReader();
    private final BatchDecoder batch = new BatchDecoder();
    private DirectBuffer buffer;
    private int entriesOffset;
    private int position;
    private int count;
    private int index;
    private long sessionId;
    private long correlationId;
    private int commandOffset;
    private int commandLength;
    private DecodeError error;

    /**
     * Wraps the batch at [offset, offset + length) and checks its structure.
     *
     * @return true when it is a well-formed batch; false with {@link #error()} set otherwise.
     */
    public boolean wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        error = null;
        index = 0;
        count = 0;
        try
        {
            final int templateId = in.header(buffer, offset, length);
            if (templateId != BatchDecoder.TEMPLATE_ID)
            {
                throw WireReader.unknownTemplate(templateId, "a Batch (" + BatchDecoder.TEMPLATE_ID + ")");
            }
            in.wrap(batch, offset, "Batch");
            final int declared = batch.count();
            if (declared < 0)
            {
                throw new WireReader.Malformed(DecodeError.Kind.MALFORMED,
                    "Expected a Batch count of 0 or more, but was " + declared);
            }
            entriesOffset = batch.limit();
            final int end = offset + length;
            int pos = entriesOffset;
            for (int i = 0; i < declared; i++)
            {
                if (BatchWriter.ENTRY_HEADER_LENGTH > end - pos)
                {
                    throw new WireReader.Malformed(DecodeError.Kind.TRUNCATED, "Expected the header of Batch entry " +
                        i + " of " + declared + ", but " + (end - pos) + " bytes remain");
                }
                final int commandLength = buffer.getInt(pos, Wire.ORDER);
                final int remaining = end - pos - BatchWriter.ENTRY_HEADER_LENGTH;
                if (commandLength < 0 || commandLength > remaining)
                {
                    throw new WireReader.Malformed(DecodeError.Kind.TRUNCATED, "Expected Batch entry " + i +
                        " to hold 0.." + remaining + " command bytes, but its length is " + commandLength);
                }
                pos += BatchWriter.ENTRY_HEADER_LENGTH + commandLength;
            }
            if (pos != end)
            {
                throw new WireReader.Malformed(DecodeError.Kind.MALFORMED,
                    "Expected the Batch to end after " + declared + " entries, but " + (end - pos) + " bytes follow");
            }
            count = declared;
            position = entriesOffset;
            return true;
        }
        catch (final WireReader.Malformed ex)
        {
            error = ex.error();
            return false;
        }
    }

    /** Moves to the next entry; false after the last one. */
    public boolean next()
    {
        if (index >= count)
        {
            return false;
        }
        commandLength = buffer.getInt(position, Wire.ORDER);
        sessionId = buffer.getLong(position + 4, Wire.ORDER);
        correlationId = buffer.getLong(position + 12, Wire.ORDER);
        commandOffset = position + BatchWriter.ENTRY_HEADER_LENGTH;
        position = commandOffset + commandLength;
        index++;
        return true;
    }

    /** Goes back before the first entry. */
    public void rewind()
    {
        index = 0;
        position = entriesOffset;
    }

    public long logIndex()
    {
        return batch.logIndex();
    }

    public long batchTime()
    {
        return batch.batchTime();
    }

    public int count()
    {
        return count;
    }

    /** The entry's position, 0-based, after {@link #next()}. */
    public int index()
    {
        return index - 1;
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

    public int commandOffset()
    {
        return commandOffset;
    }

    public int commandLength()
    {
        return commandLength;
    }

    /** Why the last {@link #wrap} refused the batch, or null. */
    public DecodeError error()
    {
        return error;
    }
}
