package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One HTTP request and its single response. Every way of answering ({@link #json}, {@link #detail},
 * {@link #errors}, ...) adds the request-id header and the CORS headers, honours keep-alive, and tells the channel's
 * handler when the response is written; a second answer is ignored (a late engine reply after a timeout, say).
 * <p>
 * <b>Threading:</b> confined to its channel's event loop.
 */
final class Exchange
{
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    private static final byte[] INTERNAL_ERROR =
        "{\"success\": false, \"detail\": \"internal server error\"}".getBytes(StandardCharsets.UTF_8);

    /** What the handler needs to hear when the response went out. */
    interface Completion
    {
        void onResponseWritten(ChannelHandlerContext ctx, boolean keepAlive);
    }

    private final ChannelHandlerContext ctx;
    private final Completion completion;
    private final Cors cors;
    private final String requestId;
    private final String origin;
    private final boolean keepAlive;
    private String uri = "/";
    private boolean responded;
    private String[] params;
    private JsonNode body;

    Exchange(
        final ChannelHandlerContext ctx,
        final Completion completion,
        final Cors cors,
        final String requestId,
        final String origin,
        final boolean keepAlive)
    {
        this.ctx = ctx;
        this.completion = completion;
        this.cors = cors;
        this.requestId = requestId;
        this.origin = origin;
        this.keepAlive = keepAlive;
    }

    /** The request's URI (path and query), for redirects to another node. */
    Exchange uri(final String v)
    {
        uri = v;
        return this;
    }

    String uri()
    {
        return uri;
    }

    EventLoop eventLoop()
    {
        return ctx.channel().eventLoop();
    }

    String requestId()
    {
        return requestId;
    }

    boolean responded()
    {
        return responded;
    }

    String param(final int index)
    {
        return params[index];
    }

    void params(final String[] params)
    {
        this.params = params;
    }

    /** The parsed JSON body, or null when the request had none. */
    JsonNode body()
    {
        return body;
    }

    void body(final JsonNode body)
    {
        this.body = body;
    }

    /** Runs a step of this request; an unexpected exception becomes the 500 answer. */
    void run(final Runnable step)
    {
        try
        {
            step.run();
        }
        catch (final RuntimeException ex)
        {
            internalError(ex);
        }
    }

    void json(final int status, final Json.Writer writer)
    {
        if (responded)
        {
            return;
        }
        final ByteBuf content;
        try
        {
            content = Json.render(ctx.alloc(), writer);
        }
        catch (final RuntimeException ex)
        {
            internalError(ex);
            return;
        }
        send(status, content, HttpHeaderValues.APPLICATION_JSON, null);
    }

    void detail(final int status, final String detail)
    {
        json(status, Json.detail(detail));
    }

    /** 422 with FastAPI's list of validation errors. */
    void errors(final List<ApiError> errors)
    {
        json(422, ApiError.body(errors));
    }

    void busy()
    {
        if (responded)
        {
            return;
        }
        final ByteBuf content = Json.render(ctx.alloc(), Json.detail("Server busy, retry later"));
        send(503, content, HttpHeaderValues.APPLICATION_JSON, h -> h.set(HttpHeaderNames.RETRY_AFTER, "1"));
    }

    void internalError(final Throwable cause)
    {
        LOG.error("request {} failed", requestId, cause);
        if (responded)
        {
            return;
        }
        send(500, Unpooled.wrappedBuffer(INTERNAL_ERROR), HttpHeaderValues.APPLICATION_JSON, null);
    }

    void methodNotAllowed(final List<String> allowed)
    {
        if (responded)
        {
            return;
        }
        final ByteBuf content = Json.render(ctx.alloc(), Json.detail("Method Not Allowed"));
        send(405, content, HttpHeaderValues.APPLICATION_JSON, h -> h.set(HttpHeaderNames.ALLOW, String.join(", ", allowed)));
    }

    /** 307 to {@code location}, as Starlette's slash redirect answers. */
    void redirect(final String location)
    {
        if (responded)
        {
            return;
        }
        send(307, Unpooled.EMPTY_BUFFER, null, h -> h.set(HttpHeaderNames.LOCATION, location));
    }

    /** A CORS preflight answer: plain text, no simple CORS headers. */
    void preflight(final int status, final String text, final String allowedOrigin)
    {
        if (responded)
        {
            return;
        }
        final ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        responded = true;
        final FullHttpResponse response = response(status, content, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        Cors.preflightHeaders(response.headers(), allowedOrigin);
        write(response);
    }

    private interface HeaderSetter
    {
        void set(HttpHeaders headers);
    }

    private void send(final int status, final ByteBuf content, final CharSequence contentType, final HeaderSetter extra)
    {
        responded = true;
        final FullHttpResponse response = response(status, content, contentType);
        cors.simpleHeaders(response.headers(), origin);
        if (extra != null)
        {
            extra.set(response.headers());
        }
        write(response);
    }

    private FullHttpResponse response(final int status, final ByteBuf content, final CharSequence contentType)
    {
        final FullHttpResponse response =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
        final HttpHeaders h = response.headers();
        if (contentType != null)
        {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        h.set(RequestIds.HEADER, requestId);
        if (!keepAlive)
        {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    private void write(final FullHttpResponse response)
    {
        if (!ctx.channel().isActive())
        {
            response.release();
            return;
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener)f ->
        {
            if (!f.isSuccess())
            {
                f.channel().close();
                return;
            }
            completion.onResponseWritten(ctx, keepAlive);
        });
    }
}
