package io.exostate.core.codec;

import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The batch envelope: several commands written in place and copied, read back and applied in order. */
class BatchCodecTest
{
    private static final int OFFSET = 11;
    private static final long LOG_INDEX = 981;
    private static final long BATCH_TIME = 1_700_000_555_000L;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(128);
    private final CommandEncoder encoder = new CommandEncoder();
    private final BatchWriter writer = new BatchWriter();
    private final BatchReader reader = new BatchReader();
    private final RecordingCommands engine = new RecordingCommands();
    private final CommandDecoder decoder = new CommandDecoder(engine);
    private final ReplyDecoder replyDecoder = new ReplyDecoder();

    @Test
    void shouldApplyEveryCommandOfABatchInOrderWithTheBatchTime()
    {
        final int length = writeSampleBatch();

        assertThat(reader.wrap(buffer, OFFSET, length)).isTrue();
        assertThat(reader.logIndex()).isEqualTo(LOG_INDEX);
        assertThat(reader.batchTime()).isEqualTo(BATCH_TIME);
        assertThat(reader.count()).isEqualTo(5);

        final List<Long> sessions = new ArrayList<>();
        final List<Long> correlations = new ArrayList<>();
        final List<Object> replies = new ArrayList<>();
        while (reader.next())
        {
            sessions.add(reader.sessionId());
            correlations.add(reader.correlationId());
            final int replyLength = decoder.apply(reader.batchTime(), reader.buffer(), reader.commandOffset(),
                reader.commandLength(), replyBuffer, 0);
            assertThat(decoder.lastError()).isNull();
            replies.add(replyDecoder.decode(replyBuffer, 0, replyLength));
        }

        assertThat(sessions).containsExactly(1L, 1L, 2L, 3L, 0L);
        assertThat(correlations).containsExactly(10L, 11L, 20L, 30L, 0L);
        assertThat(engine.calls).extracting(RecordingCommands.Call::name)
            .containsExactly("claim", "executed", "heartbeat", "trigger", "tick");
        assertThat(engine.calls).extracting(RecordingCommands.Call::now).containsOnly(BATCH_TIME);
        assertThat(replies.get(1)).isSameAs(Replies.Executed.OK);
        assertThat(replies.get(4)).isEqualTo(engine.tickReply);
    }

    @Test
    void shouldRewindAndIterateAgain()
    {
        final int length = writeSampleBatch();
        assertThat(reader.wrap(buffer, OFFSET, length)).isTrue();
        int first = 0;
        while (reader.next())
        {
            first++;
        }

        reader.rewind();

        int second = 0;
        while (reader.next())
        {
            assertThat(reader.index()).isEqualTo(second);
            second++;
        }
        assertThat(first).isEqualTo(5);
        assertThat(second).isEqualTo(5);
    }

    @Test
    void shouldReadAnEmptyBatch()
    {
        writer.wrap(buffer, OFFSET, 1, 2);

        assertThat(reader.wrap(buffer, OFFSET, writer.length())).isTrue();
        assertThat(writer.length()).isEqualTo(BatchWriter.BATCH_HEADER_LENGTH);
        assertThat(reader.count()).isZero();
        assertThat(reader.next()).isFalse();
    }

    @Test
    void shouldPatchTheLogIndexAfterWriting()
    {
        writer.wrap(buffer, OFFSET, 0, 2);
        writer.commit(1, 1, encoder.tick(buffer, writer.commandOffset()));
        writer.logIndex(77).batchTime(88);

        assertThat(reader.wrap(buffer, OFFSET, writer.length())).isTrue();
        assertThat(reader.logIndex()).isEqualTo(77);
        assertThat(reader.batchTime()).isEqualTo(88);
    }

    @Test
    void shouldRefuseEveryTruncatedBatchWhole()
    {
        final int length = writeSampleBatch();
        for (int cut = 0; cut < length; cut++)
        {
            assertThat(reader.wrap(buffer, OFFSET, cut)).as("cut at %d", cut).isFalse();
            assertThat(reader.error()).isNotNull();
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void shouldRefuseTrailingBytesAndAWrongCount()
    {
        final int length = writeSampleBatch();

        assertThat(reader.wrap(buffer, OFFSET, length + 3)).isFalse();
        assertThat(reader.error().kind()).isEqualTo(DecodeError.Kind.MALFORMED);

        buffer.putInt(OFFSET + 8 + 16, 4, Wire.ORDER);
        assertThat(reader.wrap(buffer, OFFSET, length)).isFalse();
        assertThat(reader.error().detail()).contains("4 entries");

        buffer.putInt(OFFSET + 8 + 16, -1, Wire.ORDER);
        assertThat(reader.wrap(buffer, OFFSET, length)).isFalse();
        assertThat(reader.error().kind()).isEqualTo(DecodeError.Kind.MALFORMED);
    }

    @Test
    void shouldRefuseANegativeEntryLength()
    {
        final int length = writeSampleBatch();
        buffer.putInt(OFFSET + BatchWriter.BATCH_HEADER_LENGTH, -8, Wire.ORDER);

        assertThat(reader.wrap(buffer, OFFSET, length)).isFalse();
        assertThat(reader.error().kind()).isEqualTo(DecodeError.Kind.TRUNCATED);
    }

    @Test
    void shouldRefuseACommandWhereABatchIsExpected()
    {
        final int length = encoder.tick(buffer, OFFSET);

        assertThat(reader.wrap(buffer, OFFSET, length)).isFalse();
        assertThat(reader.error().kind()).isEqualTo(DecodeError.Kind.UNKNOWN_TEMPLATE);
    }

    private int writeSampleBatch()
    {
        writer.wrap(buffer, OFFSET, LOG_INDEX, BATCH_TIME);

        writer.commit(1, 10, encoder.claim(buffer, writer.commandOffset(), "ns", new String[]{"A", "B"}, 2, 5, 0));

        final byte[] outputs = Payloads.encodeList(List.of(Map.of("k", "v")));
        writer.commit(1, 11,
            encoder.executed(buffer, writer.commandOffset(), "ns", 3, 4, new UnsafeBuffer(outputs), 0, outputs.length));

        // A command encoded elsewhere (as in a ring buffer record) and copied in.
        final ExpandableArrayBuffer elsewhere = new ExpandableArrayBuffer(64);
        final int heartbeatLength = encoder.heartbeat(elsewhere, 9, "ns", 3, 4, 1000);
        writer.append(2, 20, elsewhere, 9, heartbeatLength);

        writer.commit(3, 30,
            encoder.trigger(buffer, writer.commandOffset(), "ns", "g", "run", Map.of("a", "b"), Map.of(), 0));
        writer.commit(0, 0, encoder.tick(buffer, writer.commandOffset()));
        assertThat(writer.count()).isEqualTo(5);
        return writer.length();
    }
}
