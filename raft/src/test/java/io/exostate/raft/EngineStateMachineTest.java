package io.exostate.raft;

import io.exostate.core.codec.BatchWriter;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.loop.Journal;
import io.exostate.core.loop.TransitionLog;
import io.exostate.core.model.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state machine stepped by hand, without a server: what apply, startTransaction and query do with bytes. */
@Timeout(10)
class EngineStateMachineTest
{
    private static final long TIME = 1_700_000_000_000L;

    private final RecordingJournal journal = new RecordingJournal();
    private final EngineStateMachine machine = new EngineStateMachine(EngineConfig.DEFAULT, journal, null);
    private final Commands commands = new Commands();
    private final ReplyDecoder decoder = new ReplyDecoder();

    @Test
    void shouldApplyEveryCommandOfTheBatchAndAnswerEachInBatchOrder()
    {
        final byte[] garbage = {20, 0, 99, 0, (byte)0x85, 0x1c, 1, 0, 1, 2, 3};
        final byte[] batch = batch(999, TIME, new long[][]{{1, 11}, {1, 12}, {2, 21}, {3, 31}},
            commands.register(), commands.upsert(), commands.trigger("r1"), garbage);

        final Message reply = apply(5, batch).join();

        final BatchReplies replies = replies(reply);
        assertThat(replies.count()).isEqualTo(4);
        final List<Object> decoded = new ArrayList<>();
        final List<long[]> ids = new ArrayList<>();
        while (replies.next())
        {
            ids.add(new long[]{replies.sessionId(), replies.correlationId()});
            decoded.add(decoder.decode(replies.buffer(), replies.replyOffset(), replies.replyLength()));
        }
        assertThat(ids).containsExactly(new long[]{1, 11}, new long[]{1, 12}, new long[]{2, 21}, new long[]{3, 31});
        assertThat(((Replies.Register)decoded.get(0)).ok()).isTrue();
        assertThat(((Replies.Upsert)decoded.get(1)).ok()).isTrue();
        assertThat(((Replies.Trigger)decoded.get(2)).runId()).isEqualTo("r1");
        assertThat(((Rejection)decoded.get(3)).code()).isEqualTo(RejectCode.INVALID_REQUEST);

        // The Raft index counts, not the one written inside the batch.
        assertThat(machine.appliedIndex()).isEqualTo(5);
        assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(5);
        assertThat(machine.lastBatchTime()).isEqualTo(TIME);
        assertThat(journal.indexes).containsExactly(5L);
        assertThat(journal.transitions.get(0)).extracting(TransitionLog.Transition::to).containsExactly(Status.CREATED);
    }

    @Test
    void shouldRefuseAMalformedEntryWithoutThrowingOrChangingTheEngine()
    {
        apply(1, batch(0, TIME, new long[][]{{1, 1}, {1, 2}}, commands.register(), commands.upsert())).join();
        final String before = machine.digest().sha256();

        final CompletableFuture<Message> reply = apply(2, new byte[]{1, 2, 3, 4, 5});

        assertThatThrownBy(reply::join).isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(EngineStateMachine.MalformedBatchException.class);
        assertThat(machine.appliedIndex()).isEqualTo(2);
        assertThat(machine.digest()).isEqualTo(new EngineStateMachine.Digest(2, before));
    }

    @Test
    void shouldRefuseAMalformedBatchInStartTransaction()
    {
        final TransactionContext refused = machine.startTransaction(request(new byte[]{20, 0, 50, 0}));
        assertThat(refused.getException()).isInstanceOf(EngineStateMachine.MalformedBatchException.class);

        final byte[] truncated = batch(0, TIME, new long[][]{{1, 1}}, commands.register());
        final byte[] shorter = java.util.Arrays.copyOf(truncated, truncated.length - 1);
        assertThat(machine.startTransaction(request(shorter)).getException())
            .isInstanceOf(EngineStateMachine.MalformedBatchException.class);

        final TransactionContext accepted = machine.startTransaction(request(truncated));
        assertThat(accepted.getException()).isNull();
        assertThat(accepted.getStateMachineLogEntry().getLogData().toByteArray()).isEqualTo(truncated);
    }

