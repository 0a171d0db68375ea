package io.exostate.core.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8InternerCodecTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);

    @Test
    void shouldReturnTheSameStringForTheSameBytesWithoutAMiss()
    {
        final Utf8Interner interner = new Utf8Interner();
        final int length = put(100, Fixtures.UNICODE);

        final String first = interner.intern(buffer, 100, length);
        put(900, Fixtures.UNICODE);
        final String second = interner.intern(buffer, 900, length);

        assertThat(first).isEqualTo(Fixtures.UNICODE);
        assertThat(second).isSameAs(first);
        assertThat(interner.misses()).isEqualTo(1);
    }

    @Test
    void shouldStayBoundedAndCorrectWhenTextsCollide()
    {
        final Utf8Interner interner = new Utf8Interner(4, 64);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                final String text = "node-" + i;
                final int length = put(0, text);
                assertThat(interner.intern(buffer, 0, length)).isEqualTo(text);
            }
        }
        assertThat(interner.capacity()).isEqualTo(4);
    }

    @Test
    void shouldNotCacheTextLongerThanTheLimit()
    {
        final Utf8Interner interner = new Utf8Interner(16, 4);
        final int length = put(0, "longer");

        final String first = interner.intern(buffer, 0, length);
        final String second = interner.intern(buffer, 0, length);

        assertThat(second).isEqualTo(first).isNotSameAs(first);
        assertThat(interner.misses()).isEqualTo(2);
        assertThat(interner.intern(buffer, 0, 0)).isEmpty();
    }

    @Test
    void shouldRoundCapacityUpToAPowerOfTwo()
    {
        assertThat(new Utf8Interner(1, 8).capacity()).isEqualTo(1);
        assertThat(new Utf8Interner(1000, 8).capacity()).isEqualTo(1024);
    }

    private int put(final int at, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        buffer.putBytes(at, bytes);
        return bytes.length;
    }
}
