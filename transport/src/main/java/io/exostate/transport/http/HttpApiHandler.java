package io.exostate.transport.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * The last handler of an HTTP connection: one request at a time, in order. While a request waits for the engine,
 * reading stops ({@code autoRead} off) and requests already decoded from the same read (pipelining) queue here, so
 * responses leave in request order and a client cannot pile up work. Not {@code @Sharable}: one per channel, used
 * on its event loop only.
 */
final class HttpApiHandler extends ChannelInboundHandlerAdapter implements Exchange.Completion
{
    private final HttpApiRoutes routes;
    private final Cors cors;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private boolean inFlight;

    HttpApiHandler(final HttpApiRoutes routes, final Cors cors)
    {
        this.routes = routes;
        this.cors = cors;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!(msg instanceof FullHttpRequest request))
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (inFlight)
        {
            queued.add(request);
            return;
        }
        handle(ctx, request);
    }

    private void handle(final ChannelHandlerContext ctx, final FullHttpRequest request)
    {
        inFlight = true;
        ctx.channel().config().setAutoRead(false);
        final boolean valid = request.decoderResult().isSuccess();
        final Exchange exchange = new Exchange(ctx, this, cors,
            RequestIds.keepOrGenerate(request.headers().get(RequestIds.HEADER)),
            request.headers().get(HttpHeaderNames.ORIGIN),
            valid && HttpUtil.isKeepAlive(request)).uri(request.uri());
        try
        {
            if (!valid)
            {
                exchange.detail(400, "Invalid HTTP request");
            }
            else if (Cors.isPreflight(request))
            {
                cors.preflight(exchange, request);
            }
            else
            {
                routes.dispatch(exchange, request);
            }
        }
        catch (final RuntimeException ex)
        {
            exchange.internalError(ex);
        }
        finally
        {
            request.release();
        }
    }

    @Override
    public void onResponseWritten(final ChannelHandlerContext ctx, final boolean keepAlive)
    {
        inFlight = false;
        if (!keepAlive)
        {
            ctx.close();
            return;
        }
        final FullHttpRequest next = queued.poll();
        if (next != null)
        {
            handle(ctx, next);
            return;
        }
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt instanceof IdleStateEvent && !inFlight)
        {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        FullHttpRequest r;
        while ((r = queued.poll()) != null)
        {
            r.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // I/O errors of one connection (a reset peer, say) end that connection and nothing else.
        ctx.close();
    }
}
