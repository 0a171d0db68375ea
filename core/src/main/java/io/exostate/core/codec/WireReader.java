package io.exostate.core.codec;

import io.exostate.core.engine.Payloads;
import io.exostate.core.model.FieldKind;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;
import org.agrona.sbe.MessageFlyweight;

import java.util.Map;

/**
 * Bounds-checked reading of one message in [offset, offset + length) of a buffer, on top of the generated decoders.
 * <p>
 * The generated decoders trust the bytes: they read a var-data length or a group count and go. Every such read
 * here is checked against the end of the message first, so a truncated or hostile message is refused with a
 * precise {@link DecodeError} instead of reading the next message in a ring buffer, or past the buffer when Agrona's
 * bounds checks are off. A failed check throws the package-private {@link Malformed}, which the public decoders
 * catch at their boundary and turn into a typed error: it never leaves this package.
 * <p>
 * Not thread safe; reusable; allocates only on the error path and for the strings it returns.
 */
final class WireReader
{
    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);
    private DirectBuffer buffer;
    private int end;

    /**
     * Checks the message header at {@code offset}: enough bytes, our schema id, a version this build reads.
     *
     * @return the template id.
     */
    int header(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        if (length < Wire.HEADER_LENGTH || offset < 0 || length > buffer.capacity() - offset)
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected a message of at least " + Wire.HEADER_LENGTH +
                " header bytes within the buffer, but got " + length + " bytes at offset " + offset +
                " of a buffer of " + buffer.capacity());
        }
        end = offset + length;
        final int schemaId = buffer.getShort(offset + 4, Wire.ORDER) & 0xFFFF;
        if (schemaId != Wire.SCHEMA_ID)
        {
            throw new Malformed(DecodeError.Kind.WRONG_SCHEMA,
                "Expected schema id " + Wire.SCHEMA_ID + ", but was " + schemaId);
        }
        final int version = version(offset);
        if (version < 1 || version > Wire.SCHEMA_VERSION)
        {
            throw new Malformed(DecodeError.Kind.WRONG_VERSION,
                "Expected schema version 1.." + Wire.SCHEMA_VERSION + ", but was " + version);
        }
        return buffer.getShort(offset + 2, Wire.ORDER) & 0xFFFF;
    }

    /** Checks the header of an embedded body: like {@link #header} and the template must be {@code templateId}. */
    void bodyHeader(
        final DirectBuffer buffer, final int offset, final int length, final int templateId, final String field)
    {
        final int actual = header(buffer, offset, length);
        if (actual != templateId)
        {
            throw new Malformed(DecodeError.Kind.MALFORMED,
                "Expected " + field + " to hold template " + templateId + ", but it holds template " + actual);
        }
    }

    int version(final int offset)
    {
        return buffer.getShort(offset + 6, Wire.ORDER) & 0xFFFF;
    }

    /**
     * Wraps {@code decoder} on the message whose header {@link #header} checked: its block must be at least the
     * schema's block length and fit in the message; a longer block is read by its header (SBE's acting block length).
     * Version 1 is the only version, so the schema's block length is the minimum; when a version appends block
     * fields, the minimum must become the block length of the message's own version (docs/codec.md, Versioning).
     */
    void wrap(final MessageDecoderFlyweight decoder, final int offset, final String message)
    {
        final int blockLength = buffer.getShort(offset, Wire.ORDER) & 0xFFFF;
        if (blockLength < decoder.sbeBlockLength())
        {
            throw new Malformed(DecodeError.Kind.MALFORMED, "Expected a " + message + " block of at least " +
                decoder.sbeBlockLength() + " bytes, but the header says " + blockLength);
        }
        final int blockOffset = offset + Wire.HEADER_LENGTH;
        if (blockLength > end - blockOffset)
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected a " + message + " block of " + blockLength +
                " bytes, but " + (end - blockOffset) + " remain");
        }
        decoder.wrap(buffer, blockOffset, blockLength, version(offset));
    }

    /**
     * Checks the group header at the message's limit.
     *
     * @return the number of entries.
     */
    int group(final MessageFlyweight message, final int minBlockLength, final String group)
    {
        final int limit = message.limit();
        if (Wire.GROUP_HEADER_LENGTH > end - limit)
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected the header of group " + group + ", but " +
                (end - limit) + " bytes remain");
        }
        final int blockLength = buffer.getShort(limit, Wire.ORDER) & 0xFFFF;
        if (blockLength < minBlockLength)
        {
            throw new Malformed(DecodeError.Kind.MALFORMED, "Expected entries of group " + group +
                " of at least " + minBlockLength + " bytes, but the group header says " + blockLength);
        }
        return buffer.getShort(limit + 2, Wire.ORDER) & 0xFFFF;
    }

    /** Checks that the next entry's block fits; call before the group decoder's {@code next()}. */
    void entry(final MessageFlyweight message, final int blockLength, final String group)
    {
        if (blockLength > end - message.limit())
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected an entry of group " + group + " of " +
                blockLength + " bytes, but " + (end - message.limit()) + " remain");
        }
    }

    /**
     * Checks the var data at the message's limit and steps over it.
     *
     * @return its length; its bytes start at {@code message.limit() - length}.
     */
    int skip(final MessageFlyweight message, final String field)
    {
        final int limit = message.limit();
        if (Wire.VAR_HEADER_LENGTH > end - limit)
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected the length of " + field + ", but " +
                (end - limit) + " bytes remain");
        }
        final long length = buffer.getInt(limit, Wire.ORDER) & 0xFFFF_FFFFL;
        final int remaining = end - limit - Wire.VAR_HEADER_LENGTH;
        if (length > remaining)
        {
            throw new Malformed(DecodeError.Kind.TRUNCATED, "Expected " + length + " bytes of " + field +
                ", but " + remaining + " remain");
        }
        message.limit(limit + Wire.VAR_HEADER_LENGTH + (int)length);
        return (int)length;
    }

    String string(final MessageFlyweight message, final String field)
    {
        final int length = skip(message, field);
        return length == 0 ? "" : buffer.getStringWithoutLengthUtf8(message.limit() - length, length);
    }

    /** Like {@link #string} through an interner: no allocation when the text was seen before. */
    String string(final MessageFlyweight message, final Utf8Interner interner, final String field)
    {
        final int length = skip(message, field);
        return interner.intern(buffer, message.limit() - length, length);
    }

    /** The text when {@code present}, else null; the var data is stepped over either way. */
    String nullableString(final MessageFlyweight message, final boolean present, final String field)
    {
        final String value = string(message, field);
        return present ? value : null;
    }

    byte[] bytes(final MessageFlyweight message, final String field)
    {
        final int length = skip(message, field);
        final byte[] bytes = new byte[length];
        buffer.getBytes(message.limit() - length, bytes);
        return bytes;
    }

    /** A var-data field holding a {@link Payloads} map, checked and decoded. */
    Map<String, String> payloadMap(final MessageFlyweight message, final String field)
    {
        final int length = skip(message, field);
        final int at = message.limit() - length;
        checkMap(at, length, field);
        return Payloads.decodeMap(buffer, at, length);
    }

    /** A var-data field holding a {@link Payloads} map, checked and copied (null when not {@code present}). */
    byte[] payloadMapBytes(final MessageFlyweight message, final boolean present, final String field)
    {
        final int length = skip(message, field);
        if (!present)
        {
            if (length != 0)
            {
                throw new Malformed(DecodeError.Kind.MALFORMED,
                    "Expected " + field + " to be empty when absent, but it has " + length + " bytes");
            }
            return null;
        }
        final int at = message.limit() - length;
        checkMap(at, length, field);
        final byte[] bytes = new byte[length];
        buffer.getBytes(at, bytes);
        return bytes;
    }

    /**
     * Checks the structure of a {@link Payloads} list of maps at [at, at + length) without copying it.
     *
     * @return the number of maps.
     */
    int checkList(final int at, final int length, final String field)
    {
        // Validated on an exact view of the region so a lying length inside the payload can never reach other bytes.
        payloadView.wrap(buffer, at, length);
        try
        {
            return Payloads.listCount(payloadView, 0, length);
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            // IndexOutOfBounds: Payloads' length checks can overflow on a length near 2^31 (see docs/codec.md).
            throw new Malformed(DecodeError.Kind.MALFORMED,
                "Expected " + field + " to be a Payloads list of maps, but " + ex.getMessage());
        }
    }

    int checkMap(final int at, final int length, final String field)
    {
        payloadView.wrap(buffer, at, length);
        try
        {
            return Payloads.mapCount(payloadView, 0, length);
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            throw new Malformed(DecodeError.Kind.MALFORMED,
                "Expected " + field + " to be a Payloads map, but " + ex.getMessage());
        }
    }

    /** Checks that the message ends exactly where its last field does. */
    void done(final MessageFlyweight message, final String name)
    {
        if (message.limit() != end)
        {
            throw new Malformed(DecodeError.Kind.MALFORMED,
                "Expected " + name + " to end at its last field, but " + (end - message.limit()) + " bytes follow");
        }
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    static boolean bool(final short raw, final String field)
    {
        if (raw == 0)
        {
            return false;
        }
        if (raw == 1)
        {
            return true;
        }
        throw new Malformed(DecodeError.Kind.MALFORMED, "Expected " + field + " to be 0 or 1, but was " + raw);
    }

    static RetryStrategy retryStrategy(final short raw, final String field)
    {
        if (raw >= RetryStrategy.values().length)
        {
            throw badCode(field, raw);
        }
        return RetryStrategy.fromCode(raw);
    }

    static UniteStrategy uniteStrategy(final short raw, final String field)
    {
        if (raw >= UniteStrategy.values().length)
        {
            throw badCode(field, raw);
        }
        return UniteStrategy.fromCode(raw);
    }

    static FieldKind fieldKind(final short raw, final String field)
    {
        if (raw >= FieldKind.values().length)
        {
            throw badCode(field, raw);
        }
        return FieldKind.fromCode(raw);
    }

    static Status status(final short raw, final String field)
    {
        if (raw >= Status.values().length)
        {
            throw badCode(field, raw);
        }
        return Status.fromCode(raw);
    }

    static <K, V> void putUnique(final Map<K, V> map, final K key, final V value, final String field)
    {
        if (map.containsKey(key))
        {
            throw new Malformed(DecodeError.Kind.MALFORMED, "Expected unique keys in " + field + ", but " + key +
                " repeats");
        }
        map.put(key, value);
    }

    static Malformed unknownTemplate(final int templateId, final String expected)
    {
        return new Malformed(DecodeError.Kind.UNKNOWN_TEMPLATE,
            "Expected " + expected + ", but the template id is " + templateId);
    }

    private static Malformed badCode(final String field, final short raw)
    {
        return new Malformed(DecodeError.Kind.MALFORMED, "Expected a known code in " + field + ", but was " + raw);
    }

    /**
     * A decoding failure inside this package. Stackless: it is a typed answer, not a bug report, and it is always
     * caught by the decoder that started the decoding.
     */
    static final class Malformed extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final DecodeError.Kind kind;

        Malformed(final DecodeError.Kind kind, final String detail)
        {
            super(detail, null, false, false);
            this.kind = kind;
        }

        DecodeError error()
        {
            return new DecodeError(kind, getMessage());
        }
    }
}
