package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import com.fasterxml.jackson.databind.JsonNode;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.EngineLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.exostate.transport.http.HttpApiFixture.API_KEY;
import static io.exostate.transport.http.HttpApiFixture.ns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every route shares (SPEC §11): auth and its order against body parsing and validation, the 404 / 405 / 307
 * answers, request ids, CORS, back-pressure, timeouts, body limits, our 500 text, pipelining.
 */
@Timeout(60)
class HttpApiConventionsTest
{
    private HttpApiFixture f;

    @AfterEach
    void stop()
    {
        if (f != null)
        {
            f.close();
        }
    }

    private HttpApiFixture start()
    {
        f = new HttpApiFixture();
        return f;
    }

    /** One request per route with a body each accepts: every route but /health needs the key. */
    private static final List<String[]> ROUTES = List.of(
        new String[]{"GET", "/v0/namespaces", null},
        new String[]{"PUT", ns("/nodes/"), "{\"runtime_name\": \"r\", \"nodes\": []}"},
        new String[]{"GET", ns("/nodes/"), null},
        new String[]{"PUT", ns("/graph/g"), "{\"secrets\": {}, \"nodes\": []}"},
        new String[]{"GET", ns("/graph/g"), null},
        new String[]{"GET", ns("/graphs/"), null},
        new String[]{"POST", ns("/graph/g/trigger"), "{}"},
        new String[]{"POST", ns("/states/enqueue"), "{\"nodes\": [\"A\"], \"batch_size\": 1}"},
        new String[]{"POST", ns("/state/000000000000000000000001/executed"), "{\"outputs\": []}"},
        new String[]{"POST", ns("/state/000000000000000000000001/errored"), "{\"error\": \"e\"}"},
        new String[]{"POST", ns("/state/000000000000000000000001/prune"), "{\"data\": {}}"},
        new String[]{"POST", ns("/state/000000000000000000000001/re-enqueue-after"), "{\"enqueue_after\": 5}"},
        new String[]{"POST", ns("/state/000000000000000000000001/manual-retry"), "{\"fanout_id\": \"x\"}"},
        new String[]{"GET", ns("/state/000000000000000000000001/secrets"), null},
        new String[]{"GET", ns("/runs/1/10"), null},
        new String[]{"GET", ns("/states/run/r/graph"), null},
        new String[]{"GET", ns("/graph/g/run/r/node/000000000000000000000001"), null});