    @Test
    void shouldAnswerAQueryFromTheAppliedState()
    {
        apply(1, batch(0, TIME, new long[][]{{1, 1}, {1, 2}, {1, 3}}, commands.register(), commands.upsert(),
            commands.trigger("r1"))).join();

        final Message reply = machine.query(Message.valueOf(ByteString.copyFrom(commands.listRuns(10)))).join();

        final byte[] bytes = reply.getContent().toByteArray();
        final Views.RunsPage page = (Views.RunsPage)decoder.decode(new UnsafeBuffer(bytes), 0, bytes.length);
        assertThat(page.runs()).extracting(Views.RunSummary::runId).containsExactly("r1");
    }

    @Test
    void shouldApplyAlikeOnAFollowerWithoutBuildingTheAnswer()
    {
        final EngineStateMachine follower = new EngineStateMachine(EngineConfig.DEFAULT, null, null);
        final byte[] entry = batch(0, TIME, new long[][]{{1, 1}, {1, 2}}, commands.register(), commands.upsert());
        assertThat(apply(follower, 1, entry, RaftPeerRole.FOLLOWER).join().getContent().isEmpty()).isTrue();
        assertThat(apply(1, entry).join().getContent().isEmpty()).isFalse();
        assertThat(follower.digest()).isEqualTo(machine.digest());
    }

    // ----------------------------------------------------------------------------------------------------------------

    private CompletableFuture<Message> apply(final long index, final byte[] entry)
    {
        return apply(machine, index, entry, RaftPeerRole.LEADER);
    }

    private static CompletableFuture<Message> apply(
        final EngineStateMachine machine, final long index, final byte[] entry, final RaftPeerRole role)
    {
        // The entry's bytes sit inside a larger ByteString, as they may in a parsed log entry.
        final ByteString data = ByteString.copyFrom(new byte[7]).concat(ByteString.copyFrom(entry)).substring(7);
        final LogEntryProto log = LogProtoUtils.toLogEntryProto(
            StateMachineLogEntryProto.newBuilder().setLogData(data).build(), 1, index);
        final TransactionContext trx = TransactionContext.newBuilder()
            .setStateMachine(machine)
            .setLogEntry(log)
            .setServerRole(role)
            .build();
        return machine.applyTransaction(trx);
    }

    private static RaftClientRequest request(final byte[] bytes)
    {
        return RaftClientRequest.newBuilder()
            .setClientId(ClientId.randomId())
            .setServerId(RaftPeerId.valueOf("n1"))
            .setGroupId(RaftGroupId.randomId())
            .setCallId(1)
            .setMessage(Message.valueOf(ByteString.copyFrom(bytes)))
            .setType(RaftClientRequest.writeRequestType())
            .build();
    }

    private static byte[] batch(final long logIndex, final long time, final long[][] ids, final byte[]... commands)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        final BatchWriter writer = new BatchWriter().wrap(buffer, 0, logIndex, time);
        for (int i = 0; i < commands.length; i++)
        {
            writer.append(ids[i][0], ids[i][1], new UnsafeBuffer(commands[i]), 0, commands[i].length);
        }
        final byte[] bytes = new byte[writer.length()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private static BatchReplies replies(final Message reply)
    {
        final byte[] bytes = reply.getContent().toByteArray();
        final BatchReplies replies = new BatchReplies();
        assertThat(replies.wrap(new UnsafeBuffer(bytes), 0, bytes.length)).isTrue();
        return replies;
    }

    private static final class RecordingJournal implements Journal
    {
        final List<Long> indexes = new ArrayList<>();
        final List<List<TransitionLog.Transition>> transitions = new ArrayList<>();

        @Override
        public void appendBatch(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
        {
            throw new AssertionError("a cluster journals transitions only");
        }

        @Override
        public void appendTransitions(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
        {
            indexes.add(logIndex);
            transitions.add(TransitionLog.decode(buffer, offset, length));
        }

        @Override
        public void commit()
        {
        }

        @Override
        public long replay(final long afterLogIndex, final BatchHandler handler)
        {
            return afterLogIndex;
        }

        @Override
        public int purge(final long snapshotLogIndex, final long nowMs)
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    }
}
