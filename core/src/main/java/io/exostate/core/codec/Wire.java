package io.exostate.core.codec;

import io.exostate.core.codec.sbe.BooleanType;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

import java.nio.ByteOrder;

/**
 * Constants and the writing helpers every codec of this package shares.
 * <p>
 * Var data is written here rather than through the generated {@code xxx(String)} setters because those allocate a
 * {@code byte[]} per string; {@link #putUtf8(MutableDirectBuffer, int, CharSequence)} encodes in place and allocates
 * nothing, which keeps the hot command encoders allocation free. It writes exactly the bytes of
 * {@code String.getBytes(UTF_8)}, including '?' for an unpaired surrogate.
 */
final class Wire
{
    static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;
    static final int SCHEMA_VERSION = MessageHeaderDecoder.SCHEMA_VERSION;
    static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;
    static final int VAR_HEADER_LENGTH = 4;
    static final int GROUP_HEADER_LENGTH = 4;
    /** The {@code maxValue} of the var-data length in the schema. */
    static final int MAX_VAR_LENGTH = 1 << 30;
    /** A uint16 group count, less the SBE null value. */
    static final int MAX_GROUP_COUNT = 65534;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private Wire()
    {
    }

    static BooleanType flag(final boolean value)
    {
        return value ? BooleanType.T : BooleanType.F;
    }

    /**
     * Checks a list size against what one group can count.
     *
     * @throws IllegalArgumentException naming the group when it is too large (an encoding-side limit).
     */
    static int count(final int size, final String group)
    {
        if (size > MAX_GROUP_COUNT)
        {
            throw new IllegalArgumentException(
                "Expected at most " + MAX_GROUP_COUNT + " entries in " + group + ", but there are " + size);
        }
        return size;
    }

    /** Appends {@code value} as var-data text at the encoder's limit and advances the limit. */
    static void string(final MessageEncoderFlyweight encoder, final CharSequence value)
    {
        final MutableDirectBuffer buffer = encoder.buffer();
        final int limit = encoder.limit();
        final int length = putUtf8(buffer, limit + VAR_HEADER_LENGTH, value);
        if (length > MAX_VAR_LENGTH)
        {
            throw new IllegalArgumentException("text of " + length + " bytes exceeds " + MAX_VAR_LENGTH);
        }
        buffer.putInt(limit, length, ORDER);
        encoder.limit(limit + VAR_HEADER_LENGTH + length);
    }

    /** Appends {@code value}, or empty text when it is null (the presence flag beside it says which). */
    static void nullableString(final MessageEncoderFlyweight encoder, final CharSequence value)
    {
        string(encoder, value == null ? "" : value);
    }

    /** Appends [offset, offset + length) of {@code src} as var data at the encoder's limit. */
    static void bytes(final MessageEncoderFlyweight encoder, final DirectBuffer src, final int offset, final int length)
    {
        checkLength(length);
        final MutableDirectBuffer buffer = encoder.buffer();
        final int limit = encoder.limit();
        buffer.putInt(limit, length, ORDER);
        buffer.putBytes(limit + VAR_HEADER_LENGTH, src, offset, length);
        encoder.limit(limit + VAR_HEADER_LENGTH + length);
    }

    /** Appends {@code src} as var data, or empty data when it is null (the presence flag beside it says which). */
    static void bytes(final MessageEncoderFlyweight encoder, final byte[] src)
    {
        final int length = src == null ? 0 : src.length;
        checkLength(length);
        final MutableDirectBuffer buffer = encoder.buffer();
        final int limit = encoder.limit();
        buffer.putInt(limit, length, ORDER);
        if (length > 0)
        {
            buffer.putBytes(limit + VAR_HEADER_LENGTH, src);
        }
        encoder.limit(limit + VAR_HEADER_LENGTH + length);
    }

    /**
     * Opens var data whose content the caller writes at the returned offset (an embedded body, a payload map);
     * {@link #endBytes(MessageEncoderFlyweight, int)} then writes its length.
     */
    static int beginBytes(final MessageEncoderFlyweight encoder)
    {
        return encoder.limit() + VAR_HEADER_LENGTH;
    }

    static void endBytes(final MessageEncoderFlyweight encoder, final int length)
    {
        checkLength(length);
        final int limit = encoder.limit();
        encoder.buffer().putInt(limit, length, ORDER);
        encoder.limit(limit + VAR_HEADER_LENGTH + length);
    }

    /**
     * Writes the UTF-8 bytes of {@code value} at {@code index} without allocating.
     *
     * @return the number of bytes written.
     */
    static int putUtf8(final MutableDirectBuffer buffer, final int index, final CharSequence value)
    {
        int pos = index;
        final int n = value.length();
        for (int i = 0; i < n; i++)
        {
            final char c = value.charAt(i);
            if (c < 0x80)
            {
                buffer.putByte(pos++, (byte)c);
            }
            else if (c < 0x800)
            {
                buffer.putByte(pos++, (byte)(0xC0 | (c >> 6)));
                buffer.putByte(pos++, (byte)(0x80 | (c & 0x3F)));
            }
            else if (Character.isSurrogate(c))
            {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1)))
                {
                    final int cp = Character.toCodePoint(c, value.charAt(++i));
                    buffer.putByte(pos++, (byte)(0xF0 | (cp >> 18)));
                    buffer.putByte(pos++, (byte)(0x80 | ((cp >> 12) & 0x3F)));
                    buffer.putByte(pos++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                    buffer.putByte(pos++, (byte)(0x80 | (cp & 0x3F)));
                }
                else
                {
                    buffer.putByte(pos++, (byte)'?'); // what String.getBytes(UTF_8) writes for a lone surrogate
                }
            }
            else
            {
                buffer.putByte(pos++, (byte)(0xE0 | (c >> 12)));
                buffer.putByte(pos++, (byte)(0x80 | ((c >> 6) & 0x3F)));
                buffer.putByte(pos++, (byte)(0x80 | (c & 0x3F)));
            }
        }
        return pos - index;
    }

    private static void checkLength(final int length)
    {
        if (length < 0 || length > MAX_VAR_LENGTH)
        {
            throw new IllegalArgumentException("var data of " + length + " bytes, expected 0.." + MAX_VAR_LENGTH);
        }
    }
}
