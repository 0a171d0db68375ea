package io.exostate.server;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.EngineListener;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import io.exostate.core.model.FieldKind;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.UnitesSpec;
import io.exostate.core.engine.Views;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine in this process with a demo graph flowing through it: a planner hands a job to a splitter that
 * fans out into workers; a merger unites on the planner, so it runs once per run when every worker is done. An in-process runtime claims and executes the work; one progress line a second.
 * <p>
 * Until the single-node server lands (binary protocol, HTTP API, journal) this is the quickest way to see the
 * engine work. The engine thread is this command's only thread; the clock is read here, never in the engine.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the engine in-process with a demo fanout + unite graph, printing progress each second.")
public final class DemoCommand implements Callable<Integer>
{
    static final String NAMESPACE = "demo";
    static final String GRAPH = "fanout-unite";

    @Option(names = "--duration", description = "Seconds to run; 0 runs until interrupted (default: ${DEFAULT-VALUE}).",
        defaultValue = "0")
    long durationSeconds;

    @Option(names = "--runs-per-second", description = "Runs triggered each second (default: ${DEFAULT-VALUE}).",
        defaultValue = "1")
    int runsPerSecond;

    @Option(names = "--fanout", description = "Outputs of the splitter, i.e. workers per run (default: ${DEFAULT-VALUE}).",
        defaultValue = "3")
    int fanout;

    private final PrintStream out;

    public DemoCommand()
    {
        this(System.out);
    }

    DemoCommand(final PrintStream out)
    {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException
    {
        if (runsPerSecond < 1 || fanout < 0 || durationSeconds < 0)
        {
            out.println("exostate demo: --runs-per-second must be >= 1, --fanout >= 0 and --duration >= 0");
            return 2;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread main = Thread.currentThread();
        final Thread hook = new Thread(() ->
        {
            main.interrupt();
            try
            {
                stopped.await(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "exostate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            return run();
        }
        finally
        {
            stopped.countDown();
        }
    }

    private int run()
    {
        final Engine engine = new Engine();
        final long[] transitions = new long[1];
        engine.listener(new EngineListener()
        {
            @Override
            public void onTransition(final long stateId, final String runId, final Status from, final Status to,
                final long time, final long claimToken)
            {
                transitions[0]++;
            }
        });
        long now = System.currentTimeMillis();
        setUp(engine, now);
        out.printf("exostate demo: engine in-process, namespace '%s', graph '%s' (plan -> split -> %d x work -> merge unites plan)," +
            " %d run(s)/s%s%n", NAMESPACE, GRAPH, fanout, runsPerSecond,
            durationSeconds == 0 ? ", Ctrl-C to stop" : ", for " + durationSeconds + " s");

        final long start = now;
        long nextTrigger = now;
        long nextReport = now + 1000;
        long triggered = 0;
        long executed = 0;
        final String[] nodes = {"Plan", "Split", "Work", "Merge"};
        final byte[] splitOutputs = splitOutputs(fanout);
        final byte[] oneOutput = Payloads.encodeList(List.of(Map.of("result", "done", "job", "planned")));
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        while (!Thread.currentThread().isInterrupted())
        {
            now = System.currentTimeMillis();
            if (durationSeconds > 0 && now - start >= durationSeconds * 1000)
            {
                break;
            }
            while (now >= nextTrigger)
            {
                for (int i = 0; i < runsPerSecond; i++)
                {
                    final Replies.Trigger t = engine.trigger(now, NAMESPACE, GRAPH, UUID.randomUUID().toString(),
                        Map.of(), Map.of("job", "job-" + (triggered + 1)), 0);
                    if (!t.ok())
                    {
                        out.println("exostate demo: trigger refused: " + t.rejection());
                        return 1;
                    }
                    triggered++;
                }
                nextTrigger += 1000;
            }

            // The in-process runtime: claim what is ready, execute it, report it.
            final ClaimReply claim = engine.claim(now, NAMESPACE, nodes, nodes.length, 256, 30_000);
            final int n = claim.count();
            final long[] ids = new long[n];
            final long[] tokens = new long[n];
            final String[] names = new String[n];
            for (int i = 0; i < n; i++)
            {
                ids[i] = claim.stateId(i);
                tokens[i] = claim.claimToken(i);
                names[i] = claim.nodeName(i);
            }
            for (int i = 0; i < n; i++)
            {
                final byte[] outputs = "Split".equals(names[i]) ? splitOutputs : oneOutput;
                view.wrap(outputs);
                final Replies.Executed r = engine.executed(now, NAMESPACE, ids[i], tokens[i], view, 0, outputs.length);
                if (!r.ok())
                {
                    out.println("exostate demo: executed refused: " + r.rejection());
                    return 1;
                }
                executed++;
            }

            if (now >= nextReport)
            {
                report(engine, now - start, triggered, executed, transitions[0]);
                nextReport += 1000;
            }
            if (n == 0)
            {
                engine.tick(now);
                try
                {
                    Thread.sleep(5);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
        report(engine, System.currentTimeMillis() - start, triggered, executed, transitions[0]);
        out.println("exostate demo: stopped");
        return 0;
    }

    private void report(final Engine engine, final long elapsedMs, final long triggered, final long executed,
        final long transitions)
    {
        final Engine.Read<Views.RunsPage> page = engine.runs(NAMESPACE, 1, 1_000_000);
        long succeeded = 0;
        long pending = 0;
        for (final Views.RunSummary r : page.value().runs())
        {
            if ("SUCCESS".equals(r.status()))
            {
                succeeded++;
            }
            else if ("PENDING".equals(r.status()))
            {
                pending++;
            }
        }
        out.printf("t=%4ds runs: triggered %d, succeeded %d, pending %d | states executed %d, transitions %d," +
            " live states %d%n", elapsedMs / 1000, triggered, succeeded, pending, executed, transitions,
            engine.stateCount());
    }

    private static byte[] splitOutputs(final int n)
    {
        final List<Map<String, String>> outs = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            outs.add(Map.of("chunk", "chunk-" + (i + 1)));
        }
        return Payloads.encodeList(outs);
    }

    static void setUp(final Engine engine, final long now)
    {
        engine.registerNodes(now, NAMESPACE, "demo-runtime", List.of(
            node("Plan", List.of("job"), List.of("job")),
            node("Split", List.of("job"), List.of("chunk")),
            node("Work", List.of("chunk"), List.of("result")),
            node("Merge", List.of("job"), List.of())));
        final GraphSpec graph = new GraphSpec(NAMESPACE, GRAPH, List.of(
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
        final Replies.Upsert upsert = engine.upsertGraph(now, graph);
        if (!upsert.ok() || !upsert.graph().valid())
        {
            throw new IllegalStateException("the demo graph does not validate: " + upsert);
        }
    }

    private static NodeRegistration node(final String name, final List<String> inputs, final List<String> outputs)
    {
        return new NodeRegistration(name,
            inputs.stream().map(f -> new SchemaField(f, FieldKind.STRING)).toList(),
            outputs.stream().map(f -> new SchemaField(f, FieldKind.STRING)).toList(),
            List.of(), "{}", "{}");
    }
}
