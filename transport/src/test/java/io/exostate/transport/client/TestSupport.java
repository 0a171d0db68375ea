package io.exostate.transport.client;

import io.exostate.core.engine.Views;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.UnitesSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Graph builders, contexts and waiting helpers shared by the client tests. */
final class TestSupport
{
    static final String NS = "test";

    private TestSupport()
    {
    }

    static ExoClient.Context clientContext(final int port)
    {
        return new ExoClient.Context()
            .host("127.0.0.1")
            .port(port)
            .namespace(NS)
            .apiKey(FakeServer.API_KEY)
            .clientName("test-client")
            .connectTimeout(Duration.ofSeconds(5))
            .requestTimeout(Duration.ofSeconds(5))
            .reconnectBackoffMin(Duration.ofMillis(20))
            .reconnectBackoffMax(Duration.ofMillis(200));
    }

    /** A client of a cluster: {@link #clientContext(int)} with these endpoints instead of one port. */
    static ExoClient.Context clusterContext(final String... endpoints)
    {
        return clientContext(1).endpoints(endpoints);
    }

    /** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
    static int unusedPort()
    {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("no free port on loopback", ex);
        }
    }

    static Runtime.Context runtimeContext(final int port, final String name, final Node... nodes)
    {
        return new Runtime.Context()
            .client(clientContext(port))
            .runtimeName(name)
            .nodes(nodes)
            .workers(4)
            .longPollWait(Duration.ofSeconds(2))
            .closeTimeout(Duration.ofSeconds(5));
    }

    static Map<String, String> map(final String... kv)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static NodeTemplateSpec node(
        final String id, final String nodeName, final Map<String, String> inputs, final String... next)
    {
        return new NodeTemplateSpec(
            nodeName, NS, id, inputs(inputs), next.length == 0 ? null : Arrays.asList(next), null);
    }

    static NodeTemplateSpec unite(
        final String id,
        final String nodeName,
        final Map<String, String> inputs,
        final String target,
        final String... next)
    {
        return new NodeTemplateSpec(nodeName, NS, id, inputs(inputs), next.length == 0 ? null : Arrays.asList(next),
            new UnitesSpec(target, UniteStrategy.ALL_SUCCESS));
    }

    static GraphSpec graph(final String name, final RetryPolicySpec retry, final NodeTemplateSpec... nodes)
    {
        return new GraphSpec(NS, name, List.of(nodes), Map.of(), retry, StoreConfigSpec.DEFAULT, List.of());
    }

    static GraphSpec graph(final String name, final NodeTemplateSpec... nodes)
    {
        return graph(name, RetryPolicySpec.DEFAULT, nodes);
    }

    private static List<TemplateInput> inputs(final Map<String, String> inputs)
    {
        final List<TemplateInput> out = new ArrayList<>();
        inputs.forEach((k, v) -> out.add(TemplateInput.of(k, v)));
        return out;
    }

    /** The run's summary line, or null when it is not on the first page. */
    static Views.RunSummary run(final ExoClient client, final String runId)
    {
        for (final Views.RunSummary r : client.runs(1, 1000).runs())
        {
            if (r.runId().equals(runId))
            {
                return r;
            }
        }
        return null;
    }

    /** Waits (polling every 10 ms) until the run has the status, failing with the server's view of it. */
    static Views.RunSummary awaitRun(
        final ExoClient client, final String runId, final String status, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Views.RunSummary r = null;
        while (System.nanoTime() < deadline)
        {
            r = run(client, runId);
            if (r != null && status.equals(r.status()) && r.pendingCount() == 0)
            {
                return r;
            }
            pause(10);
        }
        throw new AssertionError("run " + runId + " did not reach " + status + " within " + timeout + ": " + r +
            "\n" + describe(client, runId));
    }

    /** The states of a run, one line each, for failure messages. */
    static String describe(final ExoClient client, final String runId)
    {
        final StringBuilder b = new StringBuilder();
        try
        {
            for (final Views.GraphNode n : client.runGraph(runId).nodes())
            {
                b.append("  ").append(n.id()).append(' ').append(n.identifier()).append(' ').append(n.status())
                    .append(" error=").append(n.error()).append('\n');
            }
        }
        catch (final ExoException ex)
        {
            b.append("  (run graph not readable: ").append(ex.getMessage()).append(')');
        }
        return b.toString();
    }

    /** Waits (polling every 5 ms) until the condition holds. */
    static void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        await(what, timeout, condition, () -> "");
    }

    static void await(final String what, final Duration timeout, final BooleanSupplier condition,
        final Supplier<String> diagnostics)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + " " +
                    diagnostics.get());
            }
            pause(5);
        }
    }

    static void pause(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
