package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryEncoder;
import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.engine.Views;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.EngineLoop;
import io.exostate.core.loop.Journal;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.CachedEpochClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running {@link HttpApiServer} on 127.0.0.1 and a free port over the real {@link EngineLoop} (no journal, a
 * clock the test moves), seen through a {@link FaultInjectingGateway}, with a {@link HttpClient} speaking HTTP/1.1
 * to it. Closes everything it started.
 */
final class HttpApiFixture implements AutoCloseable
{
    static final String API_KEY = "test-api-key";
    static final String NS = "testns";
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Engine time starts at 2026-01-01T00:00:00Z and moves only when a test advances it. */
    static final long START_MS = 1_767_225_600_000L;
    private static final long TEST_SESSION = 77;

    final CachedEpochClock clock = new CachedEpochClock();
    final EngineLoop loop;
    final FaultInjectingGateway gateway;
    private final Map<Long, CompletableFuture<Object>> reads = new ConcurrentHashMap<>();
    private final AtomicLong readCorrelation = new AtomicLong();
    final String secretsKey = SecretsCipher.generateKey();
    final HttpApiServer server;
    final HttpClient client;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    final String base;

    HttpApiFixture()
    {
        this(c ->
        {
        });
    }

    HttpApiFixture(final Consumer<HttpApiServer.Context> configure)
    {
        clock.update(START_MS);
        loop = new EngineLoop(new EngineLoop.Context().clock(clock).journal(Journal.NONE)).start();
        gateway = new FaultInjectingGateway(loop);
        loop.openSession(TEST_SESSION, new ReplySink()
        {
            @Override
            public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
            {
                final CompletableFuture<Object> read = reads.remove(correlationId);
                if (read != null)
                {
                    read.complete(new ReplyDecoder().decode(buffer, offset, length));
                }
            }

            @Override
            public void onFlush()
            {
            }
        });
        final HttpApiServer.Context ctx = new HttpApiServer.Context()
            .port(0)
            .bindAddress("127.0.0.1")
            .apiKey(API_KEY)
            .secretsKey(secretsKey)
            .ioThreads(1);
        configure.accept(ctx);
        server = HttpApiServer.launch(ctx, gateway);
        base = "http://127.0.0.1:" + server.port();
        client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
    }

    /** A response: status, headers and the body text ({@link #json()} parses it). */
    record Resp(int status, HttpHeaders headers, String body)
    {
        JsonNode json()
        {
            try
            {
                return MAPPER.readTree(body);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("not JSON: " + body, ex);
            }
        }

        String header(final String name)
        {
            return headers.firstValue(name).orElse(null);
        }

        String detail()
        {
            return json().path("detail").asText(null);
        }

        @Override
        public String toString()
        {
            return status + " " + body;
        }
    }

    Resp get(final String path)
    {
        return send("GET", path, null, Map.of(HttpApiRoutes.API_KEY_HEADER, API_KEY));
    }

    Resp put(final String path, final String json)
    {
        return send("PUT", path, json, Map.of(HttpApiRoutes.API_KEY_HEADER, API_KEY));
    }

    Resp post(final String path, final String json)
    {
        return send("POST", path, json, Map.of(HttpApiRoutes.API_KEY_HEADER, API_KEY));
    }

    Resp send(final String method, final String path, final String json, final Map<String, String> headers)
    {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null)
        {
            b.header("content-type", "application/json");
        }
        headers.forEach(b::header);
        try
        {
            final HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.headers(), r.body());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    static String ns(final String rest)
    {
        return "/v0/namespace/" + NS + rest;
    }

    /** A pydantic {@code model_json_schema()} of a model whose fields are all {@code str}. */
    static String schema(final String title, final String... fields)
    {
        final StringBuilder props = new StringBuilder();
        final StringBuilder required = new StringBuilder();
        for (int i = 0; i < fields.length; i++)
        {
            final String f = fields[i];
            final String t = Character.toUpperCase(f.charAt(0)) + f.substring(1);
            props.append(i == 0 ? "" : ", ").append('"').append(f).append("\": {\"title\": \"").append(t)
                .append("\", \"type\": \"string\"}");
            required.append(i == 0 ? "" : ", ").append('"').append(f).append('"');
        }
        return "{\"properties\": {" + props + "}, \"required\": [" + required + "], \"title\": \"" + title +
            "\", \"type\": \"object\"}";
    }

    /** Registers nodes the way the Python runtime does (route #3). */
    Resp register(final String runtimeName, final String... nodeJson)
    {
        return put(ns("/nodes/"), "{\"runtime_name\": \"" + runtimeName + "\", \"runtime_namespace\": \"" + NS +
            "\", \"nodes\": [" + String.join(", ", nodeJson) + "]}");
    }

    static String node(final String name, final String inputsSchema, final String outputsSchema, final String... secrets)
    {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < secrets.length; i++)
        {
            s.append(i == 0 ? "" : ", ").append('"').append(secrets[i]).append('"');
        }
        return "{\"name\": \"" + name + "\", \"namespace\": \"" + NS + "\", \"inputs_schema\": " + inputsSchema +
            ", \"outputs_schema\": " + outputsSchema + ", \"secrets\": [" + s + "]}";
    }

    long now()
    {
        return clock.time();
    }

    void advance(final long ms)
    {
        clock.advance(ms);
    }

    /** Asks the engine loop a query on a test session of its own and waits for the decoded reply. */
    Object query(final Query query)
    {
        final long correlation = readCorrelation.incrementAndGet();
        final CompletableFuture<Object> read = new CompletableFuture<>();
        reads.put(correlation, read);
        final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(256);
        final int length = new QueryEncoder().encode(buf, 0, query);
        assertThat(loop.offer(TEST_SESSION, correlation, buf, 0, length)).isEqualTo(CommandGateway.Offer.ACCEPTED);
        try
        {
            return read.get(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new IllegalStateException("no answer to " + query, ex);
        }
    }

    /** A state's full view (status, data, ...) through the node-details query. */
    Views.NodeDetails state(final String graph, final String runId, final String stateId)
    {
        final Object reply = query(new Query.GetNodeDetails(NS, graph, runId, stateId));
        assertThat(reply).as("node details of " + stateId).isInstanceOf(Views.NodeDetails.class);
        return (Views.NodeDetails)reply;
    }

    @Override
    public void close()
    {
        server.close();
        loop.close();
        executor.shutdownNow();
    }
}
