package io.exostate.core.codec;

import io.exostate.core.codec.sbe.GraphSpecBodyDecoder;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

/**
 * Bad bytes of every kind: each must give a typed error (a Rejected reply and {@code lastError()}, a
 * {@link DecodeError}, a {@link Query.Invalid}), never an exception, and must never reach the engine.
 */
class MalformedInputCodecTest
{
    private static final long NOW = 1_700_000_000_000L;
    private static final int OFFSET = 16;
    private static final long[] SEEDS = {1L, 7L, 42L, 1234L, 99_991L, 0xC0DECL, 20_260_101L, -3L};

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(256);
    private final CommandEncoder encoder = new CommandEncoder();
    private final RecordingCommands engine = new RecordingCommands();
    private final CommandDecoder decoder = new CommandDecoder(engine);
    private final ReplyDecoder replyDecoder = new ReplyDecoder();

    record Sample(String name, byte[] bytes)
    {
    }

    @Test
    void shouldRefuseEveryTruncationOfEveryCommandWithoutCallingTheEngine()
    {
        for (final Sample sample : commandSamples())
        {
            // The whole message stays in the buffer: a decoder that read past `length` would find valid bytes there.
            buffer.putBytes(OFFSET, sample.bytes());
            for (int cut = 0; cut < sample.bytes().length; cut++)
            {
                final Rejection rejection = applyExpectingRejection(OFFSET, cut, sample.name() + " cut at " + cut);
                assertThat(rejection.code()).isEqualTo(RejectCode.INVALID_REQUEST);
                assertThat(decoder.lastError().kind()).as(sample.name() + " cut at " + cut)
                    .isEqualTo(DecodeError.Kind.TRUNCATED);
            }
        }
    }

