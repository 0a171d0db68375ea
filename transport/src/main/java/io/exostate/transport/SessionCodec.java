package io.exostate.transport;

import io.exostate.core.codec.sbe.HelloDecoder;
import io.exostate.core.codec.sbe.HelloEncoder;
import io.exostate.core.codec.sbe.HelloReplyDecoder;
import io.exostate.core.codec.sbe.HelloReplyEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.exostate.core.codec.sbe.TransportErrorEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes the session messages of the binary protocol: {@code Hello} (401), {@code HelloReply} (402) and
 * {@code TransportError} (403). Each method works on one SBE message with its header at an offset of a buffer (the
 * frame around it is the caller's, see {@link FrameDescriptor}).
 * <p>
 * The decoders never throw for bad bytes: every group-free var-data length is checked against the end of the message
 * before it is read, and the message must end exactly after its last field. A refused message gives {@code null} and
 * {@link #lastError()} says why. Cold path: these run once per session (or once per error), so they allocate their
 * strings freely.
 * <p>
 * Not thread safe: one per thread or per session.
 */
public final class SessionCodec
{
    /** A decoded {@code Hello}. */
    public record Hello(int protocolVersion, String namespace, String apiKey, String clientName)
    {
        @Override
        public String toString()
        {
            // Never print the key.
            return "Hello[protocolVersion=" + protocolVersion + ", namespace=" + namespace + ", clientName=" +
                clientName + "]";
        }
    }

    /** A decoded {@code HelloReply}. */
    public record HelloReply(long sessionId, int maxFrameLength, long idleTimeoutMs, String serverVersion)
    {
    }

    /**
     * A decoded {@code TransportError}; {@code code} is the raw wire value (see {@link TransportErrorCode#fromCode}).
     */
    public record TransportError(int code, String detail, String leaderAddress)
    {
        /** The typed code, or null for a code this build does not know. */
        public TransportErrorCode typed()
        {
            return TransportErrorCode.fromCode(code);
        }
    }

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int VAR_HEADER_LENGTH = 4;

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final HelloReplyEncoder helloReplyEncoder = new HelloReplyEncoder();
    private final TransportErrorEncoder transportErrorEncoder = new TransportErrorEncoder();
    private String lastError;

    /** Writes a {@code Hello}; returns its length. */
    public int hello(
        final MutableDirectBuffer buffer,
        final int offset,
        final int protocolVersion,
        final String namespace,
        final String apiKey,
        final String clientName)
    {
        final HelloEncoder e = helloEncoder.wrapAndApplyHeader(buffer, offset, header).protocolVersion(protocolVersion);
        e.namespaceName(namespace);
        e.apiKey(apiKey);
        e.clientName(clientName);
        return FrameDescriptor.MESSAGE_HEADER_LENGTH + e.encodedLength();
    }

    /** Writes a {@code HelloReply}; returns its length. */
    public int helloReply(
        final MutableDirectBuffer buffer,
        final int offset,
        final long sessionId,
        final int maxFrameLength,
        final long idleTimeoutMs,
        final String serverVersion)
    {
        final HelloReplyEncoder e = helloReplyEncoder.wrapAndApplyHeader(buffer, offset, header)
            .sessionId(sessionId)
            .maxFrameLength(maxFrameLength)
            .idleTimeoutMs(idleTimeoutMs);
        e.serverVersion(serverVersion);
        return FrameDescriptor.MESSAGE_HEADER_LENGTH + e.encodedLength();
    }

    /** Writes a {@code TransportError}; a null {@code leaderAddress} is written empty. Returns its length. */
    public int transportError(
        final MutableDirectBuffer buffer,
        final int offset,
        final TransportErrorCode code,
        final String detail,
        final String leaderAddress)
    {
        final TransportErrorEncoder e = transportErrorEncoder.wrapAndApplyHeader(buffer, offset, header)
            .code(code.code());
        e.detail(detail);
        e.leaderAddress(leaderAddress == null ? "" : leaderAddress);
        return FrameDescriptor.MESSAGE_HEADER_LENGTH + e.encodedLength();
    }

    /**
     * Decodes a {@code Hello} whose header the caller has checked (schema, version, template 401).
     *
     * @return the hello, or null when the message is not well formed ({@link #lastError()} says why).
     */
    public Hello decodeHello(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        final int blockAt = block(buffer, offset, end, HelloDecoder.BLOCK_LENGTH, "Hello");
        if (blockAt < 0)
        {
            return null;
        }
        final int protocolVersion = buffer.getShort(blockAt + HelloDecoder.protocolVersionEncodingOffset(), ORDER) &
            0xFFFF;
        int pos = blockAt + blockLength(buffer, offset);
        final String namespace = string(buffer, pos, end, "Hello.namespaceName");
        if (namespace == null)
        {
            return null;
        }
        pos += VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER);
        final String apiKey = string(buffer, pos, end, "Hello.apiKey");
        if (apiKey == null)
        {
            return null;
        }
        pos += VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER);
        final String clientName = string(buffer, pos, end, "Hello.clientName");
        if (clientName == null)
        {
            return null;
        }
        pos += VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER);
        if (pos != end)
        {
            lastError = "Expected Hello to end at its last field, but " + (end - pos) + " bytes follow";
            return null;
        }
        lastError = null;
        return new Hello(protocolVersion, namespace, apiKey, clientName);
    }

    /** Decodes a {@code HelloReply}; null when it is not well formed ({@link #lastError()} says why). */
    public HelloReply decodeHelloReply(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        final int blockAt = block(buffer, offset, end, HelloReplyDecoder.BLOCK_LENGTH, "HelloReply");
        if (blockAt < 0)
        {
            return null;
        }
        final long sessionId = buffer.getLong(blockAt + HelloReplyDecoder.sessionIdEncodingOffset(), ORDER);
        final int maxFrameLength = buffer.getInt(blockAt + HelloReplyDecoder.maxFrameLengthEncodingOffset(), ORDER);
        final long idleTimeoutMs = buffer.getLong(blockAt + HelloReplyDecoder.idleTimeoutMsEncodingOffset(), ORDER);
        final int pos = blockAt + blockLength(buffer, offset);
        final String serverVersion = string(buffer, pos, end, "HelloReply.serverVersion");
        if (serverVersion == null)
        {
            return null;
        }
        if (pos + VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER) != end)
        {
            lastError = "Expected HelloReply to end at its last field";
            return null;
        }
        lastError = null;
        return new HelloReply(sessionId, maxFrameLength, idleTimeoutMs, serverVersion);
    }

    /** Decodes a {@code TransportError}; null when it is not well formed ({@link #lastError()} says why). */
    public TransportError decodeTransportError(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        final int blockAt = block(buffer, offset, end, TransportErrorDecoder.BLOCK_LENGTH, "TransportError");
        if (blockAt < 0)
        {
            return null;
        }
        final int code = buffer.getShort(blockAt + TransportErrorDecoder.codeEncodingOffset(), ORDER) & 0xFFFF;
        int pos = blockAt + blockLength(buffer, offset);
        final String detail = string(buffer, pos, end, "TransportError.detail");
        if (detail == null)
        {
            return null;
        }
        pos += VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER);
        final String leaderAddress = string(buffer, pos, end, "TransportError.leaderAddress");
        if (leaderAddress == null)
        {
            return null;
        }
        pos += VAR_HEADER_LENGTH + buffer.getInt(pos, ORDER);
        if (pos != end)
        {
            lastError = "Expected TransportError to end at its last field, but " + (end - pos) + " bytes follow";
            return null;
        }
        lastError = null;
        return new TransportError(code, detail, leaderAddress);
    }

    /** Why the last decode returned null. */
    public String lastError()
    {
        return lastError;
    }

    private static int blockLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + FrameDescriptor.BLOCK_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    /** Checks the header's block length against the schema's and the message; returns where the block starts. */
    private int block(
        final DirectBuffer buffer, final int offset, final int end, final int schemaBlockLength, final String name)
    {
        if (end - offset < FrameDescriptor.MESSAGE_HEADER_LENGTH)
        {
            lastError = "Expected a " + name + " message header of " + FrameDescriptor.MESSAGE_HEADER_LENGTH +
                " bytes, but got " + (end - offset);
            return -1;
        }
        final int blockLength = blockLength(buffer, offset);
        final int blockAt = offset + FrameDescriptor.MESSAGE_HEADER_LENGTH;
        if (blockLength < schemaBlockLength)
        {
            lastError = "Expected a " + name + " block of at least " + schemaBlockLength + " bytes, but the header " +
                "says " + blockLength;
            return -1;
        }
        if (blockLength > end - blockAt)
        {
            lastError = "Expected a " + name + " block of " + blockLength + " bytes, but " + (end - blockAt) +
                " remain";
            return -1;
        }
        return blockAt;
    }

    /** The UTF-8 text of the var data at {@code pos}, or null when its length does not fit before {@code end}. */
    private String string(final DirectBuffer buffer, final int pos, final int end, final String field)
    {
        if (VAR_HEADER_LENGTH > end - pos)
        {
            lastError = "Expected the length of " + field + ", but " + (end - pos) + " bytes remain";
            return null;
        }
        final long length = buffer.getInt(pos, ORDER) & 0xFFFF_FFFFL;
        final int remaining = end - pos - VAR_HEADER_LENGTH;
        if (length > remaining)
        {
            lastError = "Expected " + length + " bytes of " + field + ", but " + remaining + " remain";
            return null;
        }
        final byte[] bytes = new byte[(int)length];
        buffer.getBytes(pos + VAR_HEADER_LENGTH, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
