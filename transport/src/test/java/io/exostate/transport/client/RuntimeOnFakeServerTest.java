package io.exostate.transport.client;

import io.exostate.core.engine.Engine;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.exostate.transport.client.TestSupport.awaitRun;
import static io.exostate.transport.client.TestSupport.graph;
import static io.exostate.transport.client.TestSupport.map;
import static io.exostate.transport.client.TestSupport.node;
import static io.exostate.transport.client.TestSupport.runtimeContext;
import static org.assertj.core.api.Assertions.assertThat;

/** The runtime tests against the {@link FakeServer}, plus those that need it to inject faults. */
class RuntimeOnFakeServerTest extends RuntimeTest
{
    private FakeServer fake;

    @Override
    TestNode startNode(final Path dir)
    {
        fake = FakeServer.start(new Engine());
        return fake;
    }

    @Test
    void shouldBackOffAndCompleteWhenServerAnswersBusy()
    {
        final Node echo = Node.named("Echo").single((in, s) -> null);
        startRuntime(runtimeContext(server.port(), "busy", echo));
        upsert(graph("echo", node("e", "Echo", map())));

        fake.busyAnswers.set(20);
        final List<String> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            runs.add(client.trigger("echo", Map.of(), Map.of(), 0));
        }

        for (final String runId : runs)
        {
            awaitRun(client, runId, "SUCCESS", RUN_TIMEOUT);
        }
        assertThat(fake.busySent.get()).isEqualTo(20);
    }
}
