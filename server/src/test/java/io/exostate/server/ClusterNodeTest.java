package io.exostate.server;

import io.exostate.core.engine.Replies;
import io.exostate.core.template.NodeRegistration;
import io.exostate.transport.client.ExoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Three {@code exostate node --id --cluster} members in this JVM: followers send binary clients to the leader
 * (NOT_LEADER with its address, which the SDK follows) and HTTP clients with a 307; {@code /status} shows each
 * member's role and the replicas' digests converge.
 */
@Timeout(120)
class ClusterNodeTest
{
    private static final String API_KEY = "cluster-test-key";
    private static final String SECRETS_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    @TempDir
    Path dir;

    private final List<NodeCommand.Running> members = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopMembers()
    {
        for (final NodeCommand.Running m : members)
        {
            m.close();
        }
    }

    private static NodeCommand command(final String... args)
    {
        final NodeCommand cmd = new NodeCommand(new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), Map.of());
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void shouldSendClientsOfAFollowerToTheLeaderAndConverge() throws Exception
    {
        final int[] ports = ClusterProcesses.freePorts(9);
        final StringBuilder list = new StringBuilder();
        for (int i = 0; i < 3; i++)
        {
            list.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:").append(ports[3 * i])
                .append(':').append(ports[3 * i + 1]).append(':').append(ports[3 * i + 2]);
        }
        for (int i = 0; i < 3; i++)
        {
            members.add(command("--id", "n" + (i + 1), "--cluster", list.toString(), "--data-dir",
                dir.resolve("n" + (i + 1)).toString(), "--api-key", API_KEY, "--secrets-key", SECRETS_KEY).start());
        }
        final int leader = awaitLeader(ports);
        final int follower = (leader + 1) % 3;

        // HTTP on a follower: 307 to the same path on the leader.
        final String body = "{\"runtime_name\":\"rt\",\"nodes\":[{\"name\":\"N\",\"inputs_schema\":{}," +
            "\"outputs_schema\":{},\"secrets\":[]}]}";
        final HttpResponse<String> redirected = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + ports[3 * follower + 2] + "/v0/namespace/ns/nodes/?x=1"))
            .header("x-api-key", API_KEY).header("content-type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(redirected.statusCode()).isEqualTo(307);
        assertThat(redirected.headers().firstValue("location")).hasValue(
            "http://127.0.0.1:" + ports[3 * leader + 2] + "/v0/namespace/ns/nodes/?x=1");
        final HttpResponse<String> onLeader = http.send(HttpRequest.newBuilder(URI.create(
            redirected.headers().firstValue("location").orElseThrow())).header("x-api-key", API_KEY)
            .header("content-type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(onLeader.statusCode()).as(onLeader.body()).isEqualTo(200);

        // Binary on a follower: the SDK follows NOT_LEADER to the leader's address.
        try (ExoClient client = ExoClient.connect(new ExoClient.Context().host("127.0.0.1")
            .port(ports[3 * follower + 1]).namespace("ns").apiKey(API_KEY)))
        {
            final Replies.Register reply = client.registerNodes("rt2", List.of(new NodeRegistration("M", List.of(),
                List.of(), List.of(), "{}", "{}")));
            assertThat(reply.ok()).as("%s", reply).isTrue();
            assertThat(client.namespacesAsync().get()).containsExactly("ns");
        }

        // Every member applies the same entries to the same engine.
        final long deadline = System.currentTimeMillis() + 30_000;
        Set<String> digests = Set.of();
        while (System.currentTimeMillis() < deadline)
        {
            digests = new HashSet<>();
            for (int i = 0; i < 3; i++)
            {
                digests.add(field(status(ports[3 * i + 2]), "applied_index") + "/" +
                    field(status(ports[3 * i + 2]), "digest"));
            }
            if (digests.size() == 1)
            {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(digests).hasSize(1);
        assertThat(status(ports[3 * follower + 2])).contains("\"role\":\"FOLLOWER\"", "\"mode\":\"cluster\"",
            "\"leader\":\"n" + (leader + 1) + "\"");
    }

    @Test
    void shouldRefuseInconsistentClusterOptionsWithAPreciseMessage()
    {
        final String list = "n1=127.0.0.1:9701,n2=127.0.0.1:9702";
        assertThatThrownBy(() -> command("--id", "n1").start()).hasMessage(
            "--id and --cluster go together: give both to run a cluster member, neither for a single node");
        assertThatThrownBy(() -> command("--id", "n3", "--cluster", list, "--api-key", API_KEY,
            "--secrets-key", SECRETS_KEY).start()).hasMessage(
            "--id n3 is not one of the --cluster members [n1, n2]");
        assertThatThrownBy(() -> command("--id", "n1", "--cluster", list, "--port", "7000", "--api-key", API_KEY,
            "--secrets-key", SECRETS_KEY).start()).hasMessageContaining(
            "--port 7000 differs from this member's entry in --cluster (7701)");
        assertThatThrownBy(() -> command("--id", "n1", "--cluster", list, "--data-dir",
            dir.resolve("n1").toString()).start()).hasMessageContaining(
            "a cluster member needs the API key and the secrets key every member shares");
    }

    /** The leader's index, once every member knows it (a follower that has not heard from it yet answers 503). */
    private int awaitLeader(final int[] ports) throws Exception
    {
        final long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline)
        {
            for (int i = 0; i < 3; i++)
            {
                if (status(ports[3 * i + 2]).contains("\"role\":\"LEADER\"") && allKnowLeader(ports, i))
                {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader known to every member within 60 s");
    }

    private boolean allKnowLeader(final int[] ports, final int leader) throws Exception
    {
        for (int i = 0; i < 3; i++)
        {
            if (!status(ports[3 * i + 2]).contains("\"leader\":\"n" + (leader + 1) + "\""))
            {
                return false;
            }
        }
        return true;
    }

    private String status(final int httpPort) throws IOException, InterruptedException
    {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + httpPort + "/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static String field(final String json, final String name)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":\"?([^,\"}]*)")
            .matcher(json);
        return m.find() ? m.group(1) : null;
    }
}
