package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.loop.CommandGateway;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Exosphere's HTTP/JSON API (SPEC §11) over Netty 4.2, so an unmodified Exosphere Python runtime and
 * {@code StateManager} can use ExoState: every route, field, status code and detail text of Exosphere, with
 * ExoState's decisions applied (see {@code docs/http-api.md}). Requests become commands and queries offered to a
 * {@link CommandGateway} (the single-node loop or the Raft leader) under one session; replies come back
 * asynchronously and no event-loop thread ever blocks.
 * <p>
 * Start with {@link #launch(Context, CommandGateway)}; {@link #close()} stops accepting, closes the connections and
 * the gateway session, and waits for the event loops to finish.
 */
public final class HttpApiServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);

    private final Context context;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final EngineCalls calls;

    private HttpApiServer(final Context context, final CommandGateway gateway)
    {
        this.context = context;
        this.calls = new EngineCalls(gateway, context.sessionId(), context.requestTimeoutMs(),
            context.leaderUrl());
        final HttpApiRoutes routes = new HttpApiRoutes(calls, new SecretsCipher(context.secretsKey()),
            context.apiKey(), context.leaseMs(), context.maxClaimBatch(), context.status());
        final Cors cors = new Cors(context.corsOrigins());
        calls.open();
        this.group = new MultiThreadIoEventLoopGroup(context.ioThreads(), NioIoHandler.newFactory());
        boolean started = false;
        try
        {
            final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        final ChannelPipeline p = ch.pipeline();
                        p.addLast("codec", new HttpServerCodec());
                        p.addLast("aggregator", new Aggregator(context.maxBodyBytes()));
                        p.addLast("idle", new IdleStateHandler(0, 0, context.idleTimeoutMs(), TimeUnit.MILLISECONDS));
                        p.addLast("api", new HttpApiHandler(routes, cors));
                    }
                });
            this.serverChannel = bootstrap
                .bind(new InetSocketAddress(context.bindAddress(), context.port()))
                .syncUninterruptibly()
                .channel();
            started = true;
        }
        finally
        {
            if (!started)
            {
                calls.close();
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
            }
        }
        LOG.info("HTTP API listening on {} with {}", localAddress(), context);
    }

    /**
     * Concludes the context and binds the server.
     *
     * @throws IllegalArgumentException when the context is incomplete or invalid (see {@link Context#conclude()}).
     */
    public static HttpApiServer launch(final Context context, final CommandGateway gateway)
    {
        Objects.requireNonNull(gateway, "gateway");
        return new HttpApiServer(context.conclude(), gateway);
    }

    public Context context()
    {
        return context;
    }

    public InetSocketAddress localAddress()
    {
        return (InetSocketAddress)serverChannel.localAddress();
    }

    /** The bound port (useful with port 0). */
    public int port()
    {
        return localAddress().getPort();
    }

    @Override
    public void close()
    {
        serverChannel.close().syncUninterruptibly();
        calls.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers an over-long body with our JSON 413 (and the request-id header) instead of Netty's bare one. */
    private static final class Aggregator extends HttpObjectAggregator
    {
        Aggregator(final int maxContentLength)
        {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized)
        {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                Json.render(ctx.alloc(), Json.detail("Request body too large: the limit is " + maxContentLength() +
                    " bytes")));
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(RequestIds.HEADER, RequestIds.keepOrGenerate(oversized.headers().get(RequestIds.HEADER)))
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // The rest of the body may still be arriving: answer, then close, as Netty's own handling does.
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Configuration of the HTTP API. Setters return {@code this}; {@link #conclude()} checks everything and fails
     * with a precise message. Property names (for the server's CLI and environment) sit beside each default.
     */
    public static final class Context
    {
        /** {@code exostate.http.port}. */
        public static final int PORT_DEFAULT = 8000;
        /** {@code exostate.http.bind}: loopback unless configured otherwise. */
        public static final String BIND_ADDRESS_DEFAULT = "127.0.0.1";
        /** {@code exostate.http.cors.origins}, comma separated (Exosphere's {@code CORS_ORIGINS} default). */
        public static final String CORS_ORIGINS_DEFAULT =
            "http://localhost:3000,http://localhost:3001,http://127.0.0.1:3000,http://127.0.0.1:3001";
        /** {@code exostate.http.max.body.bytes}. */
        public static final int MAX_BODY_BYTES_DEFAULT = 16 * 1024 * 1024;
        /** {@code exostate.http.lease.ms}: 0 = HTTP claims carry no lease (decision 7). */
        public static final long LEASE_MS_DEFAULT = 0;
        /** {@code exostate.http.request.timeout.ms}. */
        public static final long REQUEST_TIMEOUT_MS_DEFAULT = 30_000;
        /** {@code exostate.http.idle.timeout.ms}: an idle keep-alive connection is closed after this. */
        public static final long IDLE_TIMEOUT_MS_DEFAULT = 120_000;
        /** {@code exostate.http.io.threads}. */
        public static final int IO_THREADS_DEFAULT = 2;
        /**
         * {@code exostate.http.session.id}: the gateway session of the HTTP API; must differ from every binary
         * protocol session id. The default is {@code "HTTPAPI"} in ASCII, far above any counter-assigned id.
         */
        public static final long SESSION_ID_DEFAULT = 0x0048_5454_5041_5049L;

        private int port = PORT_DEFAULT;
        private String bindAddress = BIND_ADDRESS_DEFAULT;
        private String apiKey;
        private String secretsKey;
        private List<String> corsOrigins = parseOrigins(CORS_ORIGINS_DEFAULT);
        private int maxBodyBytes = MAX_BODY_BYTES_DEFAULT;
        private long leaseMs = LEASE_MS_DEFAULT;
        private long requestTimeoutMs = REQUEST_TIMEOUT_MS_DEFAULT;
        private long idleTimeoutMs = IDLE_TIMEOUT_MS_DEFAULT;
        private int ioThreads = IO_THREADS_DEFAULT;
        private long sessionId = SESSION_ID_DEFAULT;
        private int maxClaimBatch = EngineConfig.DEFAULT.maxClaimBatch();
        private java.util.function.Function<String, String> leaderUrl = id -> null;
        private java.util.function.Function<Boolean, java.util.Map<String, Object>> status =
            digest -> java.util.Map.of("mode", "single");

        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        public int port()
        {
            return port;
        }

        public Context bindAddress(final String bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        public String bindAddress()
        {
            return bindAddress;
        }

        /** Exosphere's {@code STATE_MANAGER_SECRET}: the exact value of the {@code x-api-key} header. Required. */
        public Context apiKey(final String apiKey)
        {
            this.apiKey = apiKey;
            return this;
        }

        public String apiKey()
        {
            return apiKey;
        }

        /** Exosphere's {@code SECRETS_ENCRYPTION_KEY}: URL-safe base64 of 32 bytes. Required. */
        public Context secretsKey(final String secretsKey)
        {
            this.secretsKey = secretsKey;
            return this;
        }

        public String secretsKey()
        {
            return secretsKey;
        }

        public Context corsOrigins(final List<String> corsOrigins)
        {
            this.corsOrigins = List.copyOf(corsOrigins);
            return this;
        }

        /** A comma-separated list, trimmed, empty entries dropped (Exosphere's {@code CORS_ORIGINS} format). */
        public Context corsOrigins(final String commaSeparated)
        {
            this.corsOrigins = parseOrigins(commaSeparated);
            return this;
        }

        public List<String> corsOrigins()
        {
            return corsOrigins;
        }

        public Context maxBodyBytes(final int maxBodyBytes)
        {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public int maxBodyBytes()
        {
            return maxBodyBytes;
        }

        public Context leaseMs(final long leaseMs)
        {
            this.leaseMs = leaseMs;
            return this;
        }

        public long leaseMs()
        {
            return leaseMs;
        }

        public Context requestTimeoutMs(final long requestTimeoutMs)
        {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        public long requestTimeoutMs()
        {
            return requestTimeoutMs;
        }

        public Context idleTimeoutMs(final long idleTimeoutMs)
        {
            this.idleTimeoutMs = idleTimeoutMs;
            return this;
        }

        public long idleTimeoutMs()
        {
            return idleTimeoutMs;
        }

        public Context ioThreads(final int ioThreads)
        {
            this.ioThreads = ioThreads;
            return this;
        }

        public int ioThreads()
        {
            return ioThreads;
        }

        public Context sessionId(final long sessionId)
        {
            this.sessionId = sessionId;
            return this;
        }

        public long sessionId()
        {
            return sessionId;
        }

        /** The engine's {@code EngineConfig.maxClaimBatch}: an enqueue asks for at most this many states. */
        /**
         * In a cluster: maps a member id to the base URL of its HTTP API ({@code http://host:port}); a request
         * reaching a follower is answered 307 to the same path on the leader. Default: no member known (503).
         */
        public Context leaderUrl(final java.util.function.Function<String, String> leaderUrl)
        {
            this.leaderUrl = leaderUrl;
            return this;
        }

        public java.util.function.Function<String, String> leaderUrl()
        {
            return leaderUrl;
        }

        /**
         * What {@code GET /status} answers (a JSON object of strings and numbers), given whether the engine digest is
         * asked for ({@code ?digest=false} says no); default {@code {"mode":"single"}}.
         */
        public Context status(final java.util.function.Function<Boolean, java.util.Map<String, Object>> status)
        {
            this.status = status;
            return this;
        }

        public java.util.function.Function<Boolean, java.util.Map<String, Object>> status()
        {
            return status;
        }

        public Context maxClaimBatch(final int maxClaimBatch)
        {
            this.maxClaimBatch = maxClaimBatch;
            return this;
        }

        public int maxClaimBatch()
        {
            return maxClaimBatch;
        }

        /**
         * Checks the configuration.
         *
         * @throws IllegalArgumentException naming the first problem found.
         */
        public Context conclude()
        {
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("HTTP port must be in 0..65535, but was " + port);
            }
            if (bindAddress == null || bindAddress.isBlank())
            {
                throw new IllegalArgumentException("HTTP bind address is required");
            }
            if (apiKey == null || apiKey.isEmpty())
            {
                throw new IllegalArgumentException("HTTP API key is required (Exosphere's STATE_MANAGER_SECRET)");
            }
            SecretsCipher.decodeKey(secretsKey);
            if (maxBodyBytes < 1024)
            {
                throw new IllegalArgumentException("max body size must be at least 1024 bytes, but was " + maxBodyBytes);
            }
            if (leaseMs < 0)
            {
                throw new IllegalArgumentException("HTTP claim lease must be >= 0 ms (0 = off), but was " + leaseMs);
            }
            if (requestTimeoutMs < 1)
            {
                throw new IllegalArgumentException("request timeout must be >= 1 ms, but was " + requestTimeoutMs);
            }
            if (idleTimeoutMs < 1)
            {
                throw new IllegalArgumentException("idle timeout must be >= 1 ms, but was " + idleTimeoutMs);
            }
            if (ioThreads < 1)
            {
                throw new IllegalArgumentException("I/O threads must be >= 1, but was " + ioThreads);
            }
            if (maxClaimBatch < 1)
            {
                throw new IllegalArgumentException("max claim batch must be >= 1, but was " + maxClaimBatch);
            }
            return this;
        }

        static List<String> parseOrigins(final String commaSeparated)
        {
            final List<String> out = new ArrayList<>();
            if (commaSeparated != null)
            {
                for (final String s : commaSeparated.split(","))
                {
                    final String o = s.strip();
                    if (!o.isEmpty())
                    {
                        out.add(o);
                    }
                }
            }
            return List.copyOf(out);
        }

        /** The effective values, keys redacted. */
        @Override
        public String toString()
        {
            return "HttpApiServer.Context{port=" + port + ", bindAddress=" + bindAddress +
                ", apiKey=" + (apiKey == null ? "unset" : "set") +
                ", secretsKey=" + (secretsKey == null ? "unset" : "set") +
                ", corsOrigins=" + corsOrigins + ", maxBodyBytes=" + maxBodyBytes + ", leaseMs=" + leaseMs +
                ", requestTimeoutMs=" + requestTimeoutMs + ", idleTimeoutMs=" + idleTimeoutMs +
                ", ioThreads=" + ioThreads + ", sessionId=" + sessionId + ", maxClaimBatch=" + maxClaimBatch + "}";
        }
    }
}
