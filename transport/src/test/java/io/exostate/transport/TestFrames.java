package io.exostate.transport;

import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds client frames with the real encoders and splits server output into frames. Not thread safe. */
final class TestFrames
{
    static final String NS = "demo";
    static final String API_KEY = "test-key-0123";

    final CommandEncoder commands = new CommandEncoder();
    final QueryEncoder queries = new QueryEncoder();
    final SessionCodec session = new SessionCodec();
    final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);

    /** One frame as the server sent it: the correlation id and the SBE message. */
    record Frame(long correlationId, byte[] message)
    {
        int templateId()
        {
            return buffer().getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        }

        UnsafeBuffer buffer()
        {
            return new UnsafeBuffer(message);
        }

        boolean isTransportError()
        {
            return templateId() == TransportErrorDecoder.TEMPLATE_ID;
        }

        SessionCodec.TransportError transportError()
        {
            final SessionCodec.TransportError error =
                new SessionCodec().decodeTransportError(buffer(), 0, message.length);
            if (error == null)
            {
                throw new AssertionError("not a TransportError: template " + templateId());
            }
            return error;
        }

        SessionCodec.HelloReply helloReply()
        {
            return new SessionCodec().decodeHelloReply(buffer(), 0, message.length);
        }

        Object reply()
        {
            return new ReplyDecoder().decode(buffer(), 0, message.length);
        }

        @Override
        public String toString()
        {
            return "Frame[correlation=" + correlationId + ", template=" + templateId() +
                (isTransportError() ? ", " + transportError() : "") + "]";
        }
    }

    interface Encoding
    {
        int encode(ExpandableArrayBuffer buffer, int offset);
    }

    /** The whole frame, length field included, of the message {@code encoding} writes. */
    byte[] frameBytes(final long correlationId, final Encoding encoding)
    {
        final int length = encoding.encode(scratch, FrameDescriptor.FRAME_HEADER_LENGTH);
        scratch.putInt(0, FrameDescriptor.CORRELATION_ID_LENGTH + length, ByteOrder.LITTLE_ENDIAN);
        scratch.putLong(FrameDescriptor.LENGTH_FIELD_LENGTH, correlationId, ByteOrder.LITTLE_ENDIAN);
        return Arrays.copyOf(scratch.byteArray(), FrameDescriptor.FRAME_HEADER_LENGTH + length);
    }

    /** A frame around raw message bytes. */
    static byte[] frameBytes(final long correlationId, final byte[] message)
    {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[FrameDescriptor.FRAME_HEADER_LENGTH + message.length]);
        out.putInt(0, FrameDescriptor.CORRELATION_ID_LENGTH + message.length, ByteOrder.LITTLE_ENDIAN);
        out.putLong(FrameDescriptor.LENGTH_FIELD_LENGTH, correlationId, ByteOrder.LITTLE_ENDIAN);
        out.putBytes(FrameDescriptor.FRAME_HEADER_LENGTH, message);
        return out.byteArray();
    }

    /** The message bytes {@code encoding} writes, without a frame. */
    byte[] message(final Encoding encoding)
    {
        final int length = encoding.encode(scratch, 0);
        return Arrays.copyOf(scratch.byteArray(), length);
    }

    byte[] hello(final String namespace, final String apiKey)
    {
        return frameBytes(0,
            (b, o) -> session.hello(b, o, FrameDescriptor.PROTOCOL_VERSION, namespace, apiKey, "test"));
    }

    byte[] hello()
    {
        return hello(NS, API_KEY);
    }

    byte[] claim(final long correlationId, final String namespace, final int max, final long waitMs,
        final String... nodes)
    {
        return frameBytes(correlationId,
            (b, o) -> commands.claim(b, o, namespace, nodes, nodes.length, max, 0, waitMs));
    }

    static ByteBuf buf(final byte[] bytes)
    {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Everything the channel has written so far, split into frames. */
    static List<Frame> drain(final EmbeddedChannel channel)
    {
        final ExpandableArrayBuffer all = new ExpandableArrayBuffer(1024);
        int total = 0;
        for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound())
        {
            final ByteBuf b = (ByteBuf)o;
            try
            {
                final int n = b.readableBytes();
                final byte[] bytes = new byte[n];
                b.readBytes(bytes);
                all.putBytes(total, bytes);
                total += n;
            }
            finally
            {
                b.release();
            }
        }
        return split(all, total);
    }

    static List<Frame> split(final DirectBuffer all, final int total)
    {
        final List<Frame> frames = new ArrayList<>();
        int pos = 0;
        while (pos < total)
        {
            final int frameLength = all.getInt(pos, ByteOrder.LITTLE_ENDIAN);
            final long correlationId = all.getLong(pos + 4, ByteOrder.LITTLE_ENDIAN);
            final byte[] message = new byte[frameLength - FrameDescriptor.CORRELATION_ID_LENGTH];
            all.getBytes(pos + FrameDescriptor.FRAME_HEADER_LENGTH, message);
            frames.add(new Frame(correlationId, message));
            pos += FrameDescriptor.LENGTH_FIELD_LENGTH + frameLength;
        }
        if (pos != total)
        {
            throw new AssertionError("server output does not end on a frame boundary: " + pos + " != " + total);
        }
        return frames;
    }
}
