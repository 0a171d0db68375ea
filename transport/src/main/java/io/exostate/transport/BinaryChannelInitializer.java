package io.exostate.transport;

import io.exostate.core.loop.CommandGateway;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds each connection's pipeline: framing first, the session last.
 * <pre>
 *   "framer"  LengthFieldBasedFrameDecoder  little-endian int32 length, stripped; fails fast above maxFrameLength
 *   "idle"    IdleStateHandler              reader idle after idleTimeoutMs without a complete frame
 *   "session" SessionHandler                hello, checks, offers to the gateway, writes replies (one per channel)
 * </pre>
 * Also holds what every session of one server shares: the concluded context, the digest of the API key and the set
 * of open sessions. {@code @Sharable} (as every {@link ChannelInitializer}): it keeps no per-channel state.
 */
@ChannelHandler.Sharable
final class BinaryChannelInitializer extends ChannelInitializer<Channel>
{
    static final String FRAMER = "framer";
    static final String IDLE = "idle";
    static final String SESSION = "session";

    private final BinaryServer.Context context;
    private final CommandGateway gateway;
    private final byte[] apiKeyDigest;
    private final int maxFrameLength;
    private final WriteBufferWaterMark waterMark;
    private final Set<SessionHandler> sessions = ConcurrentHashMap.newKeySet();

    /** {@code context} must be concluded. */
    BinaryChannelInitializer(final BinaryServer.Context context)
    {
        this.context = context.conclude();
        this.gateway = context.gateway();
        this.apiKeyDigest = sha256(context.apiKey().getBytes(StandardCharsets.UTF_8));
        // The gateway may accept less than the configured frame: advertise and enforce the smaller.
        final long gatewayFrame = (long)gateway.maxMessageLength() + FrameDescriptor.CORRELATION_ID_LENGTH;
        this.maxFrameLength = (int)Math.min(context.maxFrameLength(), gatewayFrame);
        this.waterMark =
            new WriteBufferWaterMark(context.writeBufferLowWaterMark(), context.writeBufferHighWaterMark());
    }

    @Override
    protected void initChannel(final Channel ch)
    {
        ch.config().setWriteBufferWaterMark(waterMark);
        ch.pipeline()
            .addLast(FRAMER, new LengthFieldBasedFrameDecoder(
                ByteOrder.LITTLE_ENDIAN,
                FrameDescriptor.LENGTH_FIELD_LENGTH + maxFrameLength,
                0,
                FrameDescriptor.LENGTH_FIELD_LENGTH,
                0,
                FrameDescriptor.LENGTH_FIELD_LENGTH,
                true))
            .addLast(IDLE, new IdleStateHandler(context.idleTimeoutMs(), 0, 0, TimeUnit.MILLISECONDS))
            .addLast(SESSION, new SessionHandler(this));
    }

    BinaryServer.Context context()
    {
        return context;
    }

    CommandGateway gateway()
    {
        return gateway;
    }

    TransportCounters counters()
    {
        return context.counters();
    }

    /** The largest length field a client frame may carry on this server. */
    int maxFrameLength()
    {
        return maxFrameLength;
    }

    Set<SessionHandler> sessions()
    {
        return sessions;
    }

    /**
     * Compares in constant time: digests of equal length, compared with {@link MessageDigest#isEqual}, so neither
     * the content nor the length of the configured key leaks through timing.
     */
    boolean apiKeyMatches(final String apiKey)
    {
        return MessageDigest.isEqual(apiKeyDigest, sha256(apiKey.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
        }
    }
}
