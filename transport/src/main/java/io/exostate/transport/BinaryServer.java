package io.exostate.transport;

import io.exostate.core.loop.CommandGateway;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The binary protocol endpoint (docs/protocol.md): a Netty 4.2 TCP server whose sessions hand commands and queries to
 * a {@link CommandGateway} and write the gateway's replies back.
 * <p>
 * One boss thread accepts; {@link Context#workerThreads()} event-loop threads (default 1) own the connections, on
 * epoll when it is available, else NIO. Each connection's pipeline, built by {@link BinaryChannelInitializer}, is
 * {@code LengthFieldBasedFrameDecoder} (little-endian, at most {@link Context#maxFrameLength()}) →
 * {@code IdleStateHandler} ({@link Context#idleTimeoutMs()}) → {@link SessionHandler}.
 * <p>
 * <b>Threading:</b> {@link #start} and {@link #close} may be called from any thread; the server's own work happens
 * on its event loops, and replies arrive on the gateway's engine thread (see {@link SessionHandler}).
 * <pre>{@code
 * try (BinaryServer server = BinaryServer.start(new BinaryServer.Context().gateway(gateway).apiKey(key).port(0)))
 * {
 *     int port = server.port();
 * }
 * }</pre>
 */
public final class BinaryServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(BinaryServer.class);

    private final Context context;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;
    private final BinaryChannelInitializer initializer;
    private final String transportName;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BinaryServer(
        final Context context,
        final EventLoopGroup bossGroup,
        final EventLoopGroup workerGroup,
        final Channel serverChannel,
        final BinaryChannelInitializer initializer,
        final String transportName)
    {
        this.context = context;
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
        this.initializer = initializer;
        this.transportName = transportName;
    }

    /**
     * Concludes the context, binds and starts serving.
     *
     * @throws IllegalStateException when the context is invalid (the message says which option) or the bind fails.
     */
    public static BinaryServer start(final Context context)
    {
        context.conclude();
        final boolean epoll = context.preferNativeTransport() && Epoll.isAvailable();
        final IoHandlerFactory ioHandlerFactory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass =
            epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final String transportName = epoll ? "epoll" : "nio";

        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("exostate-binary-boss"), ioHandlerFactory);
        final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
            context.workerThreads(), new DefaultThreadFactory("exostate-binary-io"), ioHandlerFactory);
        final BinaryChannelInitializer initializer = new BinaryChannelInitializer(context);
        try
        {
            final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(initializer);
            final ChannelFuture bind = bootstrap.bind(context.bindAddress(), context.port()).awaitUninterruptibly();
            if (!bind.isSuccess())
            {
                throw new IllegalStateException("Expected to bind the binary protocol to " + context.bindAddress() +
                    ":" + context.port() + ", but " + bind.cause(), bind.cause());
            }
            final BinaryServer server =
                new BinaryServer(context, boss, workers, bind.channel(), initializer, transportName);
            LOG.info("binary protocol listening on {} ({}), maxFrameLength={} (effective {}), {}",
                server.localAddress(), transportName, context.maxFrameLength(), initializer.maxFrameLength(),
                context);
            return server;
        }
        catch (final RuntimeException ex)
        {
            shutdown(boss, workers, context.shutdownTimeoutMs());
            throw ex;
        }
    }

    /** The port the server is bound to (the chosen one when {@link Context#port()} was 0). */
    public int port()
    {
        return localAddress().getPort();
    }

    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    /** "epoll" or "nio". */
    public String transportName()
    {
        return transportName;
    }

    public Context context()
    {
        return context;
    }

    public TransportCounters counters()
    {
        return context.counters();
    }

    /** Connections open now (in hello or in session). */
    public int connectionCount()
    {
        return initializer.sessions().size();
    }

    /**
     * Stops accepting, sends {@code SHUTTING_DOWN} to every open connection and closes it, then shuts the event loops
     * down. Waits at most about twice {@link Context#shutdownTimeoutMs()}. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        final long timeoutMs = context.shutdownTimeoutMs();
        serverChannel.close().awaitUninterruptibly(timeoutMs);
        final List<ChannelFuture> closing = new ArrayList<>();
        for (final SessionHandler session : initializer.sessions())
        {
            closing.add(session.shutdown());
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (final ChannelFuture f : closing)
        {
            final long leftMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!f.awaitUninterruptibly(leftMs))
            {
                f.channel().close();
            }
        }
        shutdown(bossGroup, workerGroup, timeoutMs);
        LOG.info("binary protocol on port {} closed: {}", context.port(), context.counters());
    }

    private static void shutdown(final EventLoopGroup boss, final EventLoopGroup workers, final long timeoutMs)
    {
        // No quiet period: every channel is closed by now, nothing should arrive.
        final Future<?> b = boss.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS);
        final Future<?> w = workers.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS);
        b.awaitUninterruptibly(timeoutMs);
        w.awaitUninterruptibly(timeoutMs);
    }

    /**
     * The configuration of a {@link BinaryServer}. Every option has a named default, and a system property where it
     * makes sense; {@link #conclude()} checks the values together and fails fast naming the option.
     */
    public static final class Context
    {
        public static final String BIND_ADDRESS_PROP_NAME = "exostate.binary.bind.address";
        public static final String BIND_ADDRESS_DEFAULT = "0.0.0.0";

        public static final String PORT_PROP_NAME = "exostate.binary.port";
        public static final int PORT_DEFAULT = 7700;

        public static final String WORKER_THREADS_PROP_NAME = "exostate.binary.worker.threads";
        public static final int WORKER_THREADS_DEFAULT = 1;

        /** The largest value of a client frame's length field (bytes after it). */
        public static final String MAX_FRAME_LENGTH_PROP_NAME = "exostate.binary.max.frame.length";
        public static final int MAX_FRAME_LENGTH_DEFAULT = 1024 * 1024;

        public static final String IDLE_TIMEOUT_MS_PROP_NAME = "exostate.binary.idle.timeout.ms";
        public static final long IDLE_TIMEOUT_MS_DEFAULT = 60_000;

        public static final String WRITE_BUFFER_LOW_WATER_MARK_PROP_NAME = "exostate.binary.write.buffer.low";
        public static final int WRITE_BUFFER_LOW_WATER_MARK_DEFAULT = 256 * 1024;

        public static final String WRITE_BUFFER_HIGH_WATER_MARK_PROP_NAME = "exostate.binary.write.buffer.high";
        public static final int WRITE_BUFFER_HIGH_WATER_MARK_DEFAULT = 1024 * 1024;

        /** Replies queued for one connection beyond which it is closed as a slow consumer. */
        public static final String MAX_PENDING_BYTES_PROP_NAME = "exostate.binary.max.pending.bytes";
        public static final long MAX_PENDING_BYTES_DEFAULT = 4L * 1024 * 1024;

        /** How long a connection may stay above the high water mark before it is closed as a slow consumer. */
        public static final String SLOW_CONSUMER_TIMEOUT_MS_PROP_NAME = "exostate.binary.slow.consumer.timeout.ms";
        public static final long SLOW_CONSUMER_TIMEOUT_MS_DEFAULT = 5_000;

        public static final String SHUTDOWN_TIMEOUT_MS_PROP_NAME = "exostate.binary.shutdown.timeout.ms";
        public static final long SHUTDOWN_TIMEOUT_MS_DEFAULT = 5_000;

        /** Use epoll when the native transport loads; NIO otherwise. */
        public static final String PREFER_NATIVE_TRANSPORT_PROP_NAME = "exostate.binary.prefer.native";
        public static final boolean PREFER_NATIVE_TRANSPORT_DEFAULT = true;

        public static final String SERVER_VERSION_DEFAULT = "ExoState 0.1.0";

        private String bindAddress = System.getProperty(BIND_ADDRESS_PROP_NAME, BIND_ADDRESS_DEFAULT);
        private int port = Integer.getInteger(PORT_PROP_NAME, PORT_DEFAULT);
        private int workerThreads = Integer.getInteger(WORKER_THREADS_PROP_NAME, WORKER_THREADS_DEFAULT);
        private int maxFrameLength = Integer.getInteger(MAX_FRAME_LENGTH_PROP_NAME, MAX_FRAME_LENGTH_DEFAULT);
        private long idleTimeoutMs = Long.getLong(IDLE_TIMEOUT_MS_PROP_NAME, IDLE_TIMEOUT_MS_DEFAULT);
        private int writeBufferLowWaterMark =
            Integer.getInteger(WRITE_BUFFER_LOW_WATER_MARK_PROP_NAME, WRITE_BUFFER_LOW_WATER_MARK_DEFAULT);
        private int writeBufferHighWaterMark =
            Integer.getInteger(WRITE_BUFFER_HIGH_WATER_MARK_PROP_NAME, WRITE_BUFFER_HIGH_WATER_MARK_DEFAULT);
        private long maxPendingBytes = Long.getLong(MAX_PENDING_BYTES_PROP_NAME, MAX_PENDING_BYTES_DEFAULT);
        private long slowConsumerTimeoutMs =
            Long.getLong(SLOW_CONSUMER_TIMEOUT_MS_PROP_NAME, SLOW_CONSUMER_TIMEOUT_MS_DEFAULT);
        private long shutdownTimeoutMs = Long.getLong(SHUTDOWN_TIMEOUT_MS_PROP_NAME, SHUTDOWN_TIMEOUT_MS_DEFAULT);
        private boolean preferNativeTransport = Boolean.parseBoolean(
            System.getProperty(PREFER_NATIVE_TRANSPORT_PROP_NAME, String.valueOf(PREFER_NATIVE_TRANSPORT_DEFAULT)));
        private String serverVersion = SERVER_VERSION_DEFAULT;
        private String apiKey;
        private String secretsKey;
        private SecretsCipher secretsCipher;
        private CommandGateway gateway;
        private LongSupplier sessionIds;
        private java.util.function.Function<String, String> leaderAddress = id -> null;
        private TransportCounters counters;
        private boolean concluded;

        /**
         * Checks the options together and fills in the derived ones (a session id counter starting at 1, counters).
         *
         * @return this.
         * @throws IllegalStateException naming the first option that is wrong.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            Objects.requireNonNull(gateway, "gateway");
            if (secretsKey != null)
            {
                secretsCipher = new SecretsCipher(secretsKey);
            }
            if (apiKey == null || apiKey.isEmpty())
            {
                throw new IllegalStateException("Expected an API key (apiKey), but none was set");
            }
            if (bindAddress == null || bindAddress.isEmpty())
            {
                throw new IllegalStateException("Expected a bind address (" + BIND_ADDRESS_PROP_NAME + ")");
            }
            check(port >= 0 && port <= 65535, PORT_PROP_NAME, "in 0..65535", port);
            check(workerThreads >= 1, WORKER_THREADS_PROP_NAME, "at least 1", workerThreads);
            check(maxFrameLength >= 64 && maxFrameLength <= 1 << 30, MAX_FRAME_LENGTH_PROP_NAME, "in 64..2^30",
                maxFrameLength);
            check(idleTimeoutMs >= 1, IDLE_TIMEOUT_MS_PROP_NAME, "at least 1 ms", idleTimeoutMs);
            check(writeBufferLowWaterMark >= 1, WRITE_BUFFER_LOW_WATER_MARK_PROP_NAME, "at least 1",
                writeBufferLowWaterMark);
            check(writeBufferHighWaterMark > writeBufferLowWaterMark, WRITE_BUFFER_HIGH_WATER_MARK_PROP_NAME,
                "above the low water mark " + writeBufferLowWaterMark, writeBufferHighWaterMark);
            check(maxPendingBytes >= writeBufferHighWaterMark, MAX_PENDING_BYTES_PROP_NAME,
                "at least the high water mark " + writeBufferHighWaterMark, maxPendingBytes);
            check(slowConsumerTimeoutMs >= 1, SLOW_CONSUMER_TIMEOUT_MS_PROP_NAME, "at least 1 ms",
                slowConsumerTimeoutMs);
            check(shutdownTimeoutMs >= 1, SHUTDOWN_TIMEOUT_MS_PROP_NAME, "at least 1 ms", shutdownTimeoutMs);
            Objects.requireNonNull(serverVersion, "serverVersion");
            if (sessionIds == null)
            {
                final AtomicLong next = new AtomicLong();
                sessionIds = next::incrementAndGet;
            }
            if (counters == null)
            {
                counters = new TransportCounters();
            }
            concluded = true;
            return this;
        }

        private static void check(final boolean ok, final String option, final String expected, final long actual)
        {
            if (!ok)
            {
                throw new IllegalStateException("Expected " + option + " to be " + expected + ", but was " + actual);
            }
        }

        public String bindAddress()
        {
            return bindAddress;
        }

        /** The address to listen on; default {@value #BIND_ADDRESS_DEFAULT} (every interface). */
        public Context bindAddress(final String bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        public int port()
        {
            return port;
        }

        /** The TCP port; 0 picks a free one ({@link BinaryServer#port()} tells which). */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        public int workerThreads()
        {
            return workerThreads;
        }

        public Context workerThreads(final int workerThreads)
        {
            this.workerThreads = workerThreads;
            return this;
        }

        public int maxFrameLength()
        {
            return maxFrameLength;
        }

        /**
         * The largest length field a client frame may carry. The session answers the smaller of this and the
         * gateway's {@code maxMessageLength() + 8} in {@code HelloReply}.
         */
        public Context maxFrameLength(final int maxFrameLength)
        {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        public long idleTimeoutMs()
        {
            return idleTimeoutMs;
        }

        /** A connection that sends no complete frame for this long is closed with {@code IDLE_TIMEOUT}. */
        public Context idleTimeoutMs(final long idleTimeoutMs)
        {
            this.idleTimeoutMs = idleTimeoutMs;
            return this;
        }

        public int writeBufferLowWaterMark()
        {
            return writeBufferLowWaterMark;
        }

        public Context writeBufferLowWaterMark(final int writeBufferLowWaterMark)
        {
            this.writeBufferLowWaterMark = writeBufferLowWaterMark;
            return this;
        }

        public int writeBufferHighWaterMark()
        {
            return writeBufferHighWaterMark;
        }

        /** Above this many queued reply bytes the connection is not writable and the server stops reading it. */
        public Context writeBufferHighWaterMark(final int writeBufferHighWaterMark)
        {
            this.writeBufferHighWaterMark = writeBufferHighWaterMark;
            return this;
        }

        public long maxPendingBytes()
        {
            return maxPendingBytes;
        }

        public Context maxPendingBytes(final long maxPendingBytes)
        {
            this.maxPendingBytes = maxPendingBytes;
            return this;
        }

        public long slowConsumerTimeoutMs()
        {
            return slowConsumerTimeoutMs;
        }

        public Context slowConsumerTimeoutMs(final long slowConsumerTimeoutMs)
        {
            this.slowConsumerTimeoutMs = slowConsumerTimeoutMs;
            return this;
        }

        public long shutdownTimeoutMs()
        {
            return shutdownTimeoutMs;
        }

        public Context shutdownTimeoutMs(final long shutdownTimeoutMs)
        {
            this.shutdownTimeoutMs = shutdownTimeoutMs;
            return this;
        }

        public boolean preferNativeTransport()
        {
            return preferNativeTransport;
        }

        public Context preferNativeTransport(final boolean preferNativeTransport)
        {
            this.preferNativeTransport = preferNativeTransport;
            return this;
        }

        public String serverVersion()
        {
            return serverVersion;
        }

        /** The text {@code HelloReply} carries. */
        public Context serverVersion(final String serverVersion)
        {
            this.serverVersion = serverVersion;
            return this;
        }

        public String apiKey()
        {
            return apiKey;
        }

        /** The key every {@code Hello} must carry; required. */
        public Context apiKey(final String apiKey)
        {
            this.apiKey = apiKey;
            return this;
        }

        /**
         * The key (URL-safe base64 of 32 bytes) that encrypts graph secrets at this edge before an upsert is offered,
         * and decrypts them for state-secrets replies (decision 11). Without one, upserts carrying secrets are refused.
         */
        public Context secretsKey(final String secretsKey)
        {
            this.secretsKey = secretsKey;
            return this;
        }

        SecretsCipher secretsCipher()
        {
            return secretsCipher;
        }

        public CommandGateway gateway()
        {
            return gateway;
        }

        /** Where commands and queries go; required. */
        public Context gateway(final CommandGateway gateway)
        {
            this.gateway = gateway;
            return this;
        }

        public LongSupplier sessionIds()
        {
            return sessionIds;
        }

        /**
         * Allocates session ids (never 0, unique among the gateway's sessions). Default: a counter from 1. A node
         * that also runs the HTTP edge on the same gateway must give both edges one allocator.
         */
        public Context sessionIds(final LongSupplier sessionIds)
        {
            this.sessionIds = sessionIds;
            return this;
        }

        /**
         * In a cluster: maps a member id to its binary protocol address ({@code host:port}), sent with NOT_LEADER so
         * clients move to the leader. Default: no member known (NOT_LEADER with an empty address).
         */
        public Context leaderAddress(final java.util.function.Function<String, String> leaderAddress)
        {
            this.leaderAddress = leaderAddress;
            return this;
        }

        public java.util.function.Function<String, String> leaderAddress()
        {
            return leaderAddress;
        }

        public TransportCounters counters()
        {
            return counters;
        }

        public Context counters(final TransportCounters counters)
        {
            this.counters = counters;
            return this;
        }

        @Override
        public String toString()
        {
            return "BinaryServer.Context{" +
                "bindAddress=" + bindAddress +
                ", port=" + port +
                ", workerThreads=" + workerThreads +
                ", maxFrameLength=" + maxFrameLength +
                ", idleTimeoutMs=" + idleTimeoutMs +
                ", writeBufferLowWaterMark=" + writeBufferLowWaterMark +
                ", writeBufferHighWaterMark=" + writeBufferHighWaterMark +
                ", maxPendingBytes=" + maxPendingBytes +
                ", slowConsumerTimeoutMs=" + slowConsumerTimeoutMs +
                ", shutdownTimeoutMs=" + shutdownTimeoutMs +
                ", preferNativeTransport=" + preferNativeTransport +
                ", serverVersion=" + serverVersion +
                ", apiKey=" + (apiKey == null ? "unset" : "set") +
                '}';
        }
    }
}
