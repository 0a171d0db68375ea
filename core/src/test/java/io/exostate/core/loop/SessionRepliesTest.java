package io.exostate.core.loop;

import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.engine.Replies;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session opened by another thread just after the agent drained the session events, and whose first request the
 * agent reads in the same round, must still get its reply (seen as a child node whose first command was never
 * answered in CrashRecoveryTest, a client that pipelines hello and request would see the same).
 */
class SessionRepliesTest
{
    private static final class RecordingSink implements ReplySink
    {
        final List<Long> replies = new ArrayList<>();
        final List<Object> decoded = new ArrayList<>();
        int flushes;

        @Override
        public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
        {
            replies.add(correlationId);
            decoded.add(new ReplyDecoder().decode(buffer, offset, length));
        }

        @Override
        public void onFlush()
        {
            flushes++;
        }
    }

    private final UnsafeBuffer reply = new UnsafeBuffer(new byte[8]);

    @Test
    void shouldDeliverTheFirstReplyOfASessionOpenedAfterTheLastDrain()
    {
        final SessionReplies sessions = new SessionReplies();
        final LongArrayList closed = new LongArrayList();
        sessions.drainEvents(closed::addLong);

        final RecordingSink sink = new RecordingSink();
        sessions.open(7, sink); // another thread, after the drain above
        assertThat(sessions.isOpen(7)).isTrue();
        sessions.send(7, 42, reply, 0, 0);
        sessions.flush();

        assertThat(sink.replies).containsExactly(42L);
        assertThat(sink.flushes).isEqualTo(1);
        assertThat(closed).isEmpty();
    }

    @Test
    void shouldDropRepliesOfAClosedSessionAndReportTheCloseOnTheNextDrainOnly()
    {
        final SessionReplies sessions = new SessionReplies();
        final LongArrayList closed = new LongArrayList();
        final RecordingSink sink = new RecordingSink();
        final RecordingSink other = new RecordingSink();
        sessions.open(1, sink);
        sessions.drainEvents(closed::addLong);

        sessions.close(1);
        sessions.open(2, other);
        sessions.send(2, 5, reply, 0, 0); // applies both queued events
        sessions.send(1, 6, reply, 0, 0);

        assertThat(other.replies).containsExactly(5L);
        assertThat(sink.replies).isEmpty();
        assertThat(sessions.isOpen(1)).isFalse();
        assertThat(closed).as("no close callback in the middle of a reply round").isEmpty();
        assertThat(sessions.drainEvents(closed::addLong)).isPositive();
        assertThat(closed).containsExactly(1L);
        assertThat(sessions.drainEvents(closed::addLong)).isZero();
        assertThat(closed).containsExactly(1L);
    }

    @Test
    void shouldAnswerAFirstRequestOfferedBetweenTheLoopsDrainAndItsRingRead()
    {
        final CommandEncoder commands = new CommandEncoder();
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(1024);
        final int length = commands.registerNodes(out, 0, "ns", "rt", List.of(
            new NodeRegistration("A", List.of(), List.of(), List.of(), "{}", "{}")));
        final RecordingSink sink = new RecordingSink();
        final EngineLoop[] loop = new EngineLoop[1];
        // The loop reads its clock right after draining the session events and before reading the ring: the
        // client's thread opens its session and offers its request exactly there.
        final EpochClock clock = new EpochClock()
        {
            private boolean opened;

            @Override
            public long time()
            {
                if (!opened && loop[0] != null)
                {
                    opened = true;
                    loop[0].openSession(9, sink);
                    assertThat(loop[0].offer(9, 1, out, 0, length)).isEqualTo(CommandGateway.Offer.ACCEPTED);
                }
                return 1_700_000_000_000L;
            }
        };
        loop[0] = new EngineLoop(new EngineLoop.Context().clock(clock).snapshotIntervalMs(0));
        try
        {
            loop[0].doWork(); // not started: the test thread is the agent
            assertThat(sink.replies).containsExactly(1L);
            assertThat(sink.decoded.get(0)).isInstanceOfSatisfying(Replies.Register.class,
                r -> assertThat(r.ok()).isTrue());
        }
        finally
        {
            loop[0].close();
        }
    }
}
