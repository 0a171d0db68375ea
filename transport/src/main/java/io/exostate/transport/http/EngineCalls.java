package io.exostate.transport.http;

import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The HTTP API's door to the engine: one gateway session shared by every HTTP connection, and a map from
 * correlation id to the waiting request.
 * <p>
 * <b>Threading.</b> {@link #call} runs on a channel's event loop: it encodes the message into that thread's buffer
 * ({@link CommandEncoder} / {@link QueryEncoder}), registers the call, and offers the bytes without blocking.
 * {@link #onReply} runs on the engine thread: it only copies the reply bytes and hands them to the request's event
 * loop, where they are decoded ({@link ReplyDecoder}, one per thread) and turned into the HTTP response. A call that
 * gets no reply within the request timeout is answered 504 and its late reply is dropped.
 */
final class EngineCalls implements ReplySink
{
    /** Encodes one message into {@code buffer} at offset 0 and returns its length. */
    @FunctionalInterface
    interface Encoding
    {
        int encode(Encoders encoders, MutableDirectBuffer buffer);
    }

    /** The per-thread encoders and buffers of {@link #call}; the scratch buffer is for payloads built first. */
    static final class Encoders
    {
        final CommandEncoder commands = new CommandEncoder();
        final QueryEncoder queries = new QueryEncoder();
        final ExpandableArrayBuffer message = new ExpandableArrayBuffer(4096);
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    }

    private static final FastThreadLocal<Encoders> ENCODERS = new FastThreadLocal<>()
    {
        @Override
        protected Encoders initialValue()
        {
            return new Encoders();
        }
    };

    private static final FastThreadLocal<ReplyDecoder> DECODERS = new FastThreadLocal<>()
    {
        @Override
        protected ReplyDecoder initialValue()
        {
            return new ReplyDecoder();
        }
    };

    /** Buffers that grew beyond this for one large request are dropped afterwards rather than kept per thread. */
    private static final int KEEP_BUFFER_BYTES = 1 << 20;

    private static final class Call
    {
        final Exchange exchange;
        final Consumer<Object> onReply;
        ScheduledFuture<?> timeout;

        Call(final Exchange exchange, final Consumer<Object> onReply)
        {
            this.exchange = exchange;
            this.onReply = onReply;
        }
    }

    private final CommandGateway gateway;
    /** A member id to the base URL of its HTTP API ({@code http://host:port}), or null when unknown. */
    private final Function<String, String> leaderUrl;
    private final long sessionId;
    private final long timeoutMs;
    private final AtomicLong nextCorrelationId = new AtomicLong();
    private final Map<Long, Call> calls = new ConcurrentHashMap<>();

    EngineCalls(final CommandGateway gateway, final long sessionId, final long timeoutMs,
        final Function<String, String> leaderUrl)
    {
        this.gateway = gateway;
        this.leaderUrl = leaderUrl;
        this.sessionId = sessionId;
        this.timeoutMs = timeoutMs;
    }

    void open()
    {
        gateway.openSession(sessionId, this);
    }

    /** Closes the session; requests still waiting are answered 503. */
    void close()
    {
        gateway.closeSession(sessionId);
        for (final Long correlationId : calls.keySet())
        {
            final Call call = calls.remove(correlationId);
            if (call != null)
            {
                call.exchange.eventLoop().execute(() ->
                {
                    cancelTimeout(call);
                    call.exchange.detail(503, "Server is shutting down");
                });
            }
        }
    }

    int pending()
    {
        return calls.size();
    }

    /** Per-thread encoders for building payloads before {@link #call}; valid on the calling thread only. */
    static Encoders encoders()
    {
        return ENCODERS.get();
    }

    /**
     * Encodes and offers one command or query for {@code exchange}; {@code onReply} gets the decoded reply (see
     * {@link ReplyDecoder#decode}) on the exchange's event loop. Every outcome answers the exchange exactly once.
     */
    void call(final Exchange exchange, final Encoding encoding, final Consumer<Object> onReply)
    {
        final Encoders encoders = ENCODERS.get();
        final int length;
        try
        {
            length = encoding.encode(encoders, encoders.message);
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            // A list longer than the wire can carry (65534 entries) or a message beyond any buffer: the client's.
            exchange.detail(413, "Request too large: " + ex.getMessage());
            return;
        }

        final long correlationId = nextCorrelationId.incrementAndGet();
        final Call call = new Call(exchange, onReply);
        calls.put(correlationId, call);
        call.timeout = exchange.eventLoop().schedule(() -> onTimeout(correlationId), timeoutMs, TimeUnit.MILLISECONDS);

        final CommandGateway.Offer offer = gateway.offer(sessionId, correlationId, encoders.message, 0, length);
        trim(encoders);
        if (offer != CommandGateway.Offer.ACCEPTED && calls.remove(correlationId, call))
        {
            cancelTimeout(call);
            switch (offer)
            {
                case BUSY:
                    exchange.busy();
                    break;
                case TOO_LARGE:
                    exchange.detail(413, "Request too large: the command exceeds " + gateway.maxMessageLength() +
                        " bytes");
                    break;
                case NOT_LEADER:
                    notLeader(exchange);
                    break;
                default:
                    exchange.detail(503, "Service unavailable: the engine is not serving");
                    break;
            }
        }
    }

    @Override
    public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Call call = calls.remove(correlationId);
        if (call == null)
        {
            return; // timed out, or a reply of another user of this session id
        }
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        call.exchange.eventLoop().execute(() -> complete(call, copy));
    }

    @Override
    public void onFlush()
    {
        // Every reply was already handed to its event loop; each response is flushed when written.
    }

    /** A 307 to the same URI on the leader, or a 503 to retry when no leader is known (an election). */
    private void notLeader(final Exchange exchange)
    {
        final String leader = gateway.leaderId();
        final String base = leader == null ? null : leaderUrl.apply(leader);
        if (base == null)
        {
            exchange.detail(503, "Service unavailable: this node does not lead the cluster and no leader is known " +
                "yet; retry shortly");
            return;
        }
        exchange.redirect(base + exchange.uri());
    }

    private void complete(final Call call, final byte[] reply)
    {
        cancelTimeout(call);
        if (isTransportError(reply))
        {
            // Written by the cluster gateway: leadership moved while the request was in flight. Its outcome is
            // unknown, as with a 504; the client retries (Exosphere's SDK does for 5xx).
            call.exchange.detail(503, "Service unavailable: leadership moved while the request was in flight; " +
                "it may or may not have been applied, retry it");
            return;
        }
        final Object decoded = DECODERS.get().decode(new UnsafeBuffer(reply), 0, reply.length);
        call.exchange.run(() -> call.onReply.accept(decoded));
    }

    private void onTimeout(final long correlationId)
    {
        final Call call = calls.remove(correlationId);
        if (call != null)
        {
            call.exchange.detail(504, "Request timed out: the engine did not answer within " + timeoutMs +
                " ms; the command may still have been applied");
        }
    }

    private static boolean isTransportError(final byte[] reply)
    {
        if (reply.length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return false;
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(reply), 0);
        return header.templateId() == TransportErrorDecoder.TEMPLATE_ID &&
            header.schemaId() == TransportErrorDecoder.SCHEMA_ID;
    }

    private static void cancelTimeout(final Call call)
    {
        if (call.timeout != null)
        {
            call.timeout.cancel(false);
        }
    }

    private static void trim(final Encoders encoders)
    {
        if (encoders.message.capacity() > KEEP_BUFFER_BYTES || encoders.scratch.capacity() > KEEP_BUFFER_BYTES)
        {
            ENCODERS.remove();
        }
    }
}
