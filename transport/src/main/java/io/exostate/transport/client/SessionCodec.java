package io.exostate.transport.client;

import io.exostate.core.codec.sbe.HelloEncoder;
import io.exostate.core.codec.sbe.HelloReplyDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The session messages of the binary protocol and the frame layout, client side.
 *
 * <pre>
 * frame (both directions):
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |           frameLength (int32 LE) = bytes after this field     |
 *  +---------------------------------------------------------------+
 *  |                     correlationId (int64 LE)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  one SBE message with its 8-byte header (schema 7301)       ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The first client frame is a {@code Hello} (401) with correlation 0; the server answers {@code HelloReply} (402) or
 * {@code TransportError} (403) and closes. Stateless apart from the flyweights: one per I/O thread.
 */
final class SessionCodec
{
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** The frame's length field. */
    static final int LENGTH_FIELD = 4;
    /** The correlation id that starts every frame body. */
    static final int CORRELATION_LENGTH = 8;
    static final int PROTOCOL_VERSION = 1;
    static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloReplyDecoder helloReply = new HelloReplyDecoder();
    private final TransportErrorDecoder transportError = new TransportErrorDecoder();

    /** The session as a {@code HelloReply} opened it. */
    record Opened(long sessionId, int maxFrameLength, long idleTimeoutMs, String serverVersion)
    {
    }

    /** A {@code TransportError}; {@code leaderAddress} is empty unless the code is NOT_LEADER. */
    record Error(int code, String detail, String leaderAddress)
    {
    }

    /** Encodes a {@code Hello} message (without the frame); cold path. */
    static byte[] hello(final String namespace, final String apiKey, final String clientName)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final HelloEncoder e = new HelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .protocolVersion(PROTOCOL_VERSION)
            .namespaceName(namespace)
            .apiKey(apiKey)
            .clientName(clientName);
        final int length = HEADER_LENGTH + e.encodedLength();
        final byte[] out = new byte[length];
        buffer.getBytes(0, out);
        return out;
    }

    /** The template id of the message at [0, length) of {@code buffer}, or -1 when it is no message of our schema. */
    static int templateId(final DirectBuffer buffer, final int length)
    {
        if (length < HEADER_LENGTH ||
            (buffer.getShort(4, LE) & 0xFFFF) != MessageHeaderDecoder.SCHEMA_ID)
        {
            return -1;
        }
        return buffer.getShort(2, LE) & 0xFFFF;
    }

    /** Decodes a {@code HelloReply} at [0, length); null when the bytes do not hold one. */
    Opened helloReply(final byte[] bytes, final int length)
    {
        try
        {
            final UnsafeBuffer exact = new UnsafeBuffer(bytes, 0, length);
            final HelloReplyDecoder d = helloReply.wrapAndApplyHeader(exact, 0, headerDecoder);
            if (headerDecoder.templateId() != HelloReplyDecoder.TEMPLATE_ID ||
                headerDecoder.blockLength() < HelloReplyDecoder.BLOCK_LENGTH)
            {
                return null;
            }
            return new Opened(d.sessionId(), d.maxFrameLength(), d.idleTimeoutMs(), d.serverVersion());
        }
        catch (final IndexOutOfBoundsException ex)
        {
            return null;
        }
    }

    /** Decodes a {@code TransportError} at [0, length); null when the bytes do not hold one. */
    Error transportError(final byte[] bytes, final int length)
    {
        try
        {
            final UnsafeBuffer exact = new UnsafeBuffer(bytes, 0, length);
            final TransportErrorDecoder d = transportError.wrapAndApplyHeader(exact, 0, headerDecoder);
            if (headerDecoder.templateId() != TransportErrorDecoder.TEMPLATE_ID ||
                headerDecoder.blockLength() < TransportErrorDecoder.BLOCK_LENGTH)
            {
                return null;
            }
            final int code = d.code();
            final String detail = d.detail();
            final String leader = d.leaderAddress();
            return new Error(code, detail, leader);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            return null;
        }
    }
}
