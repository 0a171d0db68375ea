package io.exostate.core.codec;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-place UTF-8 writer must produce exactly the bytes of {@code String.getBytes(UTF_8)}. */
class Utf8EncodingCodecTest
{
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);

    @Test
    void shouldMatchTheJdkForEveryWidthAndForLoneSurrogates()
    {
        final String[] texts = {
            "", "ascii", Fixtures.UNICODE, "\u007f\u0080\u07ff\u0800\uffff", "\ud800", "a\udc00b", "\ud83d",
            "\ud83d\ud83d\ude00",
        };
        for (final String text : texts)
        {
            assertSameBytes(text);
        }
    }

    @Test
    void shouldMatchTheJdkForRandomText()
    {
        for (final long seed : new long[]{3L, 17L, 2024L})
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 500; i++)
            {
                final char[] chars = new char[random.nextInt(20)];
                for (int c = 0; c < chars.length; c++)
                {
                    chars[c] = (char)random.nextInt(0x10000);
                }
                assertSameBytes(new String(chars));
            }
        }
    }

    private void assertSameBytes(final String text)
    {
        final byte[] expected = text.getBytes(StandardCharsets.UTF_8);
        final int length = Wire.putUtf8(buffer, 3, text);
        final byte[] actual = new byte[length];
        buffer.getBytes(3, actual);
        assertThat(actual).as(text).isEqualTo(expected);
    }
}
