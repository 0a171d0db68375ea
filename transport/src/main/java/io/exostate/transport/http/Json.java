package io.exostate.transport.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.exostate.core.engine.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON in and out of the HTTP API: parsing request bodies into Jackson trees the way Python's {@code json.loads}
 * accepts them (NaN and Infinity allowed, nothing after the value), and streaming responses into pooled
 * {@link ByteBuf}s. Thread safe (the mapper is configured once and only read).
 */
final class Json
{
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private static final JsonFactory FACTORY = MAPPER.getFactory();

    /** Writes one JSON value with a generator. */
    @FunctionalInterface
    interface Writer
    {
        void write(JsonGenerator g) throws IOException;
    }

    private Json()
    {
    }

    /** Parses a whole body; throws on anything Python's {@code json.loads} would refuse. */
    static JsonNode parse(final ByteBuf content) throws IOException
    {
        try (ByteBufInputStream in = new ByteBufInputStream(content.duplicate()))
        {
            final JsonNode node = MAPPER.readTree(in);
            if (node == null || node.isMissingNode())
            {
                throw new IOException("Expecting value");
            }
            return node;
        }
    }

    /** Renders a value into a new buffer from {@code alloc}; the caller owns the buffer. */
    static ByteBuf render(final ByteBufAllocator alloc, final Writer writer)
    {
        final ByteBuf buf = alloc.buffer(256);
        boolean ok = false;
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf);
            JsonGenerator g = FACTORY.createGenerator((java.io.OutputStream)out))
        {
            writer.write(g);
            g.flush();
            ok = true;
            return buf;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            if (!ok)
            {
                buf.release();
            }
        }
    }

    static String text(final JsonNode node)
    {
        try
        {
            return MAPPER.writeValueAsString(node);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** {@code {"detail": text}}. */
    static Writer detail(final String detail)
    {
        return g ->
        {
            g.writeStartObject();
            g.writeStringField("detail", detail);
            g.writeEndObject();
        };
    }

    /** Writes a {@link Payloads} map as a JSON object: string values as strings, raw-JSON values as they are. */
    static void payloadMap(final JsonGenerator g, final byte[] encoded) throws IOException
    {
        g.writeStartObject();
        if (encoded != null)
        {
            final Map<String, String> map = Payloads.decodeMap(encoded);
            final List<String> jsonKeys = Payloads.jsonKeys(encoded);
            final Set<String> raw = jsonKeys.isEmpty() ? Set.of() : new HashSet<>(jsonKeys);
            for (final Map.Entry<String, String> e : map.entrySet())
            {
                g.writeFieldName(e.getKey());
                if (raw.contains(e.getKey()))
                {
                    g.writeRawValue(e.getValue());
                }
                else
                {
                    g.writeString(e.getValue());
                }
            }
        }
        g.writeEndObject();
    }

    static void stringMap(final JsonGenerator g, final Map<String, String> map) throws IOException
    {
        g.writeStartObject();
        for (final Map.Entry<String, String> e : map.entrySet())
        {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    static void stringList(final JsonGenerator g, final List<String> list) throws IOException
    {
        g.writeStartArray();
        for (final String s : list)
        {
            g.writeString(s);
        }
        g.writeEndArray();
    }
}