    @Test
    void shouldRefuseEveryRouteButHealthWithoutTheExactKey()
    {
        start();
        for (final String[] route : ROUTES)
        {
            final HttpApiFixture.Resp none = f.send(route[0], route[1], route[2], Map.of());
            assertThat(none.status()).as(route[1]).isEqualTo(401);
            assertThat(none.json().toString()).isEqualTo("{\"detail\":\"Invalid API key\"}");
            final HttpApiFixture.Resp wrong = f.send(route[0], route[1], route[2], Map.of("x-api-key", "TEST-API-KEY"));
            assertThat(wrong.status()).as(route[1]).isEqualTo(401);
            // Outer whitespace is not part of an HTTP header value; inner whitespace is.
            final HttpApiFixture.Resp spaced =
                f.send(route[0], route[1], route[2], Map.of("x-api-key", API_KEY.replace("-", " -")));
            assertThat(spaced.status()).as(route[1]).isEqualTo(401);
            final HttpApiFixture.Resp ok = f.send(route[0], route[1], route[2], Map.of("X-API-KEY", API_KEY));
            assertThat(ok.status()).as(route[1] + " " + ok).isNotIn(401, 422, 500);
        }
        assertThat(f.send("GET", "/health", null, Map.of("x-api-key", "wrong")).status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerInvalidJsonBeforeAuthAndAuthBeforeValidation()
    {
        start();
        final HttpApiFixture.Resp invalid = f.send("POST", ns("/states/enqueue"), "{\"nodes\": [", Map.of());
        assertThat(invalid.status()).isEqualTo(422);
        final JsonNode e = invalid.json().path("detail").get(0);
        assertThat(e.path("type").asText()).isEqualTo("json_invalid");
        assertThat(e.path("msg").asText()).isEqualTo("JSON decode error");
        assertThat(e.path("loc").get(0).asText()).isEqualTo("body");
        assertThat(e.path("loc").get(1).isInt()).isTrue();
        assertThat(e.path("input").toString()).isEqualTo("{}");
        assertThat(e.path("ctx").has("error")).isTrue();
        assertThat(f.send("POST", ns("/states/enqueue"), "{} trailing", Map.of()).status()).isEqualTo(422);

        final HttpApiFixture.Resp badBodyBadKey = f.send("POST", ns("/states/enqueue"), "{\"nodes\": 1}", Map.of());
        assertThat(badBodyBadKey.status()).isEqualTo(401);
        final HttpApiFixture.Resp badPathBadKey = f.send("GET", ns("/runs/x/0"), null, Map.of());
        assertThat(badPathBadKey.status()).isEqualTo(401);
    }

    @Test
    void shouldAnswerMissingAndNonObjectBodiesAsPydanticDoes()
    {
        start();
        final HttpApiFixture.Resp empty = f.post(ns("/states/enqueue"), null);
        assertThat(empty.status()).isEqualTo(422);
        assertThat(empty.json().path("detail").get(0).toString())
            .isEqualTo("{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}");
        final HttpApiFixture.Resp array = f.post(ns("/states/enqueue"), "[1, 2]");
        assertThat(array.status()).isEqualTo(422);
        assertThat(array.json().path("detail").get(0).path("type").asText()).isEqualTo("model_attributes_type");
        assertThat(array.json().path("detail").get(0).path("input").toString()).isEqualTo("[1,2]");
    }

    @Test
    void shouldAnswerUnknownPathsMethodsAndSlashesLikeStarlette()
    {
        start();
        final HttpApiFixture.Resp unknown = f.get("/v0/nothing/here");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().toString()).isEqualTo("{\"detail\":\"Not Found\"}");

        final HttpApiFixture.Resp method = f.send("DELETE", ns("/graph/g"), null, Map.of());
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.json().toString()).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
        assertThat(method.header("allow")).isEqualTo("PUT, GET");
        assertThat(f.send("GET", ns("/states/enqueue"), null, Map.of()).status()).isEqualTo(405);

        final HttpApiFixture.Resp nodes = f.send("GET", ns("/nodes") + "?a=1", null, Map.of());
        assertThat(nodes.status()).isEqualTo(307);
        assertThat(nodes.header("location")).isEqualTo(f.base + ns("/nodes/") + "?a=1");
        final HttpApiFixture.Resp graphs = f.send("GET", ns("/graphs"), null, Map.of());
        assertThat(graphs.header("location")).isEqualTo(f.base + ns("/graphs/"));
        final HttpApiFixture.Resp namespaces = f.send("GET", "/v0/namespaces/", null, Map.of());
        assertThat(namespaces.status()).isEqualTo(307);
        assertThat(namespaces.header("location")).isEqualTo(f.base + "/v0/namespaces");
        assertThat(namespaces.header(RequestIds.HEADER)).isNotNull();
        final HttpApiFixture.Resp put = f.send("PUT", ns("/nodes"), "{}", Map.of());
        assertThat(put.status()).isEqualTo(307);
    }

    @Test
    void shouldKeepAValidRequestIdAndReplaceAnInvalidOneOnEveryResponse()
    {
        start();
        final String id = UUID.randomUUID().toString();
        assertThat(f.send("GET", "/health", null, Map.of(RequestIds.HEADER, id)).header(RequestIds.HEADER))
            .isEqualTo(id);
        assertThat(f.send("GET", "/health", null, Map.of("X-Exosphere-Request-ID", id.toUpperCase()))
            .header(RequestIds.HEADER)).isEqualTo(id.toUpperCase());
        for (final HttpApiFixture.Resp r : List.of(
            f.send("GET", "/health", null, Map.of(RequestIds.HEADER, "not-a-uuid")),
            f.send("GET", "/nope", null, Map.of()),
            f.send("GET", "/v0/namespaces", null, Map.of()),
            f.post(ns("/states/enqueue"), "{}"),
            f.send("DELETE", "/health", null, Map.of())))
        {
            final String generated = r.header(RequestIds.HEADER);
            assertThat(generated).isNotNull().isNotEqualTo("not-a-uuid");
            assertThat(UUID.fromString(generated).version()).isEqualTo(4);
        }
    }

