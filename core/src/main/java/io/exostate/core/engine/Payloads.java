package io.exostate.core.engine;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's encoding of string maps (inputs, outputs, the store) and of lists of them (the outputs of an
 * {@code executed}: one map per output, a list of N is a fanout). The same bytes travel in SBE var-data fields,
 * the journal and snapshots, so the engine copies a map out of a command buffer once and never parses JSON.
 *
 * <pre>
 * map:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                       entry count (int32 LE)                  |
 *  +---------------------------------------------------------------+
 *  |  per entry: key length (int32 LE) | key UTF-8 ...             |
 *  |             kind (uint8: 0 string, 1 raw JSON)                |
 *  |             value length (int32 LE) | value UTF-8 ...         |
 *  +---------------------------------------------------------------+
 * list of maps:
 *  | map count (int32 LE) | per map: map length (int32 LE) | map ...|
 * </pre>
 *
 * A value of kind raw JSON carries a non-string JSON value (a number, an object) as its JSON text: Exosphere accepts
 * any JSON in outputs and fails only when a template uses such a value (SPEC §3.2).
 * Keys are unique within a map; order is kept. Static methods never allocate unless they return a new object.
 */
public final class Payloads
{
    public static final byte KIND_STRING = 0;
    public static final byte KIND_JSON = 1;

    /** The encoding of an empty map. */
    public static final byte[] EMPTY_MAP = {0, 0, 0, 0};

    private Payloads()
    {
    }

    /** Encodes string values; null map means empty. */
    public static byte[] encodeMap(final Map<String, String> map)
    {
        if (map == null || map.isEmpty())
        {
            return EMPTY_MAP;
        }
        final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(64);
        final int len = writeMap(buf, 0, map, null);
        final byte[] out = new byte[len];
        buf.getBytes(0, out);
        return out;
    }

    /**
     * Encodes a map whose values may be raw JSON: {@code jsonKeys} names the keys whose value is raw JSON text
     * (null: all strings).
     */
    public static byte[] encodeMap(final Map<String, String> map, final java.util.Set<String> jsonKeys)
    {
        final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(64);
        final int len = writeMap(buf, 0, map, jsonKeys);
        final byte[] out = new byte[len];
        buf.getBytes(0, out);
        return out;
    }

    /** Writes a map at {@code offset}; returns the number of bytes written. */
    public static int writeMap(
        final MutableDirectBuffer buf, final int offset, final Map<String, String> map, final java.util.Set<String> jsonKeys)
    {
        int pos = offset;
        buf.putInt(pos, map == null ? 0 : map.size());
        pos += 4;
        if (map != null)
        {
            for (final Map.Entry<String, String> e : map.entrySet())
            {
                pos += writeUtf8(buf, pos, e.getKey());
                buf.putByte(pos++, jsonKeys != null && jsonKeys.contains(e.getKey()) ? KIND_JSON : KIND_STRING);
                pos += writeUtf8(buf, pos, e.getValue());
            }
        }
        return pos - offset;
    }

    /** Encodes a list of string maps (the outputs of {@code executed}). */
    public static byte[] encodeList(final List<Map<String, String>> maps)
    {
        final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(128);
        int pos = 0;
        buf.putInt(pos, maps.size());
        pos += 4;
        for (final Map<String, String> m : maps)
        {
            final int len = writeMap(buf, pos + 4, m, null);
            buf.putInt(pos, len);
            pos += 4 + len;
        }
        final byte[] out = new byte[pos];
        buf.getBytes(0, out);
        return out;
    }

