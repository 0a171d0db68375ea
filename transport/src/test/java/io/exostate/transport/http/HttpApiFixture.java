package io.exostate.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A running {@link HttpApiServer} on 127.0.0.1 and a free port over a {@link SyncEngineGateway}, with a
 * {@link HttpClient} speaking HTTP/1.1 to it. Closes everything it started.
 */
final class HttpApiFixture implements AutoCloseable
{
    static final String API_KEY = "test-api-key";
    static final String NS = "testns";
    static final ObjectMapper MAPPER = new ObjectMapper();

    final SyncEngineGateway gateway = new SyncEngineGateway();
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

    @Override
    public void close()
    {
        server.close();
        executor.shutdownNow();
    }
}
