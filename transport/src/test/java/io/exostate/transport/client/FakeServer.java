package io.exostate.transport.client;

import io.exostate.core.codec.Claimed;
import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.sbe.ClaimDecoder;
import io.exostate.core.codec.sbe.HelloDecoder;
import io.exostate.core.codec.sbe.HelloReplyEncoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.TransportErrorEncoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Views;
import io.exostate.transport.TransportErrorCode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-only server that speaks the binary protocol's frames and applies commands synchronously to a real
 * {@link Engine}, until the real {@code BinaryServer} and engine loop exist. Everything (accepting, reading, the
 * engine, the timer tick, long-poll parking) runs on one Netty thread, so the engine has one writer.
 * <p>
 * Long-poll: a claim with {@code waitMs} > 0 that finds nothing is parked; after every command and every tick the
 * parked claims are tried again in arrival order and answered once they get states or their wait ends. A tick is
 * applied whenever the engine's next deadline has passed (checked every 5 ms): retries, re-enqueues and leases
 * fire in real time.
 * <p>
 * Faults for tests: {@link #busyAnswers} (the next N requests are answered BUSY), {@link #notLeader(String)} (every
 * request is answered NOT_LEADER with that address), {@link #dropAfterApplying(int)} (the next command of a template
 * is applied, then the connection closes without a reply), {@link #answerNextClaimWithUnknownOutcome()} and
 * {@link #answerNextTriggerWithUnknownOutcome()} (the next claim / trigger is applied, then answered NOT_LEADER
 * without an address).
 * <p>
 * A fake cluster: servers that share one engine, of which one leads at a time. A server that answers NOT_LEADER
 * ({@link #follower}, {@link #notLeader(String)}, {@link #stepDown(String)}) does not touch the engine, not even for
 * ticks, so another server's thread may own it; a leader that is closed (or {@link #dieAfterApplying(int)}) hands
 * it over to the next server made leader with {@code notLeader(null)}. {@link #silent(boolean)} makes a leader that
 * takes requests and never answers (it is about to die); {@link #received} records every request frame.
 */
final class FakeServer implements TestNode
{
    static final String API_KEY = "secret-key";
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    final AtomicInteger busyAnswers = new AtomicInteger();
    final AtomicLong commandsApplied = new AtomicLong();
    final AtomicLong claimsParked = new AtomicLong();
    final AtomicLong busySent = new AtomicLong();
    final AtomicInteger sessionsOpened = new AtomicInteger();
    /** (clientId, requestId) of every Claim frame received, in arrival order, BUSY-answered ones included. */
    final List<long[]> claimIds = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Every request frame after a hello, in arrival order. */
    final Queue<Received> received = new ConcurrentLinkedQueue<>();

    private final Engine engine;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Channel serverChannel;
    private final int port;
    private final List<Channel> children = new ArrayList<>();
    private final CommandDecoder commands;
    private final QueryDecoder queries = new QueryDecoder();
    private final ReplyEncoder replies = new ReplyEncoder();
    private final ReplyDecoder replyDecoder = new ReplyDecoder();
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(4096);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final ClaimDecoder claimDecoder = new ClaimDecoder();
    private final LinkedList<Parked> parked = new LinkedList<>();
    private volatile String notLeader;
    private volatile int dropAfterTemplate;
    private volatile boolean unknownClaimOutcome;
    private volatile boolean unknownTriggerOutcome;
    private volatile int dieAfterTemplate;
    private volatile boolean silent;
    private volatile boolean refusing;
    private volatile boolean dead;
    private long lastNow;
    private long nextSessionId = 1;

    private record Parked(Channel channel, long correlationId, UnsafeBuffer command, long deadline)
    {
    }

    /**
     * One request frame as the server read it; {@code served}: it was handled as a leader handles a request (applied,
     * parked or answered), not answered NOT_LEADER nor swallowed by a {@link #silent} server.
     */
    record Received(long correlationId, int templateId, byte[] message, boolean served)
    {
    }

    private FakeServer(final Engine engine, final int port, final String notLeader)
    {
        this.engine = engine;
        this.notLeader = notLeader;
        this.commands = new CommandDecoder(engine);
        this.group = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("fake-server", true), NioIoHandler.newFactory());
        this.loop = group.next();
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(loop, loop)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    children.add(ch);
                    ch.closeFuture().addListener(f -> children.remove(ch));
                    ch.pipeline()
                        .addLast(new LengthFieldBasedFrameDecoder(LE, 1 << 24, 0, 4, 0, 4, true))
                        .addLast(new Session());
                }
            });
        this.serverChannel = bootstrap.bind("127.0.0.1", port).syncUninterruptibly().channel();
        this.port = ((java.net.InetSocketAddress)serverChannel.localAddress()).getPort();
        loop.scheduleAtFixedRate(this::tick, 5, 5, TimeUnit.MILLISECONDS);
    }

    /** Starts a server on a free port. */
    static FakeServer start(final Engine engine)
    {
        return new FakeServer(engine, 0, null);
    }

    /** Starts a server on the given port (a restart keeps the address). */
    static FakeServer start(final Engine engine, final int port)
    {
        return new FakeServer(engine, port, null);
    }

    /**
     * Starts a server on a free port that answers every request NOT_LEADER with {@code leaderAddress} (empty: no
     * leader known) and leaves {@code engine} alone until it is made leader with {@code notLeader(null)}.
     */
    static FakeServer follower(final Engine engine, final String leaderAddress)
    {
        return new FakeServer(engine, 0, leaderAddress);
    }

    /** {@code 127.0.0.1:<port>}, the address a NOT_LEADER names. */
    String address()
    {
        return "127.0.0.1:" + port;
    }

    @Override
    public int port()
    {
        return port;
    }

    /** Closes this server and starts another on the same port with the same engine. */
    @Override
    public FakeServer restart()
    {
        close();
        return start(engine, port);
    }

    /**
     * Answers every request NOT_LEADER with this {@code host:port} (empty: no leader known); null stops it, and the
     * server then applies commands (and ticks) on its engine.
     */
    void notLeader(final String leaderAddress)
    {
        notLeader = leaderAddress;
    }

    /**
     * Loses the leadership: from now on answers NOT_LEADER with {@code leaderAddress} (empty: none known), and so
     * answers every parked long-poll claim at once. Returns when the parked claims are answered.
     */
    void stepDown(final String leaderAddress)
    {
        onLoop(() ->
        {
            notLeader = leaderAddress;
            for (final Parked p : parked)
            {
                error(p.channel, p.correlationId, TransportErrorCode.NOT_LEADER, "Lost the leadership", false,
                    leaderAddress);
            }
            parked.clear();
            return null;
        });
    }

    /**
     * True: every request is answered SHUTTING_DOWN and the connection closed, as the binary server answers a
     * request its gateway refuses (today: a cluster node that does not lead).
     */
    void refusing(final boolean refusing)
    {
        this.refusing = refusing;
    }

    /** True: requests are read and recorded but neither applied nor answered (a leader about to die). */
    void silent(final boolean silent)
    {
        this.silent = silent;
    }

    /**
     * The next command with this template id is applied, then the server stops listening and closes every
     * connection without a reply: a leader killed right after it applied the command. {@link #isDead()} then.
     */
    void dieAfterApplying(final int templateId)
    {
        dieAfterTemplate = templateId;
    }

    boolean isDead()
    {
        return dead;
    }

    /** The next command with this template id is applied and the connection then closes without a reply. */
    void dropAfterApplying(final int templateId)
    {
        dropAfterTemplate = templateId;
    }

    /**
     * The next claim is applied, then answered NOT_LEADER without a leader address: what a Raft gateway answers when
     * the outcome of a request is unknown (its entry may still commit), so the client sends the claim again.
     */
    void answerNextClaimWithUnknownOutcome()
    {
        unknownClaimOutcome = true;
    }

    /** The next trigger is applied, then answered NOT_LEADER without an address (its outcome unknown). */
    void answerNextTriggerWithUnknownOutcome()
    {
        unknownTriggerOutcome = true;
    }

    /** Runs {@code task} on the server's thread (the engine's only thread) and returns its result. */
    <T> T onLoop(final Callable<T> task)
    {
        try
        {
            return loop.submit(task).get(5, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("server task failed", ex);
        }
    }

    /** Closes every client connection (the server keeps listening). */
    void dropConnections()
    {
        onLoop(() ->
        {
            for (final Channel c : new ArrayList<>(children))
            {
                c.close();
            }
            return null;
        });
    }

    /** Stops listening, closes every connection and the thread; the engine stays for a restart. */
    @Override
    public void close()
    {
        if (loop.isShuttingDown())
        {
            return;
        }
        onLoop(() ->
        {
            parked.clear();
            serverChannel.close();
            for (final Channel c : new ArrayList<>(children))
            {
                c.close();
            }
            return null;
        });
        serverChannel.closeFuture().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Server thread
    // ------------------------------------------------------------------------------------------------------------

    private long now()
    {
        lastNow = Math.max(lastNow, System.currentTimeMillis());
        return lastNow;
    }

    private void tick()
    {
        if (notLeader != null || dead)
        {
            return; // a follower leaves the engine to the leader
        }
        final long now = now();
        if (engine.nextDeadline() <= now)
        {
            engine.tick(now);
        }
        serveParked(now);
    }

    private void onFrame(final Channel ch, final SessionState session, final ByteBuf frame)
    {
        final long correlationId = frame.readLongLE();
        final byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        final UnsafeBuffer message = new UnsafeBuffer(bytes);
        final int templateId = bytes.length >= 8 ? message.getShort(2, LE) & 0xFFFF : -1;

        if (!session.open)
        {
            if (templateId != HelloDecoder.TEMPLATE_ID)
            {
                error(ch, correlationId, TransportErrorCode.NOT_AUTHENTICATED, "Expected a Hello first", true);
                return;
            }
            final HelloDecoder hello = new HelloDecoder().wrapAndApplyHeader(message, 0, headerDecoder);
            final int version = hello.protocolVersion();
            final String namespace = hello.namespaceName();
            final String apiKey = hello.apiKey();
            if (version != 1)
            {
                error(ch, 0, TransportErrorCode.UNSUPPORTED_VERSION, "Expected protocol version 1", true);
                return;
            }
            if (!API_KEY.equals(apiKey))
            {
                error(ch, 0, TransportErrorCode.AUTH_FAILED, "Invalid API key", true);
                return;
            }
            session.open = true;
            session.namespace = namespace;
            sessionsOpened.incrementAndGet();
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
            final HelloReplyEncoder reply = new HelloReplyEncoder()
                .wrapAndApplyHeader(out, 0, new MessageHeaderEncoder())
                .sessionId(nextSessionId++)
                .maxFrameLength(1 << 24)
                .idleTimeoutMs(0)
                .serverVersion("fake-1");
            write(ch, 0, out, 8 + reply.encodedLength());
            return;
        }

        if (dead)
        {
            return;
        }
        if (templateId == ClaimDecoder.TEMPLATE_ID)
        {
            final ClaimDecoder claim = claimDecoder.wrapAndApplyHeader(message, 0, headerDecoder);
            claimIds.add(new long[]{claim.clientId(), claim.requestId()});
        }
        final String leader = notLeader;
        final boolean mute = silent;
        final boolean refuse = refusing;
        received.add(new Received(correlationId, templateId, bytes.clone(), leader == null && !mute && !refuse));
        if (mute)
        {
            return;
        }
        if (refuse)
        {
            error(ch, correlationId, TransportErrorCode.SHUTTING_DOWN, "The server does not serve requests now", true);
            return;
        }
        if (leader != null)
        {
            error(ch, correlationId, TransportErrorCode.NOT_LEADER, "Not the leader", false, leader);
            return;
        }
        if (busyAnswers.get() > 0)
        {
            busyAnswers.decrementAndGet();
            busySent.incrementAndGet();
            error(ch, correlationId, TransportErrorCode.BUSY, "Ingress full", false);
            return;
        }
        final long now = now();
        if (templateId >= 1 && templateId <= 11)
        {
            if (templateId == io.exostate.core.codec.sbe.TriggerDecoder.TEMPLATE_ID && unknownTriggerOutcome)
            {
                unknownTriggerOutcome = false;
                commands.apply(now, message, 0, bytes.length, replyBuffer, 0);
                error(ch, correlationId, TransportErrorCode.NOT_LEADER, "Outcome unknown: leader changed", false);
                return;
            }
            if (templateId == ClaimDecoder.TEMPLATE_ID)
            {
                final long waitMs = claimDecoder.wrapAndApplyHeader(message, 0, headerDecoder).waitMs();
                if (unknownClaimOutcome)
                {
                    unknownClaimOutcome = false;
                    commands.apply(now, message, 0, bytes.length, replyBuffer, 0);
                    error(ch, correlationId, TransportErrorCode.NOT_LEADER, "Outcome unknown: leader changed", false);
                    return;
                }
                if (!tryClaim(ch, correlationId, message, waitMs <= 0))
                {
                    claimsParked.incrementAndGet();
                    parked.add(new Parked(ch, correlationId, message, now + waitMs));
                }
                return;
            }
            final int length = commands.apply(now, message, 0, bytes.length, replyBuffer, 0);
            commandsApplied.incrementAndGet();
            if (dieAfterTemplate == templateId)
            {
                dieAfterTemplate = 0;
                dead = true;
                parked.clear();
                serverChannel.close();
                for (final Channel c : new ArrayList<>(children))
                {
                    c.close();
                }
                return;
            }
            if (dropAfterTemplate == templateId)
            {
                dropAfterTemplate = 0;
                ch.close();
            }
            else
            {
                write(ch, correlationId, replyBuffer, length);
            }
            serveParked(now);
            return;
        }
        if (templateId >= 201 && templateId <= 208)
        {
            final int length = query(queries.decode(message, 0, bytes.length), session.namespace);
            write(ch, correlationId, replyBuffer, length);
            return;
        }
        error(ch, correlationId, TransportErrorCode.UNKNOWN_MESSAGE, "Unknown template " + templateId, true);
    }

    /** Applies a claim; answers it when it got states or {@code answerEmpty}; false when it found nothing. */
    private boolean tryClaim(
        final Channel ch, final long correlationId, final UnsafeBuffer command, final boolean answerEmpty)
    {
        final int length = commands.apply(now(), command, 0, command.capacity(), replyBuffer, 0);
        final Object reply = replyDecoder.decode(replyBuffer, 0, length);
        if (reply instanceof Claimed c && c.states().isEmpty() && !answerEmpty)
        {
            return false;
        }
        write(ch, correlationId, replyBuffer, length);
        return true;
    }

    private void serveParked(final long now)
    {
        final Iterator<Parked> it = parked.iterator();
        while (it.hasNext())
        {
            final Parked p = it.next();
            if (!p.channel.isActive())
            {
                it.remove();
                continue;
            }
            if (tryClaim(p.channel, p.correlationId, p.command, now >= p.deadline))
            {
                it.remove();
            }
        }
    }

    private int query(final Query query, final String namespace)
    {
        if (query instanceof Query.ListNamespaces)
        {
            return replies.namespaces(replyBuffer, 0, engine.namespaces());
        }
        if (query instanceof Query.ListNodes q)
        {
            return replies.nodes(replyBuffer, 0, engine.registeredNodes(q.namespace()));
        }
        if (query instanceof Query.GetGraph q)
        {
            final Views.Graph g = engine.graph(q.namespace(), q.graphName());
            return g == null ?
                replies.rejected(replyBuffer, 0, RejectCode.GRAPH_NOT_FOUND, "Graph template not found") :
                replies.graph(replyBuffer, 0, g);
        }
        if (query instanceof Query.ListGraphs q)
        {
            return replies.graphs(replyBuffer, 0, engine.graphs(q.namespace()));
        }
        if (query instanceof Query.ListRuns q)
        {
            final Engine.Read<Views.RunsPage> r = engine.runs(q.namespace(), q.page(), q.size());
            return r.ok() ? replies.runsPage(replyBuffer, 0, r.value()) : rejected(r.rejection());
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return replies.runGraph(replyBuffer, 0, engine.runGraph(q.namespace(), q.runId()));
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            final Engine.Read<Views.NodeDetails> r =
                engine.nodeDetails(q.namespace(), q.graphName(), q.runId(), q.nodeId());
            return r.ok() ? replies.nodeDetails(replyBuffer, 0, r.value()) : rejected(r.rejection());
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            final Engine.Read<Map<String, String>> r = engine.stateSecrets(q.namespace(), q.stateId());
            return r.ok() ? replies.stateSecrets(replyBuffer, 0, r.value()) : rejected(r.rejection());
        }
        final Query.Invalid invalid = (Query.Invalid)query;
        return replies.rejected(replyBuffer, 0, invalid.error().toRejection());
    }

    private int rejected(final Rejection rejection)
    {
        return replies.rejected(replyBuffer, 0, rejection);
    }

    private void error(
        final Channel ch,
        final long correlationId,
        final TransportErrorCode code,
        final String detail,
        final boolean close)
    {
        error(ch, correlationId, code, detail, close, "");
    }

    private void error(
        final Channel ch,
        final long correlationId,
        final TransportErrorCode code,
        final String detail,
        final boolean close,
        final String leader)
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(128);
        final TransportErrorEncoder e = new TransportErrorEncoder()
            .wrapAndApplyHeader(out, 0, new MessageHeaderEncoder())
            .code(code.code())
            .detail(detail)
            .leaderAddress(leader);
        final ByteBuf frame = frame(ch, correlationId, out, 8 + e.encodedLength());
        if (close)
        {
            ch.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
        }
        else
        {
            ch.writeAndFlush(frame);
        }
    }

    private static void write(
        final Channel ch, final long correlationId, final ExpandableArrayBuffer buffer, final int length)
    {
        ch.writeAndFlush(frame(ch, correlationId, buffer, length));
    }

    private static ByteBuf frame(
        final Channel ch, final long correlationId, final ExpandableArrayBuffer buffer, final int length)
    {
        final ByteBuf frame = ch.alloc().buffer(12 + length);
        frame.writeIntLE(8 + length);
        frame.writeLongLE(correlationId);
        frame.writeBytes(buffer.byteArray(), 0, length);
        return frame;
    }

    private static final class SessionState
    {
        boolean open;
        String namespace;
    }

    private final class Session extends ChannelInboundHandlerAdapter
    {
        private final SessionState state = new SessionState();

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            try
            {
                onFrame(ctx.channel(), state, (ByteBuf)msg);
            }
            finally
            {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }
}
