package io.exostate.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class NodeCommandTest
{
    @TempDir
    Path dir;

    private NodeCommand.Running start(final ByteArrayOutputStream bytes, final Map<String, String> env,
        final String... args) throws Exception
    {
        final NodeCommand cmd = new NodeCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8), env);
        new CommandLine(cmd).parseArgs(args);
        return cmd.start();
    }

    @Test
    void shouldServeHttpWithAGeneratedKeyAndKeepStateAcrossRestart() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final HttpClient http = HttpClient.newHttpClient();
        String key;
        try (NodeCommand.Running node = start(bytes, Map.of(), "--data-dir", dir.toString(), "--port", "0",
            "--http-port", "0"))
        {
            key = Files.readString(dir.resolve("api.key")).trim();
            assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("binary protocol", "http api",
                "api key           from " + dir.resolve("api.key") + " (generated): " + key);
            final String base = "http://127.0.0.1:" + node.http().port();
            final HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base +
                "/v0/namespace/ns/nodes/")).header("x-api-key", key).header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"runtime_name\":\"rt\",\"nodes\":[{\"name\":\"N\"," +
                    "\"inputs_schema\":{},\"outputs_schema\":{},\"secrets\":[]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        }
        // The same data directory: the same key, the registration recovered from snapshot + journal.
        try (NodeCommand.Running node = start(new ByteArrayOutputStream(), Map.of(), "--data-dir", dir.toString(),
            "--port", "0", "--http-port", "0"))
        {
            assertThat(node.apiKey().value()).isEqualTo(key);
            final HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                node.http().port() + "/v0/namespaces")).header("x-api-key", key).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(list.body()).isEqualTo("{\"namespaces\":[\"ns\"],\"count\":1}");
        }
    }

    @Test
    void shouldRunTheDemoGraphToSuccessThroughARealRuntime() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (NodeCommand.Running node = start(bytes, Map.of(), "--data-dir", dir.toString(), "--port", "0",
            "--http-port", "0", "--demo"))
        {
            final long deadline = System.currentTimeMillis() + 30_000;
            while (!bytes.toString(StandardCharsets.UTF_8).matches("(?s).*succeeded [2-9].*") &&
                System.currentTimeMillis() < deadline)
            {
                Thread.sleep(100);
            }
            assertThat(node.demo()).isNotNull();
        }
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("demo: runtime 'demo-runtime' connected");
        assertThat(text).containsPattern("demo t=\\s*\\d+s runs: triggered \\d+, total \\d+, succeeded [2-9]");
    }

    @Test
    void shouldRetireFinishedRunsAfterTheRunRetentionAndKeepListingThem() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final HttpClient http = HttpClient.newHttpClient();
        try (NodeCommand.Running node = start(bytes, Map.of(), "--data-dir", dir.toString(), "--port", "0",
            "--http-port", "0", "--demo", "--run-retention", "1s"))
        {
            assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("finished runs     leave memory after 1s");
            final String base = "http://127.0.0.1:" + node.http().port();
            final String key = node.apiKey().value();
            // The oldest demo run: finished, and (one second of command time later) retired.
            String oldest = null;
            String graph = "";
            final long deadline = System.currentTimeMillis() + 40_000;
            while (System.currentTimeMillis() < deadline)
            {
                final String runs = get(http, base + "/v0/namespace/demo/runs/1/1000", key);
                final java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "\\{\"run_id\":\"([^\"]+)\"[^}]*\"status\":\"SUCCESS\"[^}]*}\\]}$").matcher(runs);
                if (m.find())
                {
                    oldest = m.group(1);
                    graph = get(http, base + "/v0/namespace/demo/states/run/" + oldest + "/graph", key);
                    if (graph.contains("\"nodes\":[]"))
                    {
                        break;
                    }
                }
                Thread.sleep(200);
            }
            assertThat(oldest).as("a demo run finished").isNotNull();
            assertThat(graph).as("the retired run's graph keeps its name and counts, not its states")
                .contains("\"nodes\":[]").contains("\"graph_name\":\"fanout-unite\"").doesNotContain("\"SUCCESS\":0");
            final String status = get(http, base + "/status", key);
            assertThat(status).contains("\"states_in_memory\":").contains("\"run_retention_ms\":1000");
        }
    }

    private static String get(final HttpClient http, final String url, final String key) throws Exception
    {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-api-key", key)
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", url, r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    void shouldTakeTheApiKeyFromExospheresVariable() throws Exception
    {
        try (NodeCommand.Running node = start(new ByteArrayOutputStream(), Map.of("STATE_MANAGER_SECRET", "s3cret"),
            "--data-dir", dir.toString(), "--port", "0", "--http-port", "0"))
        {
            assertThat(node.apiKey().value()).isEqualTo("s3cret");
            assertThat(node.apiKey().source()).isEqualTo("$STATE_MANAGER_SECRET");
        }
    }

    @Test
    void shouldRefuseABadSecretsKeyAndABadDuration()
    {
        assertThatThrownBy(() -> start(new ByteArrayOutputStream(), Map.of(), "--data-dir", dir.toString(),
            "--secrets-key", "short")).hasMessageContaining("URL-safe base64 of 32 bytes");
        assertThatThrownBy(() -> NodeCommand.parseDuration("--lease", "5 parsecs"))
            .hasMessageContaining("--lease must be a duration like 500ms, 30s, 5m, 24h or 7d");
        assertThat(NodeCommand.parseDuration("--lease", "5m")).isEqualTo(300_000);
        assertThat(NodeCommand.parseDuration("--lease", "250ms")).isEqualTo(250);
        assertThatThrownBy(() -> start(new ByteArrayOutputStream(), Map.of(), "--data-dir", dir.toString(),
            "--run-retention", "0")).hasMessageContaining("--run-retention must be a positive duration");
    }
}
