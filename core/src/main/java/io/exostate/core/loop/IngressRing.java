package io.exostate.core.loop;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ingress of an engine host (the single-node {@link EngineLoop}, the Raft leader's gateway): an Agrona
 * {@link ManyToOneRingBuffer} into which I/O threads copy one SBE message each, prefixed by its session and
 * correlation id. One agent thread reads it; nothing here blocks.
 * <pre>
 *  ring record: sessionId int64 LE | correlationId int64 LE | SBE message (header included)
 * </pre>
 */
public final class IngressRing
{
    /** Bytes in front of each message in a ring record. */
    public static final int RECORD_HEADER_LENGTH = 16;
    private static final int MSG_TYPE = 1;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final ManyToOneRingBuffer ring;
    private final WakeableIdleStrategy reader;

    /** @param capacity ring bytes, a power of two (the trailer is added). */
    public IngressRing(final int capacity)
    {
        this(capacity, null);
    }

    /**
     * @param capacity ring bytes, a power of two (the trailer is added).
     * @param reader   the reading agent's idle strategy, woken after each offer when it parks; null for none.
     */
    public IngressRing(final int capacity, final WakeableIdleStrategy reader)
    {
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.reader = reader;
    }

    /** Copies one message in: false when the ring is full (nothing was written). Any thread. */
    public boolean offer(final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final int index = ring.tryClaim(MSG_TYPE, RECORD_HEADER_LENGTH + length);
        if (index <= 0)
        {
            return false;
        }
        final AtomicBuffer rb = ring.buffer();
        rb.putLong(index, sessionId, LE);
        rb.putLong(index + 8, correlationId, LE);
        rb.putBytes(index + RECORD_HEADER_LENGTH, buffer, offset, length);
        ring.commit(index);
        if (reader != null)
        {
            reader.wake();
        }
        return true;
    }

    /** The ring itself, for the reading agent ({@code read} / {@code controlledRead}). */
    public ManyToOneRingBuffer ring()
    {
        return ring;
    }

    /** The session id of the record at {@code index} (as handed to a ring handler). */
    public static long sessionId(final MutableDirectBuffer buffer, final int index)
    {
        return buffer.getLong(index, LE);
    }

    /** The correlation id of the record at {@code index}. */
    public static long correlationId(final MutableDirectBuffer buffer, final int index)
    {
        return buffer.getLong(index + 8, LE);
    }

    /** Where the message of the record at {@code index} starts. */
    public static int messageOffset(final int index)
    {
        return index + RECORD_HEADER_LENGTH;
    }

    /** The message's length, from the record length a ring handler gets. */
    public static int messageLength(final int recordLength)
    {
        return recordLength - RECORD_HEADER_LENGTH;
    }
}
