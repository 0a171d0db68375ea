package io.exostate.transport.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * CORS the way Exosphere configures Starlette's middleware (SPEC §11): explicit origins, credentials allowed, the
 * methods GET/POST/PUT/DELETE/OPTIONS/PATCH, a fixed list of request headers (with {@code X-API-Key}), and the
 * request-id header exposed. Immutable; thread safe.
 * <ul>
 *     <li>A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is answered
 *     here: 200 {@code OK}, or 400 {@code Disallowed CORS origin, method, headers} naming what failed.</li>
 *     <li>Any other response to a request with {@code Origin} carries {@code Access-Control-Allow-Credentials} and
 *     {@code Access-Control-Expose-Headers}, and, when the origin is allowed, {@code Access-Control-Allow-Origin}
 *     echoing it and {@code Vary: Origin}.</li>
 * </ul>
 */
final class Cors
{
    static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");
    static final String EXPOSE_HEADERS = "X-Exosphere-Request-ID";
    static final int MAX_AGE_SECONDS = 600;

    /** Exosphere's list plus the CORS-safelisted ones, sorted as Python sorts them. */
    static final List<String> ALLOW_HEADERS = Collections.unmodifiableList(new ArrayList<>(new TreeSet<>(List.of(
        "Accept", "Accept-Language", "Content-Language", "Content-Type", "X-API-Key", "Authorization",
        "X-Requested-With", "X-Exosphere-Request-ID"))));

    private static final String METHODS_TEXT = String.join(", ", METHODS);
    private static final String ALLOW_HEADERS_TEXT = String.join(", ", ALLOW_HEADERS);

    private final Set<String> origins;
    private final Set<String> allowHeadersLower = new TreeSet<>();

    Cors(final List<String> origins)
    {
        this.origins = Set.copyOf(origins);
        for (final String h : ALLOW_HEADERS)
        {
            allowHeadersLower.add(h.toLowerCase(Locale.ROOT));
        }
    }

    static boolean isPreflight(final HttpRequest request)
    {
        return HttpMethod.OPTIONS.equals(request.method()) &&
            request.headers().contains(HttpHeaderNames.ORIGIN) &&
            request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    boolean isAllowedOrigin(final String origin)
    {
        return origin != null && origins.contains(origin);
    }

    /** Answers a preflight request. */
    void preflight(final Exchange exchange, final HttpRequest request)
    {
        final HttpHeaders in = request.headers();
        final String origin = in.get(HttpHeaderNames.ORIGIN);
        final String method = in.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        final String requestedHeaders = in.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        final List<String> failures = new ArrayList<>(3);
        if (!isAllowedOrigin(origin))
        {
            failures.add("origin");
        }
        if (!METHODS.contains(method))
        {
            failures.add("method");
        }
        if (requestedHeaders != null)
        {
            for (final String h : requestedHeaders.split(",", -1))
            {
                if (!allowHeadersLower.contains(h.toLowerCase(Locale.ROOT).strip()))
                {
                    failures.add("headers");
                    break;
                }
            }
        }
        exchange.preflight(failures.isEmpty() ? 200 : 400,
            failures.isEmpty() ? "OK" : "Disallowed CORS " + String.join(", ", failures),
            isAllowedOrigin(origin) ? origin : null);
    }

    /** The headers of a preflight answer; {@code allowedOrigin} is null when the origin is not allowed. */
    static void preflightHeaders(final HttpHeaders out, final String allowedOrigin)
    {
        out.set(HttpHeaderNames.VARY, "Origin");
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, METHODS_TEXT);
        out.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, Integer.toString(MAX_AGE_SECONDS));
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS_TEXT);
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        if (allowedOrigin != null)
        {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
        }
    }

    /** Adds the CORS headers of a non-preflight response to a request that named {@code origin} (may be null). */
    void simpleHeaders(final HttpHeaders out, final String origin)
    {
        if (origin == null)
        {
            return;
        }
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        out.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
        if (isAllowedOrigin(origin))
        {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.add(HttpHeaderNames.VARY, "Origin");
        }
    }
}
