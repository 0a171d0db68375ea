package io.exostate.transport.http;

import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test-only {@link CommandGateway} in front of the real one (the engine loop): passes everything through, counts
 * offers, and on demand answers an offer with {@code BUSY} / {@code CLOSED} / {@code TOO_LARGE} itself, swallows
 * replies (to provoke request timeouts) or corrupts them (to provoke an internal error).
 */
final class FaultInjectingGateway implements CommandGateway
{
    private final CommandGateway delegate;
    private final AtomicReference<Offer> forcedOffer = new AtomicReference<>();
    private final AtomicLong offered = new AtomicLong();
    private final Map<Long, Boolean> sessions = new ConcurrentHashMap<>();
    private volatile boolean swallowReplies;
    private volatile boolean corruptReplies;
    private volatile boolean notLeaderReplies;
    private volatile String leaderId;

    FaultInjectingGateway(final CommandGateway delegate)
    {
        this.delegate = delegate;
    }

    @Override
    public Offer offer(
        final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Offer forced = forcedOffer.get();
        if (forced != null)
        {
            return forced;
        }
        offered.incrementAndGet();
        return delegate.offer(sessionId, correlationId, buffer, offset, length);
    }

    @Override
    public void openSession(final long sessionId, final ReplySink sink)
    {
        sessions.put(sessionId, Boolean.TRUE);
        delegate.openSession(sessionId, new ReplySink()
        {
            @Override
            public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
            {
                if (swallowReplies)
                {
                    return;
                }
                if (notLeaderReplies)
                {
                    // What the cluster gateway answers when leadership moved with the request in flight.
                    final UnsafeBuffer error = new UnsafeBuffer(new byte[256]);
                    final io.exostate.core.codec.sbe.TransportErrorEncoder e =
                        new io.exostate.core.codec.sbe.TransportErrorEncoder();
                    e.wrapAndApplyHeader(error, 0, new io.exostate.core.codec.sbe.MessageHeaderEncoder())
                        .code(2).detail("outcome unknown").leaderAddress("");
                    sink.onReply(correlationId, error, 0,
                        io.exostate.core.codec.sbe.MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
                    return;
                }
                if (corruptReplies)
                {
                    final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
                    copy.putBytes(0, buffer, offset, length);
                    copy.putShort(2, (short)999, ByteOrder.LITTLE_ENDIAN); // an unknown template: undecodable
                    sink.onReply(correlationId, copy, 0, length);
                    return;
                }
                sink.onReply(correlationId, buffer, offset, length);
            }

            @Override
            public void onFlush()
            {
                sink.onFlush();
            }
        });
    }

    @Override
    public void closeSession(final long sessionId)
    {
        sessions.remove(sessionId);
        delegate.closeSession(sessionId);
    }

    @Override
    public int maxMessageLength()
    {
        return delegate.maxMessageLength();
    }

    @Override
    public String leaderId()
    {
        return leaderId;
    }

    void leaderId(final String id)
    {
        leaderId = id;
    }

    void notLeaderReplies(final boolean v)
    {
        notLeaderReplies = v;
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

    long offered()
    {
        return offered.get();
    }

    boolean hasSession(final long sessionId)
    {
        return sessions.containsKey(sessionId);
    }
}
