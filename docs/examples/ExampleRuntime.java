import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.UnitesSpec;
import io.exostate.core.engine.Views;
import io.exostate.transport.client.ExoClient;
import io.exostate.transport.client.Node;
import io.exostate.transport.client.PruneSignal;
import io.exostate.transport.client.Runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Java runtime for a fanout + unite graph, end to end: four nodes, one graph, one run.
 * <pre>
 *   receive ──> split ──┬──> count ──┐
 *                        ├──> count ──┼──> report (unites receive: runs once, after every branch)
 *                        └──> count ──┘
 * </pre>
 * Run it against a node ({@code ./scripts/exostate node}) with the transport module's class path:
 * <pre>
 *   java -cp "$CLASSPATH" docs/examples/ExampleRuntime.java [host] [port] [namespace] [apiKey]
 * </pre>
 * The build compiles and runs this file in {@code ExampleRuntimeTest}, so it cannot rot.
 */
public final class ExampleRuntime
{
    public static void main(final String[] args) throws Exception
    {
        final String host = args.length > 0 ? args[0] : "127.0.0.1";
        final int port = args.length > 1 ? Integer.parseInt(args[1]) : 7700;
        final String namespace = args.length > 2 ? args[2] : "example";
        final String apiKey = args.length > 3 ? args[3] : System.getenv().getOrDefault("EXOSTATE_API_KEY", "");
        System.out.println("run finished: " + run(host, port, namespace, apiKey));
    }

    /** Registers the nodes, upserts the graph, triggers one run and waits for it; returns the run's status. */
    public static String run(final String host, final int port, final String namespace, final String apiKey)
        throws Exception
    {
        final CompletableFuture<String> reported = new CompletableFuture<>();

        // A node with one output: return a map (or null for none).
        final Node receive = Node.named("Receive").inputs("text").outputs("text")
            .single((inputs, secrets) -> Map.of("text", inputs.get("text").strip()));

        // A node with N outputs is a fanout: one branch per word. Signals end or delay a branch.
        final Node split = Node.named("SplitWords").inputs("text").outputs("word").execute((inputs, secrets) ->
        {
            final List<Map<String, String>> words = new ArrayList<>();
            for (final String word : inputs.get("text").split("\\s+"))
            {
                words.add(Map.of("word", word));
            }
            if (words.isEmpty())
            {
                throw new PruneSignal("{\"reason\": \"no words\"}");
            }
            return words;
        });

        // Any exception reports the state errored with its message; the graph's retry policy decides what follows.
        final Node count = Node.named("CountLetters").inputs("word").outputs("letters")
            .single((inputs, secrets) -> Map.of("letters", String.valueOf(inputs.get("word").length())));

        // A unite node: created once, when every descendant of its target (receive) is done.
        final Node report = Node.named("Report").inputs("text").single((inputs, secrets) ->
        {
            reported.complete(inputs.get("text"));
            return null;
        });

        final Runtime.Context context = new Runtime.Context()
            .client(new ExoClient.Context().host(host).port(port).namespace(namespace).apiKey(apiKey))
            .runtimeName("example-runtime")
            .nodes(receive, split, count, report)
            .workers(4)
            .lease(Duration.ofSeconds(30));

        try (Runtime runtime = Runtime.start(context))
        {
            final ExoClient client = runtime.client();
            final Views.Graph graph = client.upsertGraph(new GraphSpec(namespace, "word-count",
                List.of(
                    template(namespace, "receive", "Receive", Map.of("text", "placeholder"), "split"),
                    template(namespace, "split", "SplitWords", Map.of("text", "${{ receive.outputs.text }}"), "count"),
                    template(namespace, "count", "CountLetters", Map.of("word", "${{ split.outputs.word }}"), "report"),
                    new NodeTemplateSpec("Report", namespace, "report",
                        List.of(TemplateInput.of("text", "${{ receive.outputs.text }}")), null,
                        new UnitesSpec("receive", UniteStrategy.ALL_SUCCESS))),
                Map.of(), RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of()));
            if (!graph.valid())
            {
                throw new IllegalStateException("graph not valid: " + graph.validationErrors());
            }

            final String runId = client.trigger("word-count", Map.of("text", "hello exostate world"), Map.of(), 0);
            System.out.println("triggered run " + runId + "; report saw: " + reported.get(10, TimeUnit.SECONDS));
            return awaitFinished(client, runId, Duration.ofSeconds(10));
        }
    }

    private static NodeTemplateSpec template(
        final String namespace, final String id, final String nodeName, final Map<String, String> inputs,
        final String next)
    {
        final List<TemplateInput> list = new ArrayList<>();
        inputs.forEach((k, v) -> list.add(TemplateInput.of(k, v)));
        return new NodeTemplateSpec(nodeName, namespace, id, list, List.of(next), null);
    }

    /** Reads the runs listing until the run is no longer PENDING. */
    private static String awaitFinished(final ExoClient client, final String runId, final Duration timeout)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            for (final Views.RunSummary run : client.runs(1, 100).runs())
            {
                if (run.runId().equals(runId) && !"PENDING".equals(run.status()))
                {
                    return run.status();
                }
            }
            Thread.sleep(20);
        }
        return "PENDING";
    }
}