    @Test
    void shouldRefuseTrailingBytesAfterEveryCommand()
    {
        for (final Sample sample : commandSamples())
        {
            buffer.putBytes(OFFSET, sample.bytes());
            buffer.putByte(OFFSET + sample.bytes().length, (byte)0);
            applyExpectingRejection(OFFSET, sample.bytes().length + 1, sample.name());
            assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.MALFORMED);
            assertThat(decoder.lastError().detail()).contains("1 bytes follow");
        }
    }

    @Test
    void shouldRefuseAnUnknownTemplateId()
    {
        // 999 is unused; 50 is the batch; 60 an embedded body; 104 a reply; 201 a query: none is a command.
        for (final int templateId : new int[]{0, 12, 49, 50, 60, 100, 104, 201, 301, 999, 65_535})
        {
            final int length = encoder.heartbeat(buffer, OFFSET, "ns", 1, 2, 3);
            buffer.putShort(OFFSET + 2, (short)templateId, Wire.ORDER);

            final Rejection rejection = applyExpectingRejection(OFFSET, length, "template " + templateId);

            assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.UNKNOWN_TEMPLATE);
            assertThat(rejection.detail()).contains(Integer.toString(templateId));
        }
    }

    @Test
    void shouldRefuseAnotherSchema()
    {
        for (final int schemaId : new int[]{0, 7300, 7302, 65_535})
        {
            final int length = encoder.tick(buffer, OFFSET);
            buffer.putShort(OFFSET + 4, (short)schemaId, Wire.ORDER);

            final Rejection rejection = applyExpectingRejection(OFFSET, length, "schema " + schemaId);

            assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.WRONG_SCHEMA);
            assertThat(rejection.detail()).isEqualTo("Expected schema id 7301, but was " + schemaId);
        }
    }

    @Test
    void shouldRefuseAVersionThisBuildCannotRead()
    {
        for (final int version : new int[]{0, 2, 65_535})
        {
            final int length = encoder.tick(buffer, OFFSET);
            buffer.putShort(OFFSET + 6, (short)version, Wire.ORDER);

            applyExpectingRejection(OFFSET, length, "version " + version);

            assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.WRONG_VERSION);
        }
    }

    @Test
    void shouldRefuseABlockShorterThanTheSchemaOrLongerThanTheMessage()
    {
        int length = encoder.heartbeat(buffer, OFFSET, "ns", 1, 2, 3);
        buffer.putShort(OFFSET, (short)23, Wire.ORDER);
        applyExpectingRejection(OFFSET, length, "short block");
        assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.MALFORMED);

        length = encoder.heartbeat(buffer, OFFSET, "ns", 1, 2, 3);
        buffer.putShort(OFFSET, (short)60_000, Wire.ORDER);
        applyExpectingRejection(OFFSET, length, "long block");
        assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.TRUNCATED);
    }

    @Test
    void shouldReadABlockLongerThanTheSchemaByItsHeader()
    {
        final ExpandableArrayBuffer plain = new ExpandableArrayBuffer(64);
        final int length = encoder.heartbeat(plain, 0, "ns", 1, 2, 3);
        final int block = 24;
        // Same message with 4 bytes of padding after the block, as a later version appending a field would send.
        buffer.putBytes(OFFSET, plain, 0, 8 + block);
        buffer.putInt(OFFSET + 8 + block, 0xFFFF_FFFF);
        buffer.putBytes(OFFSET + 8 + block + 4, plain, 8 + block, length - 8 - block);
        buffer.putShort(OFFSET, (short)(block + 4), Wire.ORDER);

        decoder.apply(NOW, buffer, OFFSET, length + 4, replyBuffer, 0);

        assertThat(decoder.lastError()).isNull();
        assertThat(engine.only().args()).containsExactly("ns", 1L, 2L, 3L);
    }

    @Test
    void shouldRefuseMalformedOutputsWithAPreciseDetail()
    {
        final byte[] map = Payloads.encodeMap(Map.of("k", "v"));
        final List<byte[]> bad = List.of(
            new byte[0],
            new byte[]{1, 0},
            ints(-1),
            ints(2, 4, 0),
            ints(1, map.length + 1),
            concat(ints(1, map.length), map, new byte[]{9}),
            concat(ints(1, map.length - 1), java.util.Arrays.copyOf(map, map.length - 1)),
            concat(ints(1, 10), ints(1, 1), new byte[]{'k', 7}, ints(0)),
            ints(1, Integer.MAX_VALUE - 3, 0));
        for (int i = 0; i < bad.size(); i++)
        {
            final byte[] outputs = bad.get(i);
            final int length =
                encoder.executed(buffer, OFFSET, "ns", 1, 2, new UnsafeBuffer(outputs), 0, outputs.length);

            final Rejection rejection = applyExpectingRejection(OFFSET, length, "bad outputs " + i);

            assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.MALFORMED);
            assertThat(rejection.detail()).as("bad outputs " + i)
                .startsWith("Expected Executed.outputs to be a Payloads list of maps, but ");
        }
    }

    @Test
    void shouldRefuseMalformedTriggerMapsIncludingALengthThatWouldOverflow()
    {
        final List<byte[]> bad = List.of(
            ints(1),
            ints(-5),
            concat(ints(1, 1), new byte[]{'k', 3}, ints(0)),
            concat(ints(0), new byte[]{0}),
            // A key length near 2^31: Payloads' "pos + 4 + len > end" check overflows on it.
            concat(ints(1, Integer.MAX_VALUE - 4), new byte[16]));
        for (int i = 0; i < bad.size(); i++)
        {
            final byte[] inputs = bad.get(i);
            final byte[] store = Payloads.EMPTY_MAP;
            final byte[] both = concat(inputs, store);
            final int length = encoder.trigger(buffer, OFFSET, "ns", "g", "r", new UnsafeBuffer(both),
                0, inputs.length, inputs.length, store.length, 0);

            final Rejection rejection = applyExpectingRejection(OFFSET, length, "bad inputs " + i);

            assertThat(rejection.detail()).as("bad inputs " + i)
                .startsWith("Expected Trigger.inputs to be a Payloads map");
        }
    }

    @Test
    void shouldRefuseUnknownEnumCodesAndFlagsInAGraph()
    {
        final int bodyBlock = OFFSET + 8 + 4 + 8;
        assertBadGraphByte(bodyBlock + GraphSpecBodyDecoder.strategyEncodingOffset(), 9, "GraphSpecBody.strategy");
        assertBadGraphByte(bodyBlock + GraphSpecBodyDecoder.hasMaxDelayEncodingOffset(), 2, "hasMaxDelay");
        final int firstNode = bodyBlock + GraphSpecBodyDecoder.BLOCK_LENGTH + 4;
        assertBadGraphByte(firstNode + GraphSpecBodyDecoder.NodesDecoder.hasUnitesEncodingOffset(), 7, "hasUnites");
        // The first node has next nodes: saying it has none contradicts its group.
        assertBadGraphByte(firstNode + GraphSpecBodyDecoder.NodesDecoder.hasNextNodesEncodingOffset(), 0, "nextNodes");
    }

    @Test
    void shouldRefuseAnUnknownUniteStrategy()
    {
        final int length = encoder.upsertGraph(buffer, OFFSET, Fixtures.graphSpec());
        final byte[] bytes = copy(length);
        // Node 3 ("log") has unites ALL_DONE (1): find its flags by its hasUnites=T, unitesStrategy=1 pattern.
        final int at = indexOf(bytes, new byte[]{0, 1, 1, 1, 0}, 0) + 2;
        buffer.putByte(OFFSET + at, (byte)5);

        applyExpectingRejection(OFFSET, length, "unites strategy");

        assertThat(decoder.lastError().detail()).contains("unitesStrategy");
    }

    @Test
    void shouldRefuseAnUnknownFieldKindAndAWrongBodyTemplate()
    {
        final int length = encoder.registerNodes(buffer, OFFSET, "ns", "rt", Fixtures.registrations());
        final int body = OFFSET + 8 + 4 + 4;
        buffer.putByte(body + 8 + 4, (byte)3);
        applyExpectingRejection(OFFSET, length, "field kind");
        assertThat(decoder.lastError().detail()).contains("NodeRegistrationBody.inputs.kind");

        encoder.registerNodes(buffer, OFFSET, "ns", "rt", Fixtures.registrations());
        buffer.putShort(body + 2, (short)61, Wire.ORDER);
        applyExpectingRejection(OFFSET, length, "body template");
        assertThat(decoder.lastError().detail())
            .isEqualTo("Expected RegisterNodes.nodes.registration to hold template 60, but it holds template 61");
    }

    @Test
    void shouldRefuseDuplicateKeys()
    {
        final Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("AAAA", "1");
        secrets.put("BBBB", "2");
        final GraphSpec spec = new GraphSpec("ns", "g", List.of(), secrets,
            new RetryPolicySpec(1, RetryStrategy.FIXED, 1, 1, null), StoreConfigSpec.DEFAULT, List.of());
        final int length = encoder.upsertGraph(buffer, OFFSET, spec);
        final int at = indexOf(copy(length), "BBBB".getBytes(StandardCharsets.UTF_8), 0);
        buffer.putBytes(OFFSET + at, "AAAA".getBytes(StandardCharsets.UTF_8));

        applyExpectingRejection(OFFSET, length, "duplicate secret");

        assertThat(decoder.lastError().detail())
            .isEqualTo("Expected unique keys in GraphSpecBody.secrets, but AAAA repeats");
    }

    @Test
    void shouldRefuseAGroupEntryShorterThanTheSchema()
    {
        final int length = encoder.upsertGraph(buffer, OFFSET, Fixtures.graphSpec());
        final int nodesHeader = OFFSET + 8 + 4 + 8 + GraphSpecBodyDecoder.BLOCK_LENGTH;
        buffer.putShort(nodesHeader, (short)1, Wire.ORDER);

        applyExpectingRejection(OFFSET, length, "short entry");

        assertThat(decoder.lastError().detail()).contains("GraphSpecBody.nodes").contains("at least 3 bytes");
    }

    @Test
    void shouldRefuseABufferShorterThanTheLengthGiven()
    {
        final UnsafeBuffer small = new UnsafeBuffer(new byte[20]);
        encoder.tick(small, 0);

        decoder.apply(NOW, small, 4, 100, replyBuffer, 0);

        assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.TRUNCATED);
        assertThat(engine.calls).isEmpty();
    }

    @Test
    void shouldNeverThrowNorCallTheEngineForRandomGarbage()
    {
        for (final long seed : SEEDS)
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 2_000; i++)
            {
                final int length = random.nextInt(300);
                final byte[] garbage = new byte[length];
                random.nextBytes(garbage);
                buffer.putBytes(OFFSET, garbage);
                final String what = "seed " + seed + " iteration " + i;

                final int replyLength = assertDoesNotThrow(
                    () -> decoder.apply(NOW, buffer, OFFSET, length, replyBuffer, 0), what);

                assertThat(engine.calls).as(what).isEmpty();
                assertThat(decoder.lastError()).as(what).isNotNull();
                assertThat(replyDecoder.decode(replyBuffer, 0, replyLength)).as(what).isInstanceOf(Rejection.class);
            }
        }
    }

    @Test
    void shouldNeverThrowForRandomBodiesBehindAValidHeader()
    {
        for (final long seed : SEEDS)
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 2_000; i++)
            {
                final int bodyLength = random.nextInt(200);
                final byte[] body = new byte[bodyLength];
                random.nextBytes(body);
                buffer.putShort(OFFSET, (short)random.nextInt(40), Wire.ORDER);
                buffer.putShort(OFFSET + 2, (short)(1 + random.nextInt(11)), Wire.ORDER);
                buffer.putShort(OFFSET + 4, (short)Wire.SCHEMA_ID, Wire.ORDER);
                buffer.putShort(OFFSET + 6, (short)Wire.SCHEMA_VERSION, Wire.ORDER);
                buffer.putBytes(OFFSET + 8, body);
                assertConsistentOutcome("seed " + seed + " iteration " + i, 8 + bodyLength);
            }
        }
    }

    @Test
    void shouldNeverThrowForMutatedCommands()
    {
        final List<Sample> samples = commandSamples();
        for (final long seed : SEEDS)
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 3_000; i++)
            {
                final Sample sample = samples.get(random.nextInt(samples.size()));
                final byte[] bytes = sample.bytes().clone();
                final int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++)
                {
                    // Mostly past the header, so the body's checks are reached rather than the header's.
                    final int at = bytes.length > 8 && random.nextInt(8) != 0 ?
                        8 + random.nextInt(bytes.length - 8) : random.nextInt(bytes.length);
                    bytes[at] = (byte)(random.nextBoolean() ?
                        random.nextInt(256) : bytes[at] ^ (1 << random.nextInt(8)));
                }
                buffer.putBytes(OFFSET, bytes);
                final int length = Math.max(0, bytes.length + (random.nextInt(5) == 0 ? random.nextInt(9) - 4 : 0));
                assertConsistentOutcome("seed " + seed + " iteration " + i + " " + sample.name(), length);
            }
        }
    }

    @Test
    void shouldDecodeEveryTruncatedOrGarbledReplyAsADecodeError()
    {
        final ReplyEncoder replies = new ReplyEncoder();
        final List<Object> samples = List.of(
            Fixtures.rejectionWithFieldErrors(),
            new io.exostate.core.engine.Replies.Register(null, "rt", Fixtures.registrations()),
            new io.exostate.core.engine.Replies.Upsert(null, Fixtures.graphView(Fixtures.graphSpec())),
            new Claimed(Fixtures.claimedStates(2)),
            new io.exostate.core.engine.Replies.Tick(1),
            new ViewReplies.Nodes(Fixtures.registeredNodes()),
            Fixtures.runsPage(),
            Fixtures.runGraph(),
            Fixtures.nodeDetails(),
            new ViewReplies.StateSecrets(Map.of("a", "b")));
        final ExpandableArrayBuffer replyBytes = new ExpandableArrayBuffer(256);
        for (final Object sample : samples)
        {
            final int length = replies.encode(replyBytes, 0, sample);
            for (int cut = 0; cut < length; cut++)
            {
                final Object decoded = replyDecoder.decode(replyBytes, 0, cut);
                assertThat(decoded).as(sample.getClass().getSimpleName() + " cut at " + cut)
                    .isInstanceOf(DecodeError.class);
            }
        }

        for (final long seed : SEEDS)
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 2_000; i++)
            {
                final Object sample = samples.get(random.nextInt(samples.size()));
                final int length = replies.encode(replyBytes, 0, sample);
                final int at = random.nextInt(length);
                replyBytes.putByte(at, (byte)random.nextInt(256));
                final String what = "seed " + seed + " iteration " + i;
                final Object decoded = assertDoesNotThrow(() -> replyDecoder.decode(replyBytes, 0, length), what);
                assertThat(decoded).as(what).isNotNull();
            }
        }
    }

    @Test
    void shouldDecodeRandomGarbageAsAnInvalidQuery()
    {
        final QueryDecoder queries = new QueryDecoder();
        for (final long seed : SEEDS)
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 2_000; i++)
            {
                final byte[] garbage = new byte[random.nextInt(100)];
                random.nextBytes(garbage);
                final String what = "seed " + seed + " iteration " + i;
                final Query query = assertDoesNotThrow(
                    () -> queries.decode(new UnsafeBuffer(garbage), 0, garbage.length), what);
                assertThat(query).as(what).isInstanceOf(Query.Invalid.class);
            }
        }
    }

    private void assertConsistentOutcome(final String what, final int length)
    {
        engine.calls.clear();
        final int replyLength = assertDoesNotThrow(
            () -> decoder.apply(NOW, buffer, OFFSET, length, replyBuffer, 0), what);
        final Object reply = replyDecoder.decode(replyBuffer, 0, replyLength);
        assertThat(reply).as(what).isNotInstanceOf(DecodeError.class);
        if (decoder.lastError() != null)
        {
            assertThat(engine.calls).as(what).isEmpty();
            assertThat(reply).as(what).isInstanceOf(Rejection.class);
        }
        else
        {
            assertThat(engine.calls).as(what).hasSize(1);
        }
    }

    private void assertBadGraphByte(final int at, final int value, final String expectedInDetail)
    {
        final int length = encoder.upsertGraph(buffer, OFFSET, Fixtures.graphSpec());
        buffer.putByte(at, (byte)value);

        applyExpectingRejection(OFFSET, length, expectedInDetail);

        assertThat(decoder.lastError().kind()).isEqualTo(DecodeError.Kind.MALFORMED);
        assertThat(decoder.lastError().detail()).contains(expectedInDetail);
    }

    private Rejection applyExpectingRejection(final int offset, final int length, final String what)
    {
        engine.calls.clear();
        final int replyLength = assertDoesNotThrow(
            () -> decoder.apply(NOW, buffer, offset, length, replyBuffer, 0), what);
        assertThat(engine.calls).as(what).isEmpty();
        assertThat(decoder.lastError()).as(what).isNotNull();
        final Object reply = replyDecoder.decode(replyBuffer, 0, replyLength);
        assertThat(reply).as(what).isInstanceOf(Rejection.class);
        assertThat(((Rejection)reply).detail()).isEqualTo(decoder.lastError().detail());
        return (Rejection)reply;
    }

    private List<Sample> commandSamples()
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        final List<Sample> samples = new ArrayList<>();
        final byte[] outputs = Payloads.encodeList(List.of(Map.of("a", "1"), Map.of()));
        samples.add(sample("RegisterNodes", b, encoder.registerNodes(b, 0, "ns", "rt", Fixtures.registrations())));
        samples.add(sample("UpsertGraph", b, encoder.upsertGraph(b, 0, Fixtures.graphSpec())));
        samples.add(sample("Trigger", b, encoder.trigger(b, 0, "ns", "g", "r", Map.of("a", "b"), Map.of("c", "d"), 5)));
        samples.add(sample("Claim", b, encoder.claim(b, 0, "ns", new String[]{"A", "Bb"}, 2, 3, 4)));
        samples.add(sample("Executed", b, encoder.executed(b, 0, "ns", 1, 2, new UnsafeBuffer(outputs), 0,
            outputs.length)));
        samples.add(sample("Errored", b, encoder.errored(b, 0, "ns", 1, 2, "err")));
        samples.add(sample("Prune", b, encoder.prune(b, 0, "ns", 1, 2, "{}")));
        samples.add(sample("ReEnqueueAfter", b, encoder.reenqueueAfter(b, 0, "ns", 1, 2, 3)));
        samples.add(sample("ManualRetry", b, encoder.manualRetry(b, 0, "ns", 1, "f")));
        samples.add(sample("Heartbeat", b, encoder.heartbeat(b, 0, "ns", 1, 2, 3)));
        samples.add(sample("Tick", b, encoder.tick(b, 0)));
        return samples;
    }

    private static Sample sample(final String name, final MutableDirectBuffer b, final int length)
    {
        final byte[] bytes = new byte[length];
        b.getBytes(0, bytes);
        return new Sample(name, bytes);
    }

    private byte[] copy(final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(OFFSET, bytes);
        return bytes;
    }

    private static byte[] ints(final int... values)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++)
        {
            b.putInt(i * 4, values[i], Wire.ORDER);
        }
        return b.byteArray();
    }

    private static byte[] concat(final byte[]... parts)
    {
        int n = 0;
        for (final byte[] p : parts)
        {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int at = 0;
        for (final byte[] p : parts)
        {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static int indexOf(final byte[] hay, final byte[] needle, final int from)
    {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (hay[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
