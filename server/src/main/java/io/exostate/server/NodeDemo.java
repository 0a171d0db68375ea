package io.exostate.server;

import io.exostate.core.engine.Views;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.UnitesSpec;
import io.exostate.transport.client.ExoClient;
import io.exostate.transport.client.Node;
import io.exostate.transport.client.Runtime;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo of {@code exostate node --demo}: a Java runtime in this process, connected to the node's binary port like
 * any other, runs a planner, a splitter that fans out into workers, and a merger that unites on the planner (once
 * per run, when every worker is done). A client triggers one run a second; one progress line a second.
 */
final class NodeDemo implements AutoCloseable
{
    static final String NAMESPACE = "demo";
    static final String GRAPH = "fanout-unite";
    static final int FANOUT = 3;

    private final Runtime runtime;
    private final ExoClient client;
    private final ScheduledExecutorService ticker;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long triggered;

    private NodeDemo(final Runtime runtime, final ExoClient client, final PrintStream out)
    {
        this.runtime = runtime;
        this.client = client;
        this.out = out;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "exostate-demo");
            t.setDaemon(true);
            return t;
        });
    }

    static NodeDemo start(final String host, final int port, final String apiKey, final PrintStream out)
    {
        final ExoClient.Context clientContext = new ExoClient.Context().host(host).port(port).namespace(NAMESPACE)
            .apiKey(apiKey).clientName("exostate-demo");
        final Runtime runtime = Runtime.start(new Runtime.Context().client(clientContext.copy().clientName("demo-runtime"))
            .runtimeName("demo-runtime").nodes(nodes()));
        final ExoClient client = ExoClient.connect(clientContext);
        final Views.Graph graph = client.upsertGraph(graph());
        if (!graph.valid())
        {
            runtime.close();
            client.close();
            throw new IllegalStateException("the demo graph does not validate: " + graph.validationErrors());
        }
        final NodeDemo demo = new NodeDemo(runtime, client, out);
        out.printf("demo: runtime 'demo-runtime' connected; triggering '%s' in namespace '%s' every second " +
            "(plan -> split -> %d x work -> merge unites plan)%n", GRAPH, NAMESPACE, FANOUT);
        demo.ticker.scheduleAtFixedRate(demo::tick, 0, 1, TimeUnit.SECONDS);
        return demo;
    }

    private void tick()
    {
        try
        {
            client.trigger(GRAPH, Map.of(), Map.of("job", "job-" + (triggered + 1)), 0);
            triggered++;
            final Views.RunsPage page = client.runs(1, 1000);
            long succeeded = 0;
            long pending = 0;
            for (final Views.RunSummary r : page.runs())
            {
                succeeded += "SUCCESS".equals(r.status()) ? 1 : 0;
                pending += "PENDING".equals(r.status()) ? 1 : 0;
            }
            out.printf("demo t=%4ds runs: triggered %d, total %d, succeeded %d (last 1000), pending %d | " +
                "states executed by the runtime %d%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
                triggered, page.total(), succeeded, pending, runtime.completedExecutions());
        }
        catch (final RuntimeException ex)
        {
            // The node may be stopping or restarting: say so and try again next second.
            out.println("demo: " + ex.getMessage());
        }
    }

    static List<Node> nodes()
    {
        final List<Node> nodes = new ArrayList<>();
        nodes.add(Node.named("Plan").inputs("job").outputs("job").single((in, s) -> Map.of("job", in.get("job"))));
        nodes.add(Node.named("Split").inputs("job").outputs("chunk").execute((in, s) ->
        {
            final List<Map<String, String>> chunks = new ArrayList<>();
            for (int i = 1; i <= FANOUT; i++)
            {
                chunks.add(Map.of("chunk", in.get("job") + "/" + i));
            }
            return chunks;
        }));
        nodes.add(Node.named("Work").inputs("chunk").outputs("result")
            .single((in, s) -> Map.of("result", "done " + in.get("chunk"))));
        nodes.add(Node.named("Merge").inputs("job").single((in, s) -> null));
        return nodes;
    }

    static GraphSpec graph()
    {
        return new GraphSpec(NAMESPACE, GRAPH, List.of(
            new NodeTemplateSpec("Plan", NAMESPACE, "plan",
                List.of(TemplateInput.of("job", "${{ store.job }}")), List.of("split"), null),
            new NodeTemplateSpec("Split", NAMESPACE, "split",
                List.of(TemplateInput.of("job", "${{ plan.outputs.job }}")), List.of("work"), null),
            new NodeTemplateSpec("Work", NAMESPACE, "work",
                List.of(TemplateInput.of("chunk", "${{ split.outputs.chunk }}")), List.of("merge"), null),
            new NodeTemplateSpec("Merge", NAMESPACE, "merge",
                List.of(TemplateInput.of("job", "${{ plan.outputs.job }}")), null,
                new UnitesSpec("plan", UniteStrategy.ALL_DONE))),
            Map.of(), RetryPolicySpec.DEFAULT, new StoreConfigSpec(List.of("job"), Map.of()), List.of());
    }

    @Override
    public void close()
    {
        ticker.shutdownNow();
        try
        {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        runtime.close();
        client.close();
    }
}
