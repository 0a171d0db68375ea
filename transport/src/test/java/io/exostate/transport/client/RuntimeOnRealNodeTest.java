package io.exostate.transport.client;

import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.exostate.transport.client.TestSupport.NS;
import static io.exostate.transport.client.TestSupport.awaitRun;
import static io.exostate.transport.client.TestSupport.node;
import static io.exostate.transport.client.TestSupport.runtimeContext;
import static org.assertj.core.api.Assertions.assertThat;

class RuntimeOnRealNodeTest extends RuntimeTest
{
    @Override
    TestNode startNode(final Path dir)
    {
        return RealNode.start(dir.resolve("journal"));
    }

    @Test
    void shouldEncryptSecretsAtTheEdgeSoNoPlaintextReachesTheJournal() throws IOException
    {
        final String plaintext = "plain-secret-value-7f3a";
        final Node secretive = Node.named("Secretive").outputs("length").secrets("token")
            .single((in, s) -> Map.of("length", Integer.toString(s.get("token").length())));
        startRuntime(runtimeContext(server.port(), "secrets-edge", secretive));
        upsert(new GraphSpec(NS, "sealed", List.of(node("s", "Secretive", Map.of())), Map.of("token", plaintext),
            RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of()));

        final String runId = client.trigger("sealed", Map.of(), Map.of(), 0);

        awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        // The runtime got the plaintext back (decrypted at the edge) ...
        assertThat(states(runId).get(0).outputsMap()).isEqualTo(Map.of("length",
            Integer.toString(plaintext.length())));
        // ... but the journal holds only the ciphertext.
        final byte[] needle = plaintext.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dir.resolve("journal")))
        {
            for (final Path f : files.filter(Files::isRegularFile).toList())
            {
                assertThat(indexOf(Files.readAllBytes(f), needle)).as("plaintext secret in %s", f).isEqualTo(-1);
            }
        }
    }

    private static int indexOf(final byte[] hay, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (hay[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
