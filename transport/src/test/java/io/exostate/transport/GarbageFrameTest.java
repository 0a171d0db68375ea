package io.exostate.transport;

import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.codec.sbe.HelloReplyDecoder;
import io.exostate.core.codec.sbe.RejectedDecoder;
import io.exostate.core.engine.Commands;
import io.exostate.core.engine.Payloads;
import io.exostate.core.template.GraphSpec;
import io.netty.channel.embedded.EmbeddedChannel;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Proxy;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.exostate.transport.TestFrames.NS;
import static io.exostate.transport.TestFrames.buf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random garbage and mutations of valid frames, fed in random chunks: the connection always ends closed with
 * well-formed frames only (a HelloReply, typed TransportErrors, a Rejected), no exception escapes the pipeline, and
 * everything the gateway received decodes completely and names the session's namespace. The seed and iteration are
 * in every assertion message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GarbageFrameTest
{
    private static final int ITERATIONS = 300;

    private final TestFrames frames = new TestFrames();

    @ParameterizedTest
    @ValueSource(longs = { 1L, 42L, 7301L, 20240601L, -99L })
    void shouldCloseEveryGarbageConnectionWithTypedErrorsAndOfferOnlyValidRequests(final long seed)
    {
        final Random random = new Random(seed);
        final List<byte[]> valid = validFrames();
        for (int i = 0; i < ITERATIONS; i++)
        {
            final String as = "seed " + seed + " iteration " + i;
            final RecordingGateway gateway = new RecordingGateway();
            final EmbeddedChannel ch = new EmbeddedChannel(new BinaryChannelInitializer(new BinaryServer.Context()
                .gateway(gateway).apiKey(TestFrames.API_KEY).maxFrameLength(2048).idleTimeoutMs(1000)));
            ch.freezeTime();
            try
            {
                final boolean hello = random.nextInt(10) < 7;
                final byte[] input = concat(hello ? frames.hello() : new byte[0], garbage(random, valid));
                feedInChunks(ch, input, random);
                // Two idle periods: a valid request the fake gateway never answers earns the session one more.
                for (int period = 0; period < 3; period++)
                {
                    ch.advanceTimeBy(1_100, TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                }
                ch.runPendingTasks();
                ch.checkException();

                assertThat(ch.isOpen()).as(as + ": closed").isFalse();
                for (final TestFrames.Frame f : TestFrames.drain(ch))
                {
                    if (f.isTransportError())
                    {
                        assertThat(f.transportError().typed()).as(as + ": " + f).isNotNull();
                    }
                    else
                    {
                        assertThat(f.templateId()).as(as + ": " + f)
                            .isIn(HelloReplyDecoder.TEMPLATE_ID, RejectedDecoder.TEMPLATE_ID);
                    }
                }
                for (final RecordingGateway.Offered offer : gateway.offers)
                {
                    assertValid(offer.message(), as);
                }
                if (!gateway.opened.isEmpty())
                {
                    assertThat(gateway.closed).as(as + ": session closed").isEqualTo(gateway.opened);
                }
            }
            finally
            {
                ch.finishAndReleaseAll();
            }
        }
    }

    private List<byte[]> validFrames()
    {
        final byte[] outputs = Payloads.encodeList(List.of(Map.of("o", "v")));
        return List.of(
            frames.claim(1, NS, 5, 0, "Work", "Other"),
            frames.frameBytes(2, (b, o) -> frames.commands.trigger(b, o, NS, "g", "run-1", Map.of("a", "1"),
                Map.of(), 0)),
            frames.frameBytes(3, (b, o) -> frames.commands.executed(b, o, NS, 4, 5, new UnsafeBuffer(outputs), 0,
                outputs.length)),
            frames.frameBytes(4, (b, o) -> frames.commands.upsertGraph(b, o, SessionHandlerTest.graph(NS))),
            frames.frameBytes(5, (b, o) -> frames.queries.getRunGraph(b, o, NS, "run-1")),
            frames.frameBytes(6, (b, o) -> frames.commands.errored(b, o, NS, 4, 5, "boom")));
    }

    private static byte[] garbage(final Random random, final List<byte[]> valid)
    {
        switch (random.nextInt(4))
        {
            case 0:
            {
                final byte[] b = new byte[random.nextInt(300)];
                random.nextBytes(b);
                return b;
            }
            case 1:
            {
                // A well-framed random message.
                final byte[] body = new byte[random.nextInt(200)];
                random.nextBytes(body);
                return TestFrames.frameBytes(random.nextLong(), body);
            }
            case 2:
            {
                // A plausible header (our schema, version 1, a client template), then random bytes.
                final int[] templates = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 201, 205, 206, 208, 401 };
                final byte[] body = new byte[8 + random.nextInt(120)];
                random.nextBytes(body);
                final UnsafeBuffer b = new UnsafeBuffer(body);
                b.putShort(0, (short)random.nextInt(40), ByteOrder.LITTLE_ENDIAN);
                b.putShort(2, (short)templates[random.nextInt(templates.length)], ByteOrder.LITTLE_ENDIAN);
                b.putShort(4, (short)FrameDescriptor.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
                b.putShort(6, (short)1, ByteOrder.LITTLE_ENDIAN);
                return TestFrames.frameBytes(random.nextInt(1000), body);
            }
            default:
            {
                // A valid frame with one to three bytes changed.
                final byte[] b = valid.get(random.nextInt(valid.size())).clone();
                final int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++)
                {
                    b[random.nextInt(b.length)] = (byte)random.nextInt(256);
                }
                return b;
            }
        }
    }

    private static void feedInChunks(final EmbeddedChannel ch, final byte[] input, final Random random)
    {
        int pos = 0;
        while (pos < input.length && ch.isOpen())
        {
            final int n = Math.min(input.length - pos, 1 + random.nextInt(64));
            ch.writeInbound(buf(Arrays.copyOfRange(input, pos, pos + n)));
            pos += n;
        }
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** An offered message must decode completely and name the session's namespace (or none). */
    private static void assertValid(final byte[] message, final String as)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final int templateId = buffer.getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (templateId >= 201)
        {
            final Query query = new QueryDecoder().decode(buffer, 0, message.length);
            assertThat(query).as(as + ": offered query").isNotInstanceOf(Query.Invalid.class);
            assertThat(query.toString()).as(as).contains("namespace=" + NS);
            return;
        }
        final CommandDecoder decoder = new CommandDecoder(namespaceCapture());
        assertThat(decoder.validate(buffer, 0, message.length)).as(as + ": offered command").isNull();
        if (templateId == 11)
        {
            return; // Tick names no namespace
        }
        try
        {
            decoder.apply(0, buffer, 0, message.length, new UnsafeBuffer(new byte[1024]), 0);
            throw new AssertionError(as + ": the target was not called");
        }
        catch (final Captured captured)
        {
            assertThat(captured.namespace).as(as + ": namespace of the offered command").isEqualTo(NS);
        }
    }

    /** A target that records the namespace it is called with and aborts the call. */
    private static Commands namespaceCapture()
    {
        return (Commands)Proxy.newProxyInstance(Commands.class.getClassLoader(), new Class<?>[]{ Commands.class },
            (proxy, method, args) ->
            {
                final Object arg = args[1];
                throw new Captured(arg instanceof GraphSpec spec ? spec.namespace() : (String)arg);
            });
    }

    private static final class Captured extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        final String namespace;

        Captured(final String namespace)
        {
            super(namespace, null, false, false);
            this.namespace = namespace;
        }
    }
}