    /** Decodes a map with every value as text (raw JSON values as their JSON text). */
    public static Map<String, String> decodeMap(final byte[] bytes)
    {
        if (bytes == null)
        {
            return Collections.emptyMap();
        }
        return decodeMap(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    public static Map<String, String> decodeMap(final DirectBuffer buf, final int offset, final int length)
    {
        final int count = mapCount(buf, offset, length);
        final LinkedHashMap<String, String> map = new LinkedHashMap<>();
        int pos = offset + 4;
        for (int i = 0; i < count; i++)
        {
            final int kl = buf.getInt(pos);
            final String k = buf.getStringWithoutLengthUtf8(pos + 4, kl);
            pos += 4 + kl + 1;
            final int vl = buf.getInt(pos);
            final String v = buf.getStringWithoutLengthUtf8(pos + 4, vl);
            pos += 4 + vl;
            map.put(k, v);
        }
        return map;
    }

    /** The keys whose value is raw JSON, in order. */
    public static List<String> jsonKeys(final byte[] bytes)
    {
        final UnsafeBuffer buf = new UnsafeBuffer(bytes);
        final int count = mapCount(buf, 0, bytes.length);
        final List<String> keys = new ArrayList<>();
        int pos = 4;
        for (int i = 0; i < count; i++)
        {
            final int kl = buf.getInt(pos);
            final String k = buf.getStringWithoutLengthUtf8(pos + 4, kl);
            pos += 4 + kl;
            final byte kind = buf.getByte(pos++);
            final int vl = buf.getInt(pos);
            pos += 4 + vl;
            if (kind == KIND_JSON)
            {
                keys.add(k);
            }
        }
        return keys;
    }

    /** Decodes a list of maps. */
    public static List<Map<String, String>> decodeList(final DirectBuffer buf, final int offset, final int length)
    {
        final int n = listCount(buf, offset, length);
        final List<Map<String, String>> out = new ArrayList<>(n);
        int pos = offset + 4;
        for (int i = 0; i < n; i++)
        {
            final int len = buf.getInt(pos);
            out.add(decodeMap(buf, pos + 4, len));
            pos += 4 + len;
        }
        return out;
    }

    /**
     * Checks the structure of a map and returns its entry count.
     *
     * @throws IllegalArgumentException when the bytes are not a well-formed map of exactly {@code length} bytes.
     */
    public static int mapCount(final DirectBuffer buf, final int offset, final int length)
    {
        if (length < 4)
        {
            throw new IllegalArgumentException("map shorter than its header: " + length + " bytes");
        }
        final int count = buf.getInt(offset);
        if (count < 0)
        {
            throw new IllegalArgumentException("negative map entry count: " + count);
        }
        final int end = offset + length;
        int pos = offset + 4;
        for (int i = 0; i < count; i++)
        {
            pos = skipString(buf, pos, end);
            if (pos + 1 > end)
            {
                throw new IllegalArgumentException("map entry " + i + " truncated");
            }
            final byte kind = buf.getByte(pos);
            if (kind != KIND_STRING && kind != KIND_JSON)
            {
                throw new IllegalArgumentException("map entry " + i + " has unknown value kind " + kind);
            }
            pos = skipString(buf, pos + 1, end);
        }
        if (pos != end)
        {
            throw new IllegalArgumentException("map has " + (end - pos) + " trailing bytes");
        }
        return count;
    }

    /**
     * Checks the structure of a list of maps and returns the number of maps.
     *
     * @throws IllegalArgumentException when malformed.
     */
    public static int listCount(final DirectBuffer buf, final int offset, final int length)
    {
        if (length < 4)
        {
            throw new IllegalArgumentException("output list shorter than its header: " + length + " bytes");
        }
        final int n = buf.getInt(offset);
        if (n < 0)
        {
            throw new IllegalArgumentException("negative output count: " + n);
        }
        final int end = offset + length;
        int pos = offset + 4;
        for (int i = 0; i < n; i++)
        {
            if (pos + 4 > end)
            {
                throw new IllegalArgumentException("output " + i + " truncated");
            }
            final int len = buf.getInt(pos);
            // Compared against the room left, not as pos + 4 + len: a length near Integer.MAX_VALUE would overflow.
            if (len < 0 || len > end - pos - 4)
            {
                throw new IllegalArgumentException("output " + i + " has a bad length " + len);
            }
            mapCount(buf, pos + 4, len);
            pos += 4 + len;
        }
        if (pos != end)
        {
            throw new IllegalArgumentException("output list has " + (end - pos) + " trailing bytes");
        }
        return n;
    }

    /**
     * Finds the value of {@code key} (UTF-8 bytes) in an encoded map. Returns the offset of the value's length
     * field, or -1 when the key is absent. The kind byte sits just before that offset.
     */
    public static int find(final byte[] map, final byte[] key)
    {
        if (map == null)
        {
            return -1;
        }
        final int count = getInt(map, 0);
        int pos = 4;
        for (int i = 0; i < count; i++)
        {
            final int kl = getInt(map, pos);
            final boolean match = kl == key.length && regionEquals(map, pos + 4, key);
            pos += 4 + kl + 1;
            if (match)
            {
                return pos;
            }
            pos += 4 + getInt(map, pos);
        }
        return -1;
    }

    static boolean regionEquals(final byte[] a, final int offset, final byte[] b)
    {
        for (int i = 0; i < b.length; i++)
        {
            if (a[offset + i] != b[i])
            {
                return false;
            }
        }
        return true;
    }

    static int getInt(final byte[] b, final int i)
    {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    public static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int writeUtf8(final MutableDirectBuffer buf, final int pos, final String s)
    {
        final int len = buf.putStringWithoutLengthUtf8(pos + 4, s);
        buf.putInt(pos, len);
        return 4 + len;
    }

    private static int skipString(final DirectBuffer buf, final int pos, final int end)
    {
        if (pos + 4 > end)
        {
            throw new IllegalArgumentException("string length truncated at " + pos);
        }
        final int len = buf.getInt(pos);
        if (len < 0 || len > end - pos - 4)
        {
            throw new IllegalArgumentException("string at " + pos + " has a bad length " + len);
        }
        return pos + 4 + len;
    }
}
