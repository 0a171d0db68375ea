package io.exostate.core.codec;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;

/**
 * Maps UTF-8 bytes in a buffer to a cached {@link String}, so the few names a decoder sees again and again
 * (namespaces, node names of claims) cost no allocation after the first time.
 * <p>
 * Bounded: a fixed table of {@code capacity} slots (a power of two) with a short linear probe; when the probe finds
 * neither the text nor a free slot, the home slot is overwritten. Texts longer than {@code maxLength} bytes are
 * never cached. A hit compares the bytes, so a hash collision can never return the wrong text; eviction depends
 * only on the sequence of texts seen, never on a clock or identity hash.
 * <p>
 * Not thread safe: one per decoder. Allocates only on a miss (the key copy and the string).
 */
public final class Utf8Interner
{
    public static final int DEFAULT_CAPACITY = 1024;
    public static final int DEFAULT_MAX_LENGTH = 256;
    private static final int PROBES = 4;

    private final int mask;
    private final int maxLength;
    private final int[] hashes;
    private final byte[][] keys;
    private final String[] values;
    private long misses;

    public Utf8Interner()
    {
        this(DEFAULT_CAPACITY, DEFAULT_MAX_LENGTH);
    }

    /**
     * @param capacity  number of cached texts, rounded up to a power of two.
     * @param maxLength longest text, in UTF-8 bytes, that is cached.
     */
    public Utf8Interner(final int capacity, final int maxLength)
    {
        if (capacity < 1 || capacity > 1 << 20)
        {
            throw new IllegalArgumentException("capacity must be in 1..2^20: " + capacity);
        }
        final int slots = BitUtil.findNextPositivePowerOfTwo(capacity);
        mask = slots - 1;
        this.maxLength = maxLength;
        hashes = new int[slots];
        keys = new byte[slots][];
        values = new String[slots];
    }

    /** The text of the UTF-8 bytes at [offset, offset + length), cached when short enough. */
    public String intern(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return "";
        }
        if (length > maxLength)
        {
            misses++;
            return buffer.getStringWithoutLengthUtf8(offset, length);
        }

        final int hash = hash(buffer, offset, length);
        final int home = hash & mask;
        int free = -1;
        for (int i = 0; i < PROBES; i++)
        {
            final int slot = (home + i) & mask;
            final byte[] key = keys[slot];
            if (key == null)
            {
                if (free < 0)
                {
                    free = slot;
                }
            }
            else if (hashes[slot] == hash && matches(key, buffer, offset, length))
            {
                return values[slot];
            }
        }

        misses++;
        final int slot = free >= 0 ? free : home;
        final byte[] key = new byte[length];
        buffer.getBytes(offset, key);
        final String value = buffer.getStringWithoutLengthUtf8(offset, length);
        hashes[slot] = hash;
        keys[slot] = key;
        values[slot] = value;
        return value;
    }

    /** How many lookups allocated (a miss, or a text too long to cache): for tests and metrics. */
    public long misses()
    {
        return misses;
    }

    public int capacity()
    {
        return mask + 1;
    }

    private static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++)
        {
            h ^= buffer.getByte(offset + i);
            h *= 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static boolean matches(final byte[] key, final DirectBuffer buffer, final int offset, final int length)
    {
        if (key.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (key[i] != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