    @Test
    void shouldAnswerCorsPreflightsAndDecorateResponses()
    {
        start();
        final Map<String, String> pre = new HashMap<>();
        pre.put("Origin", "http://localhost:3000");
        pre.put("Access-Control-Request-Method", "PUT");
        pre.put("Access-Control-Request-Headers", "x-api-key, content-type, X-Exosphere-Request-ID");
        final HttpApiFixture.Resp ok = f.send("OPTIONS", ns("/graph/g"), null, pre);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("OK");
        assertThat(ok.header("access-control-allow-origin")).isEqualTo("http://localhost:3000");
        assertThat(ok.header("access-control-allow-methods")).isEqualTo("GET, POST, PUT, DELETE, OPTIONS, PATCH");
        assertThat(ok.header("access-control-allow-headers")).contains("X-API-Key").contains("X-Exosphere-Request-ID");
        assertThat(ok.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(ok.header("access-control-max-age")).isEqualTo("600");
        assertThat(ok.header("vary")).isEqualTo("Origin");

        pre.put("Origin", "http://evil.example");
        pre.put("Access-Control-Request-Method", "TRACE");
        pre.put("Access-Control-Request-Headers", "x-other");
        final HttpApiFixture.Resp bad = f.send("OPTIONS", ns("/graph/g"), null, pre);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("Disallowed CORS origin, method, headers");
        assertThat(bad.header("access-control-allow-origin")).isNull();

        final HttpApiFixture.Resp simple = f.send("GET", "/health", null, Map.of("Origin", "http://127.0.0.1:3001"));
        assertThat(simple.header("access-control-allow-origin")).isEqualTo("http://127.0.0.1:3001");
        assertThat(simple.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(simple.header("access-control-expose-headers")).isEqualTo("X-Exosphere-Request-ID");
        final HttpApiFixture.Resp foreign = f.send("GET", "/health", null, Map.of("Origin", "http://evil.example"));
        assertThat(foreign.status()).isEqualTo(200);
        assertThat(foreign.header("access-control-allow-origin")).isNull();
        assertThat(f.send("GET", "/health", null, Map.of()).header("access-control-allow-credentials")).isNull();
        // An OPTIONS without Access-Control-Request-Method is no preflight: it is routed (and not allowed).
        assertThat(f.send("OPTIONS", "/health", null, Map.of("Origin", "http://localhost:3000")).status())
            .isEqualTo(405);
    }

    @Test
    void shouldHonourConfiguredCorsOrigins()
    {
        f = new HttpApiFixture(c -> c.corsOrigins(" https://a.example , ,https://b.example"));
        assertThat(f.server.context().corsOrigins()).containsExactly("https://a.example", "https://b.example");
        assertThat(f.send("GET", "/health", null, Map.of("Origin", "https://b.example"))
            .header("access-control-allow-origin")).isEqualTo("https://b.example");
        assertThat(f.send("GET", "/health", null, Map.of("Origin", "http://localhost:3000"))
            .header("access-control-allow-origin")).isNull();
    }

    @Test
    void shouldAnswer503WhenTheGatewayIsBusyOrClosed()
    {
        start();
        f.gateway.forceOffer(CommandGateway.Offer.BUSY);
        final HttpApiFixture.Resp busy = f.get("/v0/namespaces");
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.detail()).isEqualTo("Server busy, retry later");
        assertThat(busy.header("retry-after")).isEqualTo("1");
        f.gateway.forceOffer(CommandGateway.Offer.CLOSED);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(503);
        f.gateway.forceOffer(CommandGateway.Offer.TOO_LARGE);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(413);
        f.gateway.forceOffer(null);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(200);
    }

    @Test
    void shouldRedirectToTheLeaderFromAFollowerAndAnswer503WithoutOne()
    {
        f = new HttpApiFixture(c -> c.leaderUrl(id -> id.equals("n2") ? "http://10.0.0.2:8001" : null));
        f.gateway.forceOffer(CommandGateway.Offer.NOT_LEADER);
        final HttpApiFixture.Resp election = f.get("/v0/namespaces");
        assertThat(election.status()).isEqualTo(503);
        assertThat(election.detail()).contains("no leader is known yet");

        f.gateway.leaderId("n2");
        final HttpApiFixture.Resp redirect = f.get("/v0/namespace/ns/runs/1/10?x=y");
        assertThat(redirect.status()).isEqualTo(307);
        assertThat(redirect.header("location")).isEqualTo("http://10.0.0.2:8001/v0/namespace/ns/runs/1/10?x=y");

        f.gateway.forceOffer(null);
        f.gateway.notLeaderReplies(true);
        final HttpApiFixture.Resp moved = f.get("/v0/namespaces");
        assertThat(moved.status()).isEqualTo(503);
        assertThat(moved.detail()).contains("leadership moved while the request was in flight");
        f.gateway.notLeaderReplies(false);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(200);
    }

    @Test
    void shouldServeStatusWithoutAKey() throws Exception
    {
        start();
        final java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.base + "/status")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"mode\":\"single\"}");
    }

    @Test
    void shouldAnswer504WhenTheEngineDoesNotReplyInTime()
    {
        f = new HttpApiFixture(c -> c.requestTimeoutMs(200));
        f.gateway.swallowReplies(true);
        final HttpApiFixture.Resp r = f.get("/v0/namespaces");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.detail()).startsWith("Request timed out");
        f.gateway.swallowReplies(false);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswer413ForABodyBeyondTheLimit()
    {
        f = new HttpApiFixture(c -> c.maxBodyBytes(2048));
        final String big = "{\"error\": \"" + "x".repeat(4096) + "\"}";
        final HttpApiFixture.Resp r = f.post(ns("/state/000000000000000000000001/errored"), big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.detail()).contains("2048");
        assertThat(r.header(RequestIds.HEADER)).isNotNull();
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerOurOwn500TextForAnInternalError()
    {
        start();
        f.gateway.corruptReplies(true);
        final HttpApiFixture.Resp r = f.get("/v0/namespaces");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("{\"success\": false, \"detail\": \"internal server error\"}");
        assertThat(r.header(RequestIds.HEADER)).isNotNull();
        f.gateway.corruptReplies(false);
        assertThat(f.get("/v0/namespaces").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrderOnOneConnection() throws IOException
    {
        start();
        try (Socket socket = new Socket("127.0.0.1", f.server.port()))
        {
            socket.setSoTimeout(10_000);
            final String get = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + API_KEY + "\r\n\r\n";
            final String close = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            final OutputStream out = socket.getOutputStream();
            out.write((String.format(get, "/v0/namespaces") + String.format(get, "/nope") + close)
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String all = readAll(socket.getInputStream());
            final int first = all.indexOf("HTTP/1.1 200 OK");
            final int second = all.indexOf("HTTP/1.1 404 Not Found");
            final int third = all.indexOf("HTTP/1.1 200 OK", second);
            assertThat(first).isGreaterThanOrEqualTo(0);
            assertThat(second).isGreaterThan(first);
            assertThat(third).isGreaterThan(second);
            assertThat(all).contains("{\"namespaces\":[],\"count\":0}").endsWith("{\"message\":\"OK\"}");
        }
    }

    @Test
    void shouldAnswer400ToAMalformedRequestAndKeepServing() throws IOException
    {
        start();
        try (Socket socket = new Socket("127.0.0.1", f.server.port()))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nBad Header Line\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            final String all = readAll(socket.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 400").contains("Invalid HTTP request");
        }
        assertThat(f.get("/health").status()).isEqualTo(200);
    }

    @Test
    void shouldCloseTheGatewaySessionOnClose()
    {
        start();
        final long session = f.server.context().sessionId();
        assertThat(f.gateway.hasSession(session)).isTrue();
        f.close();
        assertThat(f.gateway.hasSession(session)).isFalse();
        f = null;
    }

    @Test
    void shouldRefuseAnIncompleteContext()
    {
        try (EngineLoop loop = new EngineLoop(new EngineLoop.Context()))
        {
            final String key = SecretsCipher.generateKey();
            assertThatThrownBy(() -> HttpApiServer.launch(new HttpApiServer.Context().port(0).secretsKey(key), loop))
                .hasMessageContaining("API key");
            assertThatThrownBy(() -> HttpApiServer.launch(new HttpApiServer.Context().port(0).apiKey("k"), loop))
                .hasMessageContaining("secrets key");
            assertThatThrownBy(() -> HttpApiServer.launch(
                new HttpApiServer.Context().port(70000).apiKey("k").secretsKey(key), loop)).hasMessageContaining("port");
            assertThatThrownBy(() -> HttpApiServer.launch(
                new HttpApiServer.Context().port(0).apiKey("k").secretsKey(key).leaseMs(-1), loop))
                .hasMessageContaining("lease");
            assertThat(new HttpApiServer.Context().port()).isEqualTo(8000);
            assertThat(new HttpApiServer.Context().leaseMs()).isZero();
            assertThat(new HttpApiServer.Context().secretsKey(key).toString()).doesNotContain(key);
        }
    }

    private static String readAll(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0)
        {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
