package io.exostate.transport;

import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.DecodeError;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.Utf8Interner;
import io.exostate.core.codec.sbe.HelloDecoder;
import io.exostate.core.engine.Commands;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection of the binary protocol: the hello, the checks at the edge, the offer to the {@link CommandGateway},
 * and the {@link ReplySink} the gateway answers through.
 * <p>
 * <b>Inbound, on the channel's event loop.</b> Every frame (the framer has stripped the length field) is checked
 * before anything is offered: at least a correlation id and a message header; schema {@value FrameDescriptor#SCHEMA_ID}
 * and a version in 1..{@value FrameDescriptor#SCHEMA_VERSION} ({@code UNSUPPORTED_VERSION}); {@code Hello} first
 * ({@code NOT_AUTHENTICATED}); a command (1-11) or query (201-208) template ({@code UNKNOWN_MESSAGE}); a body that
 * {@link CommandDecoder#validate} or {@link QueryDecoder} accepts ({@code MALFORMED_FRAME}); the session's namespace
 * ({@code NAMESPACE_MISMATCH}). A claim whose {@code max} is beyond one reply's capacity is answered with the
 * decoder's {@code Rejected(LIMIT_EXCEEDED)} and keeps the connection. The gateway copies the message out of the
 * frame, which is then released.
 * <p>
 * <b>Replies, on the engine thread.</b> {@link #onReply} appends {@code [length][correlation id][reply]} to one pooled
 * buffer per batch; {@link #onFlush} hands it to the channel with one {@code writeAndFlush} (Netty moves the write to
 * the event loop). When the channel is not writable (above the high water mark) the session stops reading; if the
 * queued bytes pass {@link BinaryServer.Context#maxPendingBytes()}, or the channel stays unwritable for
 * {@link BinaryServer.Context#slowConsumerTimeoutMs()}, the connection is closed with {@code SLOW_CONSUMER}.
 * <p>
 * <b>Allocation:</b> a hot command (claim, executed, errored, heartbeat, re-enqueue) allocates nothing beyond
 * Netty's pooled buffers once its names were interned; hello, queries, cold commands and errors allocate.
 * Not {@code @Sharable}: one instance per channel.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter implements ReplySink
{
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** A reply batch above this size is handed to the channel before the batch ends, so no buffer grows unbounded. */
    private static final int REPLY_BATCH_LIMIT = 64 * 1024;
    private static final int REPLY_BATCH_INITIAL = 1024;
    private static final int FIRST_QUERY = 201;
    private static final int LAST_QUERY = 208;
    private static final int FIRST_COMMAND = 1;
    private static final int LAST_COMMAND = 11;

    /** {@code validate} never calls its target; any call would be a bug in the decoder, so it fails loudly. */
    private static final Commands NO_TARGET = (Commands)Proxy.newProxyInstance(
        Commands.class.getClassLoader(),
        new Class<?>[]{ Commands.class },
        (proxy, method, args) ->
        {
            throw new IllegalStateException("CommandDecoder.validate must not call " + method.getName());
        });

    private enum State
    {
        AWAITING_HELLO,
        OPEN,
        CLOSING
    }

    private final BinaryChannelInitializer server;
    private final CommandGateway gateway;
    private final TransportCounters counters;
    private final long slowConsumerTimeoutMs;
    private final long maxPendingBytes;
    private final int lowWaterMark;

    // Event-loop state.
    private final SessionCodec sessionCodec = new SessionCodec();
    private final ReplyEncoder rejections = new ReplyEncoder();
    private final CommandDecoder validator = new CommandDecoder(NO_TARGET, rejections, new Utf8Interner(64, 256));
    private final QueryDecoder queries = new QueryDecoder();
    private final CommandNamespace commandNamespace = new CommandNamespace();
    private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(512);
    private final ExpandableArrayBuffer sealedUpsert = new ExpandableArrayBuffer(512);
    /** Correlation ids of state-secrets queries in flight: their replies are decrypted before they leave. */
    private final java.util.Set<Long> secretQueries = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private EdgeSecrets edgeSecrets;
    private byte[] copied = new byte[0];
    private ChannelHandlerContext ctx;
    private Channel channel;
    private State state = State.AWAITING_HELLO;
    private long sessionId;
    private String namespace;
    private byte[] namespaceBytes;
    private boolean active;
    private boolean sessionOpened;
    private long offered;
    private ScheduledFuture<?> slowConsumerCheck;

    // Engine-thread state.
    private final UnsafeBuffer replyView = new UnsafeBuffer(0, 0);
    private ByteBuf replyBatch;

    // Shared: written by one thread, read by the other.
    /** Replies delivered, written by the engine thread only (single writer). */
    private final AtomicLong replied = new AtomicLong();
    /** Set once the session stops; the engine thread drops replies from then on. */
    private volatile boolean closed;

    SessionHandler(final BinaryChannelInitializer server)
    {
        this.server = server;
        this.gateway = server.gateway();
        this.counters = server.counters();
        this.slowConsumerTimeoutMs = server.context().slowConsumerTimeoutMs();
        this.maxPendingBytes = server.context().maxPendingBytes();
        this.lowWaterMark = server.context().writeBufferLowWaterMark();
        this.edgeSecrets = new EdgeSecrets(server.context().secretsCipher());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Lifecycle, on the event loop.

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        this.channel = ctx.channel();
        if (channel.isActive())
        {
            // Added to a channel that is active already: channelActive will not come.
            onActive();
        }
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        onActive();
        ctx.fireChannelActive();
    }

    private void onActive()
    {
        if (!active)
        {
            active = true;
            counters.onConnectionAccepted();
            server.sessions().add(this);
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        closed = true;
        state = State.CLOSING;
        cancelSlowConsumerCheck();
        if (sessionOpened)
        {
            sessionOpened = false;
            gateway.closeSession(sessionId);
        }
        server.sessions().remove(this);
        counters.onConnectionClosed();
        ctx.fireChannelInactive();
    }

    /**
     * Sends {@code SHUTTING_DOWN} and closes, from any thread.
     *
     * @return the channel's close future.
     */
    ChannelFuture shutdown()
    {
        channel.eventLoop().execute(() -> fail(TransportErrorCode.SHUTTING_DOWN, 0, "The server is shutting down"));
        return channel.closeFuture();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt instanceof IdleStateEvent idle)
        {
            onIdle(idle);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onIdle(final IdleStateEvent idle)
    {
        if (state == State.CLOSING)
        {
            channel.close();
            return;
        }
        // A client waiting on a parked long-poll claim sends nothing: give it one more period, not more.
        if (idle.isFirst() && offered - replied.get() > 0)
        {
            return;
        }
        fail(TransportErrorCode.IDLE_TIMEOUT, 0, "Expected a frame at least every " +
            server.context().idleTimeoutMs() + " ms, but none came");
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (!channel.isWritable())
        {
            // Stop reading: a client that does not read its replies must not be able to queue more requests.
            channel.config().setAutoRead(false);
            if (slowConsumerCheck == null && state != State.CLOSING)
            {
                slowConsumerCheck =
                    ctx.executor().schedule(this::checkSlowConsumer, slowConsumerTimeoutMs, TimeUnit.MILLISECONDS);
            }
        }
        else
        {
            cancelSlowConsumerCheck();
            if (state != State.CLOSING)
            {
                channel.config().setAutoRead(true);
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void checkSlowConsumer()
    {
        slowConsumerCheck = null;
        if (!channel.isWritable() && state != State.CLOSING)
        {
            fail(TransportErrorCode.SLOW_CONSUMER, 0, "Expected the client to read its replies, but the connection " +
                "stayed above its write buffer high water mark for " + slowConsumerTimeoutMs + " ms");
        }
    }

    private void cancelSlowConsumerCheck()
    {
        final ScheduledFuture<?> check = slowConsumerCheck;
        if (check != null)
        {
            slowConsumerCheck = null;
            check.cancel(false);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (cause instanceof TooLongFrameException)
        {
            fail(TransportErrorCode.FRAME_TOO_LARGE, 0, "Expected a frame length of at most " +
                server.maxFrameLength() + " bytes, but " + cause.getMessage());
        }
        else if (cause instanceof DecoderException)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, 0, "Expected a well-formed frame, but " + cause.getMessage());
        }
        else if (cause instanceof IOException)
        {
            LOG.debug("session {} on {}: I/O error, closing", sessionId, channel, cause);
            channel.close();
        }
        else
        {
            // Never let one connection's failure reach the server: log it and close only this channel.
            LOG.debug("session {} on {}: unexpected error, closing", sessionId, channel, cause);
            channel.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inbound frames, on the event loop.

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!(msg instanceof ByteBuf frame))
        {
            ctx.fireChannelRead(msg);
            return;
        }
        try
        {
            if (state != State.CLOSING)
            {
                onFrame(frame);
            }
        }
        finally
        {
            frame.release();
        }
    }

    private void onFrame(final ByteBuf frame)
    {
        final int frameLength = frame.readableBytes();
        final int index = frame.readerIndex();
        final long correlationId = frameLength >= FrameDescriptor.CORRELATION_ID_LENGTH ? frame.getLongLE(index) : 0;
        if (frameLength < FrameDescriptor.MIN_FRAME_LENGTH)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, correlationId, "Expected a frame length of at least " +
                FrameDescriptor.MIN_FRAME_LENGTH + " (correlation id and message header), but it is " + frameLength);
            return;
        }
        final int length = frameLength - FrameDescriptor.CORRELATION_ID_LENGTH;
        wrapMessage(frame, index + FrameDescriptor.CORRELATION_ID_LENGTH, length);

        final int schemaId = message.getShort(FrameDescriptor.SCHEMA_ID_OFFSET, ORDER) & 0xFFFF;
        final int version = message.getShort(FrameDescriptor.VERSION_OFFSET, ORDER) & 0xFFFF;
        final int templateId = message.getShort(FrameDescriptor.TEMPLATE_ID_OFFSET, ORDER) & 0xFFFF;
        if (schemaId != FrameDescriptor.SCHEMA_ID)
        {
            fail(TransportErrorCode.UNSUPPORTED_VERSION, correlationId,
                "Expected schema id " + FrameDescriptor.SCHEMA_ID + ", but was " + schemaId);
            return;
        }
        if (version < 1 || version > FrameDescriptor.SCHEMA_VERSION)
        {
            fail(TransportErrorCode.UNSUPPORTED_VERSION, correlationId,
                "Expected schema version 1.." + FrameDescriptor.SCHEMA_VERSION + ", but was " + version);
            return;
        }
        if (state == State.AWAITING_HELLO)
        {
            if (templateId == HelloDecoder.TEMPLATE_ID)
            {
                onHello(correlationId, length);
            }
            else
            {
                fail(TransportErrorCode.NOT_AUTHENTICATED, correlationId,
                    "Expected Hello (template 401) as the first frame, but got template " + templateId);
            }
            return;
        }
        if (templateId >= FIRST_COMMAND && templateId <= LAST_COMMAND)
        {
            onCommand(correlationId, length);
        }
        else if (templateId >= FIRST_QUERY && templateId <= LAST_QUERY)
        {
            onQuery(correlationId, length);
        }
        else if (templateId == HelloDecoder.TEMPLATE_ID)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, correlationId, "Expected one Hello per session, but got another");
        }
        else
        {
            fail(TransportErrorCode.UNKNOWN_MESSAGE, correlationId,
                "Expected a command (1-11) or a query (201-208), but got template " + templateId);
        }
    }

    /** Points {@link #message} at exactly the message bytes, without a copy when the frame's memory allows. */
    private void wrapMessage(final ByteBuf frame, final int index, final int length)
    {
        if (frame.hasMemoryAddress())
        {
            message.wrap(frame.memoryAddress() + index, length);
        }
        else if (frame.hasArray())
        {
            message.wrap(frame.array(), frame.arrayOffset() + index, length);
        }
        else
        {
            if (copied.length < length)
            {
                copied = new byte[Math.max(length, copied.length * 2)];
            }
            frame.getBytes(index, copied, 0, length);
            message.wrap(copied, 0, length);
        }
    }

    private void onHello(final long correlationId, final int length)
    {
        if (correlationId != 0)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, correlationId,
                "Expected Hello with correlation id 0, but it was " + correlationId);
            return;
        }
        final SessionCodec.Hello hello = sessionCodec.decodeHello(message, 0, length);
        if (hello == null)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, 0, sessionCodec.lastError());
            return;
        }
        if (hello.protocolVersion() != FrameDescriptor.PROTOCOL_VERSION)
        {
            fail(TransportErrorCode.UNSUPPORTED_VERSION, 0, "Expected protocol version " +
                FrameDescriptor.PROTOCOL_VERSION + ", but Hello names " + hello.protocolVersion());
            return;
        }
        if (!server.apiKeyMatches(hello.apiKey()))
        {
            fail(TransportErrorCode.AUTH_FAILED, 0, "Expected a valid API key, but the one in Hello is not");
            return;
        }
        if (hello.namespace().isEmpty())
        {
            fail(TransportErrorCode.MALFORMED_FRAME, 0, "Expected a namespace name in Hello, but it is empty");
            return;
        }
        sessionId = server.context().sessionIds().getAsLong();
        namespace = hello.namespace();
        namespaceBytes = namespace.getBytes(StandardCharsets.UTF_8);
        gateway.openSession(sessionId, this);
        sessionOpened = true;
        state = State.OPEN;
        counters.onSessionOpened();
        LOG.debug("session {} opened on {}: {}", sessionId, channel, hello);

        final int replyLength = sessionCodec.helloReply(scratch, 0, sessionId, server.maxFrameLength(),
            server.context().idleTimeoutMs(), server.context().serverVersion());
        channel.writeAndFlush(frame(0, scratch, replyLength), channel.voidPromise());
    }

    private void onCommand(final long correlationId, final int length)
    {
        final DecodeError error = validator.validate(message, 0, length);
        if (error != null)
        {
            if (error.kind() == DecodeError.Kind.LIMIT_EXCEEDED)
            {
                // Well formed but beyond what one reply can carry: a client mistake, answered, connection kept.
                final int rejectedLength = rejections.rejected(scratch, 0, error.rejectCode(), error.detail());
                channel.writeAndFlush(frame(correlationId, scratch, rejectedLength), channel.voidPromise());
                return;
            }
            fail(TransportErrorCode.MALFORMED_FRAME, correlationId, error.detail());
            return;
        }
        if (!commandNamespace.matches(message, 0, namespaceBytes))
        {
            final int at = commandNamespace.position(message, 0);
            final String named = message.getStringWithoutLengthUtf8(at + 4, message.getInt(at, ORDER));
            fail(TransportErrorCode.NAMESPACE_MISMATCH, correlationId, "Expected commands of namespace " +
                namespace + ", but template " + templateId() + " names " + named);
            return;
        }
        if (templateId() == io.exostate.core.codec.sbe.UpsertGraphDecoder.TEMPLATE_ID)
        {
            // Decision 11: secrets are encrypted here, before the command reaches the journal or the log.
            final EdgeSecrets.Sealed sealed = edgeSecrets.sealUpsert(message, length, sealedUpsert);
            if (sealed.rejection() != null)
            {
                final int rejectedLength = rejections.rejected(scratch, 0, sealed.rejection());
                channel.writeAndFlush(frame(correlationId, scratch, rejectedLength), channel.voidPromise());
                return;
            }
            offer(correlationId, sealed.buffer(), sealed.length());
            return;
        }
        offer(correlationId, length);
    }

    private void onQuery(final long correlationId, final int length)
    {
        final Query query = queries.decode(message, 0, length);
        if (query instanceof Query.Invalid invalid)
        {
            fail(TransportErrorCode.MALFORMED_FRAME, correlationId, invalid.error().detail());
            return;
        }
        final String named = namespaceOf(query);
        if (named != null && !named.equals(namespace))
        {
            fail(TransportErrorCode.NAMESPACE_MISMATCH, correlationId, "Expected queries of namespace " + namespace +
                ", but template " + templateId() + " names " + named);
            return;
        }
        if (query instanceof Query.GetStateSecrets)
        {
            secretQueries.add(correlationId);
        }
        offer(correlationId, length);
    }

    private int templateId()
    {
        return message.getShort(FrameDescriptor.TEMPLATE_ID_OFFSET, ORDER) & 0xFFFF;
    }

    private static String namespaceOf(final Query query)
    {
        if (query instanceof Query.ListNodes q)
        {
            return q.namespace();
        }
        if (query instanceof Query.GetGraph q)
        {
            return q.namespace();
        }
        if (query instanceof Query.ListGraphs q)
        {
            return q.namespace();
        }
        if (query instanceof Query.ListRuns q)
        {
            return q.namespace();
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return q.namespace();
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            return q.namespace();
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            return q.namespace();
        }
        return null; // ListNamespaces names none
    }

    private void offer(final long correlationId, final int length)
    {
        offer(correlationId, message, length);
    }

    private void offer(final long correlationId, final DirectBuffer bytes, final int length)
    {
        // Counted before the offer: a synchronous gateway may reply inside it.
        offered++;
        final CommandGateway.Offer result = gateway.offer(sessionId, correlationId, bytes, 0, length);
        if (result != CommandGateway.Offer.ACCEPTED)
        {
            secretQueries.remove(correlationId);
        }
        switch (result)
        {
            case ACCEPTED:
                counters.onRequestOffered();
                break;
            case BUSY:
                offered--;
                sendError(TransportErrorCode.BUSY, correlationId,
                    "The server is busy: nothing was queued, retry the request later");
                break;
            case TOO_LARGE:
                offered--;
                fail(TransportErrorCode.FRAME_TOO_LARGE, correlationId, "Expected a message of at most " +
                    gateway.maxMessageLength() + " bytes, but it has " + length);
                break;
            case NOT_LEADER:
                offered--;
                final String leader = gateway.leaderId();
                final String address = leader == null ? null : server.context().leaderAddress().apply(leader);
                sendError(TransportErrorCode.NOT_LEADER, correlationId, address == null ?
                    "This node does not lead the cluster and no leader is known yet: retry shortly" :
                    "This node does not lead the cluster: send requests to the leader " + leader + " at " + address,
                    address);
                break;
            case CLOSED:
            default:
                offered--;
                fail(TransportErrorCode.SHUTTING_DOWN, correlationId, "The server does not serve requests now");
                break;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors, on the event loop.

    /** Answers one request with an error and keeps the connection ({@code BUSY}, {@code NOT_LEADER}). */
    private void sendError(final TransportErrorCode code, final long correlationId, final String detail)
    {
        sendError(code, correlationId, detail, null);
    }

    private void sendError(final TransportErrorCode code, final long correlationId, final String detail,
        final String leaderAddress)
    {
        counters.onErrorSent(code);
        final int length = sessionCodec.transportError(scratch, 0, code, detail, leaderAddress);
        channel.writeAndFlush(frame(correlationId, scratch, length), channel.voidPromise());
    }

    /** Sends a closing error once, stops reading and closes the connection when the error is written. */
    private void fail(final TransportErrorCode code, final long correlationId, final String detail)
    {
        if (state == State.CLOSING)
        {
            return;
        }
        state = State.CLOSING;
        closed = true;
        counters.onErrorSent(code);
        cancelSlowConsumerCheck();
        LOG.debug("session {} on {}: {} (correlation {}): {}", sessionId, channel, code, correlationId, detail);
        channel.config().setAutoRead(false);
        final int length = sessionCodec.transportError(scratch, 0, code, detail, null);
        final ByteBuf frame = frame(correlationId, scratch, length);
        if (code == TransportErrorCode.SLOW_CONSUMER)
        {
            // The client is not reading: the error queues behind the unread replies and will rarely arrive. Close now
            // rather than wait for a write that may never complete.
            channel.writeAndFlush(frame, channel.voidPromise());
            channel.close();
        }
        else
        {
            channel.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private ByteBuf frame(final long correlationId, final DirectBuffer src, final int length)
    {
        final ByteBuf out = channel.alloc().buffer(FrameDescriptor.FRAME_HEADER_LENGTH + length);
        out.writeIntLE(FrameDescriptor.CORRELATION_ID_LENGTH + length);
        out.writeLongLE(correlationId);
        out.writeBytes(src.byteArray(), 0, length);
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ReplySink, on the engine thread.

    @Override
    public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        replied.lazySet(replied.get() + 1); // single writer: this thread
        if (closed)
        {
            return;
        }
        if (!secretQueries.isEmpty() && secretQueries.remove(correlationId))
        {
            // Decrypting is the event loop's work, not the engine thread's: copy the reply and hand it over.
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            channel.eventLoop().execute(() -> sendOpenedSecrets(correlationId, copy));
            return;
        }
        if (!channel.isWritable() && channel.bytesBeforeWritable() + lowWaterMark > maxPendingBytes)
        {
            slowConsumer();
            return;
        }
        ByteBuf batch = replyBatch;
        final int frameLength = FrameDescriptor.FRAME_HEADER_LENGTH + length;
        if (batch != null && batch.readableBytes() + frameLength > REPLY_BATCH_LIMIT)
        {
            channel.write(batch, channel.voidPromise());
            batch = null;
        }
        if (batch == null)
        {
            batch = channel.alloc().directBuffer(Math.max(REPLY_BATCH_INITIAL, frameLength));
            replyBatch = batch;
        }
        batch.ensureWritable(frameLength);
        batch.writeIntLE(FrameDescriptor.CORRELATION_ID_LENGTH + length);
        batch.writeLongLE(correlationId);
        final int at = batch.writerIndex();
        if (batch.hasMemoryAddress())
        {
            replyView.wrap(batch.memoryAddress() + at, length);
            replyView.putBytes(0, buffer, offset, length);
        }
        else if (batch.hasArray())
        {
            buffer.getBytes(offset, batch.array(), batch.arrayOffset() + at, length);
        }
        else
        {
            buffer.getBytes(offset, batch.nioBuffer(at, length), 0, length);
        }
        batch.writerIndex(at + length);
    }

    @Override
    public void onFlush()
    {
        final ByteBuf batch = replyBatch;
        replyBatch = null;
        if (batch == null)
        {
            if (!closed)
            {
                channel.flush();
            }
            return;
        }
        if (closed)
        {
            batch.release();
            return;
        }
        channel.writeAndFlush(batch, channel.voidPromise());
    }

    private void sendOpenedSecrets(final long correlationId, final byte[] reply)
    {
        if (closed)
        {
            return;
        }
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(reply.length + 64);
        final int length = edgeSecrets.openSecretsReply(new UnsafeBuffer(reply), reply.length, out);
        channel.writeAndFlush(frame(correlationId, out, length), channel.voidPromise());
    }

    private void slowConsumer()
    {
        closed = true;
        final ByteBuf batch = replyBatch;
        if (batch != null)
        {
            replyBatch = null;
            batch.release();
        }
        final long pending = channel.bytesBeforeWritable() + lowWaterMark;
        channel.eventLoop().execute(() -> fail(TransportErrorCode.SLOW_CONSUMER, 0, "Expected the client to read " +
            "its replies, but " + pending + " bytes wait for it, more than " + maxPendingBytes));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // For tests.

    long sessionId()
    {
        return sessionId;
    }
}
