package io.exostate.transport.client;

import io.exostate.core.codec.DecodeError;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.sbe.HelloReplyDecoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.exostate.core.engine.Rejection;
import io.exostate.transport.TransportErrorCode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The connection of one {@link ExoClient}: a Netty channel on one I/O thread, the session handshake, the requests
 * waiting for their answers, timeouts, BUSY retries, reconnection with backoff, moving between the endpoints of a
 * cluster and leader following.
 * <p>
 * <b>Threading:</b> one writer. Every field below the constructor's is read and written on the I/O thread
 * ({@link #loop}) only; other threads reach it through {@link #submit(List)} and {@link #close()}, which hand
 * tasks to the loop. Futures of requests are completed on the I/O thread.
 * <p>
 * <b>Lifecycle of a connection:</b>
 * <pre>
 *   CONNECTING --tcp up--> HANDSHAKING --HelloReply--> READY
 *       |                      |                         |
 *       +--fails---------------+---TransportError/drop---+--> BACKING_OFF --delay--> CONNECTING
 *                                                        +--IDLE_TIMEOUT, nothing pending--> DORMANT
 *   DORMANT --next request--> CONNECTING;   any --close()--> CLOSED
 * </pre>
 * When the connection drops, requests in flight fail with {@link ExoException.Kind#CONNECTION_LOST} unless they are
 * {@link Request#resendable} (reports, claims, queries), which stay pending and are written again, the same bytes, on
 * the next session; requests not yet written wait for the next session.
 * <p>
 * <b>Where it connects</b> ({@link EndpointCycle}): the first configured endpoint, then
 * <ul>
 * <li>a NOT_LEADER answer naming a leader moves the client there (listed or not) and keeps every pending request
 * for it;</li>
 * <li>a NOT_LEADER without a leader (an election) is asked again after a backoff; after
 * {@value #NO_LEADER_ANSWERS_BEFORE_MOVING} such answers in a row to one request the client moves on to the next
 * endpoint;</li>
 * <li>a connection that cannot be opened, or that drops, moves the client to the next endpoint (round robin). The
 * delay before each attempt is the reconnect backoff, which grows only when a whole round of endpoints failed.</li>
 * </ul>
 * Each TCP connect and handshake may take the connect timeout divided by the number of endpoints, so that a node that
 * does not answer at all cannot use up the whole connect timeout of {@link ExoClient#connect}.
 */
final class ClientConductor
{
    private static final Logger LOG = LoggerFactory.getLogger(ExoClient.class);
    /** NOT_LEADER answers without a leader, in a row to one request, after which the client tries another node. */
    static final int NO_LEADER_ANSWERS_BEFORE_MOVING = 3;

    enum State
    {
        CONNECTING, HANDSHAKING, READY, BACKING_OFF, DORMANT, CLOSED
    }

    private final ExoClient.Context ctx;
    private final EventLoopGroup group;
    /** False when the group was given by {@link ExoClient.Context#eventLoopGroup}: its owner shuts it down. */
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final byte[] hello;
    /** How long one TCP connect, and one handshake, may take: the connect timeout shared among the endpoints. */
    private final long attemptTimeoutNs;
    private final CompletableFuture<SessionCodec.Opened> firstSession = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile SessionCodec.Opened session;

    // Owned by the I/O thread.
    private final Long2ObjectHashMap<Request> pending = new Long2ObjectHashMap<>();
    private final ReplyDecoder replyDecoder = new ReplyDecoder();
    private final SessionCodec sessionCodec = new SessionCodec();
    private final ExpandableArrayBuffer inbound = new ExpandableArrayBuffer(4096);
    private final Backoff reconnectBackoff;
    private State state = State.BACKING_OFF;
    private Channel channel;
    private ScheduledFuture<?> handshakeTimer;
    private final EndpointCycle endpoints;
    /** The endpoint of {@link #channel}. */
    private Endpoint connectedTo;
    /** True when this client closed the channel to go to another node ({@link EndpointCycle#current()}). */
    private boolean moving;
    /**
     * True when the node keeps answering that it knows no leader and the client will move on once nothing it wrote
     * on this session waits for an answer; requests answered meanwhile wait for the next session.
     */
    private boolean leaving;
    /** Moves to another node since the last answer: a second one in a row waits, against stale leader hints. */
    private int movesSinceAnswer;
    private boolean idleClosed;
    /** Why the last connection ended or failed; written on the I/O thread, read anywhere for diagnostics. */
    private volatile ExoException lastError;

    ClientConductor(final ExoClient.Context ctx)
    {
        this.ctx = ctx;
        this.endpoints = new EndpointCycle(ctx.endpoints());
        this.attemptTimeoutNs = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
            ctx.connectTimeout().toNanos() / endpoints.size());
        this.hello = SessionCodec.hello(ctx.namespace(), ctx.apiKey(), ctx.clientName());
        this.reconnectBackoff = new Backoff(ctx.reconnectBackoffMin().toNanos(), ctx.reconnectBackoffMax().toNanos());

        final boolean epoll = ctx.preferEpoll() && Epoll.isAvailable();
        final IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.ownsGroup = ctx.eventLoopGroup() == null;
        this.group = ownsGroup ? new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("exostate-client-" + ctx.clientName(), true), ioHandler) :
            ctx.eventLoopGroup();
        this.loop = group.next();
        this.bootstrap = new Bootstrap()
            .group(loop)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int)Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(attemptTimeoutNs)))
            .handler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline()
                        .addLast("frames", new LengthFieldBasedFrameDecoder(
                            SessionCodec.LE, ctx.maxInboundFrameLength(), 0, SessionCodec.LENGTH_FIELD, 0,
                            SessionCodec.LENGTH_FIELD, true))
                        .addLast("session", new SessionHandler());
                }
            });
    }

    /** Starts connecting; the future completes with the first session, or fails with a handshake refusal. */
    CompletableFuture<SessionCodec.Opened> start()
    {
        loop.execute(this::connect);
        return firstSession;
    }

    /** The current session, or null before the first hello reply. Any thread. */
    SessionCodec.Opened session()
    {
        return session;
    }

    /** Why the last connection ended or failed, or null. Any thread. */
    ExoException lastError()
    {
        return lastError;
    }

    /** True while a session is open (after its hello reply, until its connection drops). Any thread. */
    boolean isConnected()
    {
        return connected;
    }

    /** True on the client's I/O thread. */
    boolean inIoThread()
    {
        return loop.inEventLoop();
    }

    boolean isClosed()
    {
        return closed;
    }

    /** Hands requests to the I/O thread: each is written at once when a session is open, then flushed once. */
    void submit(final List<Request> requests)
    {
        if (closed)
        {
            failAll(requests, closedError());
            return;
        }
        try
        {
            loop.execute(() -> onSubmit(requests));
        }
        catch (final RejectedExecutionException ex)
        {
            failAll(requests, closedError());
        }
    }

    /**
     * Fails every pending request with {@link ExoException.Kind#CLOSED}, closes the connection and stops the I/O
     * thread, waiting up to {@code timeoutMs} for it unless called on it. Idempotent.
     */
    void close(final long timeoutMs)
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final CompletableFuture<Void> onLoopClosed = new CompletableFuture<>();
        try
        {
            loop.execute(() ->
            {
                onClose();
                onLoopClosed.complete(null);
            });
        }
        catch (final RejectedExecutionException ex)
        {
            LOG.debug("client I/O thread already stopped", ex);
            onLoopClosed.complete(null);
        }
        if (!ownsGroup)
        {
            // A shared group stays up for the other clients: wait only for this client's connection to be closed.
            if (!loop.inEventLoop())
            {
                try
                {
                    onLoopClosed.get(timeoutMs, TimeUnit.MILLISECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
                {
                    LOG.warn("client did not close within " + timeoutMs + " ms");
                }
            }
            return;
        }
        group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS);
        if (!loop.inEventLoop())
        {
            try
            {
                if (!group.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS))
                {
                    LOG.warn("client I/O thread did not stop within " + timeoutMs + " ms");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // I/O thread
    // ------------------------------------------------------------------------------------------------------------

    private void onSubmit(final List<Request> requests)
    {
        boolean wrote = false;
        for (final Request r : requests)
        {
            if (state == State.CLOSED)
            {
                r.future.completeExceptionally(closedError());
                continue;
            }
            pending.put(r.correlationId, r);
            r.timeout = loop.schedule(() -> onTimeout(r), r.timeoutNs, TimeUnit.NANOSECONDS);
            if (state == State.READY && !leaving)
            {
                wrote |= write(r);
            }
        }
        if (wrote)
        {
            channel.flush();
        }
        if (state == State.DORMANT && !pending.isEmpty())
        {
            connect();
        }
    }

    private void connect()
    {
        if (state == State.CLOSED)
        {
            return;
        }
        state = State.CONNECTING;
        idleClosed = false;
        final Endpoint target = endpoints.current();
        bootstrap.connect(target.host(), target.port()).addListener((ChannelFuture f) -> onConnected(f, target));
    }

    private void onConnected(final ChannelFuture f, final Endpoint target)
    {
        if (state == State.CLOSED)
        {
            f.channel().close();
            return;
        }
        if (!f.isSuccess())
        {
            lastError = ExoException.of(ExoException.Kind.CONNECTION_LOST,
                "cannot connect to " + target + ": " + f.cause(), f.cause());
            moveOn(target, lastError.getMessage(), false);
            return;
        }
        final Channel ch = f.channel();
        channel = ch;
        connectedTo = target;
        state = State.HANDSHAKING;
        lastError = null; // a failure of an earlier attempt is not why this connection may end
        final ByteBuf frame =
            ch.alloc().ioBuffer(SessionCodec.LENGTH_FIELD + SessionCodec.CORRELATION_LENGTH + hello.length);
        frame.writeIntLE(SessionCodec.CORRELATION_LENGTH + hello.length);
        frame.writeLongLE(0);
        frame.writeBytes(hello);
        ch.writeAndFlush(frame, ch.voidPromise());
        handshakeTimer = loop.schedule(() ->
        {
            if (channel == ch && state == State.HANDSHAKING)
            {
                lastError = ExoException.of(ExoException.Kind.TIMEOUT, "no hello reply from " + target + " within " +
                    TimeUnit.NANOSECONDS.toMillis(attemptTimeoutNs) + " ms", null);
                ch.close();
            }
        }, attemptTimeoutNs, TimeUnit.NANOSECONDS);
    }

    private void onFrame(final Channel ch, final ByteBuf frame)
    {
        if (ch != channel)
        {
            return;
        }
        final int frameLength = frame.readableBytes();
        if (frameLength < SessionCodec.CORRELATION_LENGTH + SessionCodec.HEADER_LENGTH)
        {
            protocolError(ch, "Expected a frame of at least " + (SessionCodec.CORRELATION_LENGTH +
                SessionCodec.HEADER_LENGTH) + " bytes, but got " + frameLength);
            return;
        }
        final long correlationId = frame.readLongLE();
        final int length = frameLength - SessionCodec.CORRELATION_LENGTH;
        inbound.checkLimit(length);
        frame.readBytes(inbound.byteArray(), 0, length);
        final int templateId = SessionCodec.templateId(inbound, length);
        if (templateId == HelloReplyDecoder.TEMPLATE_ID)
        {
            onHelloReply(ch, length);
        }
        else if (templateId == TransportErrorDecoder.TEMPLATE_ID)
        {
            onTransportError(ch, correlationId, length);
        }
        else if (state == State.READY)
        {
            onReply(correlationId, length);
        }
        else
        {
            protocolError(ch, "Expected a HelloReply or TransportError first, but got template " + templateId);
        }
    }

    private void onHelloReply(final Channel ch, final int length)
    {
        final SessionCodec.Opened opened = state == State.HANDSHAKING ?
            sessionCodec.helloReply(inbound.byteArray(), length) : null;
        if (opened == null)
        {
            protocolError(ch, "Expected one well-formed HelloReply after the hello, but got another in state " + state);
            return;
        }
        cancelHandshakeTimer();
        session = opened;
        state = State.READY;
        connected = true;
        reconnectBackoff.reset();
        endpoints.connected();
        lastError = null;
        LOG.info("connected to " + connectedTo + " (session " + opened.sessionId() +
            ", server " + opened.serverVersion() + ", max frame " + opened.maxFrameLength() + ", idle timeout " +
            opened.idleTimeoutMs() + " ms)");
        firstSession.complete(opened);

        // Send what waited for this session in submission order: requests kept from the last one first.
        final List<Request> unsent = new ArrayList<>();
        for (final Request r : pending.values())
        {
            r.noLeaderAnswersHere = 0;
            if (!r.sent)
            {
                unsent.add(r);
            }
        }
        writeInOrder(unsent, ch);
    }

    /** Writes {@code requests} in submission order and flushes once. */
    private void writeInOrder(final List<Request> requests, final Channel ch)
    {
        requests.sort(Comparator.comparingLong(r -> r.correlationId));
        boolean wrote = false;
        for (final Request r : requests)
        {
            wrote |= write(r);
        }
        if (wrote)
        {
            ch.flush();
        }
    }

    private void onTransportError(final Channel ch, final long correlationId, final int length)
    {
        final SessionCodec.Error error = sessionCodec.transportError(inbound.byteArray(), length);
        if (error == null)
        {
            protocolError(ch, "Expected a well-formed TransportError, but it could not be decoded");
            return;
        }
        final TransportErrorCode code = TransportErrorCode.fromCode(error.code());
        final Request request = correlationId != 0 ? pending.get(correlationId) : null;
        final ExoException ex = ExoException.transport(error.code(), error.detail());

        if (code == TransportErrorCode.BUSY && request != null)
        {
            request.sent = false;
            request.busyAnswers++;
            final long delayNs = Backoff.attemptNs(
                ctx.busyBackoffMin().toNanos(), ctx.busyBackoffMax().toNanos(), request.busyAnswers);
            loop.schedule(() -> resend(request), delayNs, TimeUnit.NANOSECONDS);
            maybeLeave();
            return;
        }
        if (code == TransportErrorCode.NOT_LEADER)
        {
            onNotLeader(ch, correlationId, request, error, ex);
            return;
        }

        lastError = ex;
        if (code == TransportErrorCode.IDLE_TIMEOUT)
        {
            idleClosed = true;
        }
        if (request != null)
        {
            if (code == TransportErrorCode.SHUTTING_DOWN || request.resendable && ExoException.retriable(code))
            {
                // SHUTTING_DOWN for a request: refused at the node's ingress, nothing of it reached the engine
                // (docs/protocol.md), so any request goes to the next node, as does a report refused retriably. A
                // cluster node that does not lead answers so today, then closes: the client moves on.
                request.sent = false;
            }
            else
            {
                pending.remove(correlationId);
                fail(request, ex);
            }
        }
        if (state == State.HANDSHAKING && !firstSession.isDone() && fatalForHandshake(code))
        {
            LOG.warn("the server refused the session: " + ex.getMessage());
            firstSession.completeExceptionally(ex);
        }
        else
        {
            LOG.info("the server ends the session: " + ex.getMessage());
        }
        ch.close();
    }

    /**
     * A node that does not lead: follow the leader it names; else (an election) ask again after a backoff, and try
     * the next endpoint after {@value #NO_LEADER_ANSWERS_BEFORE_MOVING} such answers in a row. The request stays
     * pending either way: a NOT_LEADER answer means the request was not applied there.
     */
    private void onNotLeader(
        final Channel ch,
        final long correlationId,
        final Request request,
        final SessionCodec.Error error,
        final ExoException ex)
    {
        if (request != null)
        {
            request.sent = false;
        }
        if (moving)
        {
            return; // already on the way to another node, with every pending request
        }
        final Endpoint here = connectedTo;
        final Endpoint leader = Endpoint.leaderAddress(error.leaderAddress());
        if (leader != null && !leader.equals(here))
        {
            LOG.info(here + " is not the leader; following " + leader +
                (endpoints.isListed(leader) ? "" : " (not one of the configured endpoints)"));
            endpoints.follow(leader);
            moveAway(ch);
        }
        else if (request != null)
        {
            // No leader known yet (an election), or the node names itself: wait and ask again, or ask another node.
            request.noLeaderAnswers++;
            request.noLeaderAnswersHere++;
            if (endpoints.size() > 1 && request.noLeaderAnswersHere >= NO_LEADER_ANSWERS_BEFORE_MOVING && !leaving)
            {
                leaving = true;
                LOG.debug(here + " answered NOT_LEADER without a leader " + request.noLeaderAnswersHere +
                    " times in a row to one request: leaving it once nothing written to it waits for an answer");
            }
            if (!leaving)
            {
                final long delayNs = Backoff.attemptNs(ctx.reconnectBackoffMin().toNanos(),
                    ctx.reconnectBackoffMax().toNanos(), request.noLeaderAnswers);
                loop.schedule(() -> resend(request), delayNs, TimeUnit.NANOSECONDS);
            }
            maybeLeave();
        }
        else if (correlationId == 0)
        {
            // The session itself was refused (a node that takes no sessions while it knows no leader).
            lastError = ex;
            ch.close();
        }
        else
        {
            LOG.debug("NOT_LEADER for correlation id " + correlationId + ", which nothing waits for, dropped");
        }
    }

    /** Closes the channel to go to {@link EndpointCycle#current()}, keeping every pending request for it. */
    private void moveAway(final Channel ch)
    {
        moving = true;
        leaving = false;
        ch.close();
    }

    /**
     * Moves on from a node that knows no leader once nothing written to it waits for an answer: it may become the
     * leader and apply what it has, and an answer left behind would make a request sent twice.
     */
    private void maybeLeave()
    {
        if (leaving && state == State.READY && channel != null && !anyInFlight())
        {
            final Endpoint here = connectedTo;
            final Endpoint next = endpoints.advance();
            LOG.info(here + " keeps answering NOT_LEADER without a leader; trying " + next);
            moveAway(channel);
        }
    }

    /** True when a request written on this session waits for its answer. */
    private boolean anyInFlight()
    {
        for (final Request r : pending.values())
        {
            if (r.sent)
            {
                return true;
            }
        }
        return false;
    }

    /** The node answered a request: it leads after all. Writes what waited to leave it. */
    private void stay()
    {
        leaving = false;
        final List<Request> held = new ArrayList<>();
        for (final Request r : pending.values())
        {
            if (!r.sent)
            {
                held.add(r);
            }
        }
        writeInOrder(held, channel);
    }

    private void onReply(final long correlationId, final int length)
    {
        movesSinceAnswer = 0;
        if (leaving)
        {
            stay();
        }
        final Request request = pending.remove(correlationId);
        if (request == null)
        {
            // The request timed out (or was failed) before its answer came: nothing waits for it.
            LOG.debug("late reply for correlation id " + correlationId + " dropped");
            return;
        }
        cancel(request.timeout);
        final Object reply = replyDecoder.decode(inbound, 0, length);
        if (reply instanceof Rejection rejection)
        {
            request.future.completeExceptionally(ExoException.rejected(rejection));
        }
        else if (reply instanceof DecodeError error)
        {
            request.future.completeExceptionally(ExoException.of(ExoException.Kind.PROTOCOL,
                "the reply to correlation id " + correlationId + " could not be decoded: " + error, null));
        }
        else if (!request.replyType.isInstance(reply))
        {
            request.future.completeExceptionally(ExoException.of(ExoException.Kind.PROTOCOL,
                "Expected a " + request.replyType.getSimpleName() + " for correlation id " + correlationId +
                ", but got a " + reply.getClass().getSimpleName(), null));
        }
        else
        {
            request.future.complete(reply);
        }
    }

    private void onInactive(final Channel ch)
    {
        if (ch != channel)
        {
            return;
        }
        channel = null;
        connected = false;
        cancelHandshakeTimer();
        if (state == State.CLOSED)
        {
            return;
        }
        final boolean wasReady = state == State.READY;
        final Endpoint lostEndpoint = connectedTo;
        final boolean keepEverything = moving;
        moving = false;
        leaving = false;
        if (lastError == null)
        {
            lastError = ExoException.of(ExoException.Kind.CONNECTION_LOST,
                "the connection to " + lostEndpoint + " closed", null);
        }
        final ExoException lost = ExoException.of(ExoException.Kind.CONNECTION_LOST,
            "the connection to " + lostEndpoint + " was lost while the request was in flight: " +
            lastError.getMessage(), lastError);
        final List<Request> inFlight = new ArrayList<>();
        for (final Request r : pending.values())
        {
            // A resendable request is written again, the same bytes, on the next session; another one may have been
            // applied, so its caller decides (unless we left a node that answers NOT_LEADER: it applies nothing).
            if (r.sent && !r.resendable && !keepEverything)
            {
                inFlight.add(r);
            }
            r.sent = false;
        }
        for (final Request r : inFlight)
        {
            pending.remove(r.correlationId);
            fail(r, lost);
        }
        if (firstSession.isCompletedExceptionally())
        {
            // The first handshake was refused: ExoClient.connect closes the client.
            state = State.BACKING_OFF;
            return;
        }
        if (keepEverything)
        {
            // To the leader a NOT_LEADER named, or on from a node that knows none: at once the first time, then
            // with a growing delay while moves bring no answer (two nodes naming each other, a stale leader).
            final int moves = movesSinceAnswer++;
            scheduleReconnect(moves == 0 ? 0 : Backoff.attemptNs(
                ctx.reconnectBackoffMin().toNanos(), ctx.reconnectBackoffMax().toNanos(), moves));
        }
        else if (idleClosed)
        {
            // The node is fine, the session was idle: come back to it when there is something to send.
            if (wasReady)
            {
                LOG.info("disconnected from " + lostEndpoint + ": " + lastError.getMessage());
            }
            if (pending.isEmpty())
            {
                state = State.DORMANT;
            }
            else
            {
                scheduleReconnect(reconnectBackoff.nextNs());
            }
        }
        else
        {
            moveOn(lostEndpoint, (wasReady ? "disconnected from " : "no session with ") + lostEndpoint + " (" +
                lastError.getMessage() + ")", wasReady);
        }
    }

    /**
     * The connection to {@code from} could not be opened or was lost: reconnect to the next endpoint (the same one
     * when only one is configured) after the reconnect backoff, which grows when a whole round failed. Logs one line:
     * INFO when the client switches endpoints or lost a session, else DEBUG (one endpoint, still unreachable).
     */
    private void moveOn(final Endpoint from, final String what, final boolean lostSession)
    {
        final boolean roundFailed = endpoints.failed();
        final Endpoint next = endpoints.current();
        final long delayNs = roundFailed ? reconnectBackoff.nextNs() : reconnectBackoff.sameNs();
        if (!next.equals(from))
        {
            LOG.info(what + "; trying " + next + " in " + TimeUnit.NANOSECONDS.toMillis(delayNs) + " ms");
        }
        else if (lostSession)
        {
            LOG.info(what);
        }
        else
        {
            LOG.debug(what);
        }
        scheduleReconnect(delayNs);
    }

    private void onTimeout(final Request request)
    {
        if (pending.get(request.correlationId) != request)
        {
            return;
        }
        pending.remove(request.correlationId);
        maybeLeave();
        final long timeoutMs = TimeUnit.NANOSECONDS.toMillis(request.timeoutNs);
        if (request.busyAnswers > 0 && state == State.READY)
        {
            request.future.completeExceptionally(ExoException.transport(TransportErrorCode.BUSY.code(),
                "the server stayed busy for " + timeoutMs + " ms (" + request.busyAnswers + " BUSY answers)"));
        }
        else if (request.noLeaderAnswers > 0 && state == State.READY)
        {
            request.future.completeExceptionally(ExoException.transport(TransportErrorCode.NOT_LEADER.code(),
                "no leader within " + timeoutMs + " ms (" + request.noLeaderAnswers +
                " NOT_LEADER answers without a leader address)"));
        }
        else
        {
            request.future.completeExceptionally(ExoException.of(ExoException.Kind.TIMEOUT,
                "no answer within " + timeoutMs + " ms" + (state == State.READY ? "" : " (not connected: " +
                (lastError == null ? state : lastError.getMessage()) + ")"), lastError));
        }
    }

    private void onClose()
    {
        state = State.CLOSED;
        connected = false;
        cancelHandshakeTimer();
        final ExoException ex = closedError();
        final List<Request> all = new ArrayList<>(pending.values());
        pending.clear();
        for (final Request r : all)
        {
            fail(r, ex);
        }
        firstSession.completeExceptionally(ex);
        if (channel != null)
        {
            channel.close();
            channel = null;
        }
    }

    private void resend(final Request request)
    {
        if (state == State.READY && !leaving && !request.sent && pending.get(request.correlationId) == request)
        {
            if (write(request))
            {
                channel.flush();
            }
        }
    }

    /** Writes one frame without flushing; false when the request was failed instead. */
    private boolean write(final Request request)
    {
        final int frameLength = SessionCodec.CORRELATION_LENGTH + request.message.length;
        final SessionCodec.Opened opened = session;
        if (opened != null && opened.maxFrameLength() > 0 && frameLength > opened.maxFrameLength())
        {
            pending.remove(request.correlationId);
            fail(request, ExoException.of(ExoException.Kind.INVALID, "Expected a frame of at most " +
                opened.maxFrameLength() + " bytes (the server's limit), but the request needs " + frameLength, null));
            return false;
        }
        final ByteBuf frame = channel.alloc().ioBuffer(SessionCodec.LENGTH_FIELD + frameLength);
        frame.writeIntLE(frameLength);
        frame.writeLongLE(request.correlationId);
        frame.writeBytes(request.message);
        channel.write(frame, channel.voidPromise());
        request.sent = true;
        request.writes++;
        return true;
    }

    private void scheduleReconnect(final long delayNs)
    {
        state = State.BACKING_OFF;
        if (delayNs <= 0)
        {
            connect();
        }
        else
        {
            loop.schedule(this::connect, delayNs, TimeUnit.NANOSECONDS);
        }
    }

    private void protocolError(final Channel ch, final String detail)
    {
        lastError = ExoException.of(ExoException.Kind.PROTOCOL, detail, null);
        LOG.warn("closing the connection to " + connectedTo + ": " + detail);
        ch.close();
    }

    private void fail(final Request request, final ExoException ex)
    {
        cancel(request.timeout);
        request.future.completeExceptionally(ex);
    }

    private void cancelHandshakeTimer()
    {
        cancel(handshakeTimer);
        handshakeTimer = null;
    }

    private static void cancel(final ScheduledFuture<?> timer)
    {
        if (timer != null)
        {
            timer.cancel(false);
        }
    }

    private static void failAll(final List<Request> requests, final ExoException ex)
    {
        for (final Request r : requests)
        {
            r.future.completeExceptionally(ex);
        }
    }

    private static ExoException closedError()
    {
        return ExoException.of(ExoException.Kind.CLOSED, "the client is closed", null);
    }

    private static boolean fatalForHandshake(final TransportErrorCode code)
    {
        return code == TransportErrorCode.AUTH_FAILED || code == TransportErrorCode.UNSUPPORTED_VERSION ||
            code == TransportErrorCode.NAMESPACE_MISMATCH || code == TransportErrorCode.NOT_AUTHENTICATED ||
            code == TransportErrorCode.MALFORMED_FRAME || code == TransportErrorCode.UNKNOWN_MESSAGE;
    }

    /** The pipeline's last handler for one channel; not sharable (one per connection). */
    private final class SessionHandler extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(final ChannelHandlerContext handlerCtx, final Object msg)
        {
            try
            {
                onFrame(handlerCtx.channel(), (ByteBuf)msg);
            }
            finally
            {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext handlerCtx)
        {
            onInactive(handlerCtx.channel());
            handlerCtx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext handlerCtx, final Throwable cause)
        {
            if (handlerCtx.channel() == channel)
            {
                lastError = ExoException.of(ExoException.Kind.CONNECTION_LOST, String.valueOf(cause), cause);
            }
            LOG.debug("connection error, closing", cause);
            handlerCtx.close();
        }
    }
}
