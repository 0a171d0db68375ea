package io.exostate.transport.http;

import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Test-only {@link CommandGateway}: applies each offered message synchronously, under a lock, to a real
 * {@link Engine} through {@link CommandDecoder} (commands) or {@link QueryDecoder} and {@link QueryApplier}
 * (queries), and answers the session's sink on the calling thread. Time comes from a settable clock. Can be told
 * to answer {@code BUSY} or {@code CLOSED}, or to swallow replies (to provoke request timeouts).
 */
final class SyncEngineGateway implements CommandGateway
{
    private final Engine engine = new Engine();
    private final CommandDecoder commands = new CommandDecoder(engine);
    private final QueryDecoder queries = new QueryDecoder();
    private final QueryApplier queryApplier = new QueryApplier(engine);
    private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(4096);
    private final Map<Long, ReplySink> sessions = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong(1_767_225_600_000L); // 2026-01-01T00:00:00Z
    private final AtomicReference<Offer> forcedOffer = new AtomicReference<>();
    private volatile boolean swallowReplies;
    private volatile boolean corruptReplies;
    private volatile int maxMessageLength = 64 * 1024 * 1024;
    private final AtomicLong offered = new AtomicLong();

    @Override
    public Offer offer(
        final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Offer forced = forcedOffer.get();
        if (forced != null)
        {
            return forced;
        }
        if (length > maxMessageLength)
        {
            return Offer.TOO_LARGE;
        }
        final ReplySink sink = sessions.get(sessionId);
        if (sink == null)
        {
            return Offer.CLOSED;
        }
        offered.incrementAndGet();
        synchronized (this)
        {
            final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int replyLength = templateId >= 200 && templateId < 250 ?
                queryApplier.answer(queries.decode(buffer, offset, length), reply, 0) :
                commands.apply(clock.get(), buffer, offset, length, reply, 0);
            if (corruptReplies)
            {
                reply.putShort(2, (short)999, ByteOrder.LITTLE_ENDIAN); // an unknown template: undecodable
            }
            if (!swallowReplies)
            {
                sink.onReply(correlationId, reply, 0, replyLength);
                sink.onFlush();
            }
        }
        return Offer.ACCEPTED;
    }

    @Override
    public void openSession(final long sessionId, final ReplySink sink)
    {
        sessions.put(sessionId, sink);
    }

    @Override
    public void closeSession(final long sessionId)
    {
        sessions.remove(sessionId);
    }

    @Override
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    long now()
    {
        return clock.get();
    }

    void advance(final long ms)
    {
        clock.addAndGet(ms);
    }

    void forceOffer(final Offer offer)
    {
        forcedOffer.set(offer);
    }

    void swallowReplies(final boolean swallow)
    {
        swallowReplies = swallow;
    }

    void corruptReplies(final boolean corrupt)
    {
        corruptReplies = corrupt;
    }

    void maxMessageLength(final int length)
    {
        maxMessageLength = length;
    }

    long offered()
    {
        return offered.get();
    }

    boolean hasSession(final long sessionId)
    {
        return sessions.containsKey(sessionId);
    }

    /** A state's full view, or null (under the lock). */
    synchronized io.exostate.core.engine.Views.NodeDetails state(final long stateId)
    {
        return engine.state(stateId);
    }

    /** Reads the engine under the lock (tests only). */
    synchronized <T> T read(final Function<Engine, T> reader)
    {
        return reader.apply(engine);
    }
}
