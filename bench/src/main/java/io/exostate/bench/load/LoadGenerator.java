package io.exostate.bench.load;

import ch.qos.logback.classic.Level;
import io.exostate.transport.client.Endpoint;
import io.exostate.transport.client.ExoException;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code exostate bench}: the end-to-end load generator. Starts a node in this process (or targets one), drives it
 * with R runtime connections over the binary protocol (or R workers over the HTTP API) through M runs of a graph whose
 * nodes execute instantly, prints one progress line a second, and at the end runs/s, state transitions/s and latency
 * percentiles. See {@code docs/benchmarks.md}, "Load generator".
 * <p>
 * Exit codes: 0 when every run completed (or {@code --duration} ended the load), 1 when the load failed (a refused
 * command, a lost connection, no progress for {@code --stall-timeout}, errors), 2 for bad options.
 */
@Command(name = "exostate bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Load generator: drives a node with R runtimes over the binary protocol (or the HTTP API) through M runs " +
            "of a graph whose nodes execute instantly, and reports runs/s, transitions/s and latency percentiles.",
        "By default it starts a node in this process (data under ./data/bench-<time>, deleted at the end)."})
public final class LoadGenerator implements Callable<Integer>
{
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;

    @Option(names = "--runtimes", description = "R: runtime connections (or HTTP workers) (default: ${DEFAULT-VALUE}).",
        defaultValue = "50")
    int runtimes;

    @Option(names = "--runs", description = "M: runs to complete (default: ${DEFAULT-VALUE}).",
        defaultValue = "100000")
    long runs;

    @Option(names = "--graph", description = "chain:N, fanout:K or fanout-unite:K; nodes execute instantly " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "chain:5")
    String graph;

    @Option(names = "--frames", description = "single: one command per frame, each flushed (claims of 1 state); " +
        "batched: claims of up to --claim-max states, their reports in one write, triggers in batches " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "single")
    String frames;

    @Option(names = "--claim-max", description = "States one claim asks for with --frames batched, at least 16 " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int claimMax;

    @Option(names = "--wait-ms", description = "Long-poll wait of a claim (default: ${DEFAULT-VALUE}).",
        defaultValue = "5000")
    long waitMs;

    @Option(names = "--in-flight", description = "Most runs triggered but not complete (default: 1000 for single " +
        "frames, 2 x R x --claim-max for batched).")
    Integer inFlight;

    @Option(names = "--trigger-batch", description = "Most triggers written with one flush with --frames batched " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int triggerBatch;

    @Option(names = "--rate", description = "Target runs per second, 0 for as fast as possible " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "0")
    double rate;

    @Option(names = "--duration", description = "Stop after this many seconds even if runs remain, 0 for no limit " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long durationSeconds;

    @Option(names = "--warmup", description = "Seconds at the start left out of the final figures " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "2")
    long warmupSeconds;

    @Option(names = "--stall-timeout", description = "Fail when no run completes for this many seconds " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "30")
    long stallSeconds;

    @Option(names = "--client-io-threads", description = "I/O threads shared by the binary connections of the " +
        "load, 0 for one thread per connection (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int clientIoThreads;

    @Option(names = "--journal", description = "Embedded node's journal: default (Chronicle, page cache), fsync " +
        "(synced per batch) or none (Journal.NONE) (default: ${DEFAULT-VALUE}).", defaultValue = "default")
    String journal;

    @Option(names = "--server-io-threads", description = "Embedded node's binary protocol I/O threads " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int serverIoThreads;

    @Option(names = "--data-dir", description = "Where the embedded node's data directory bench-<time> is made " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "./data")
    Path dataRoot;

    @Option(names = "--keep", description = "Keep the embedded node's data directory.")
    boolean keep;

    @Option(names = "--target", description = "host:port of a running node's binary endpoint instead of an " +
        "embedded node; for a cluster, its nodes' endpoints separated by commas (the clients follow the leader and " +
        "move on when a node fails).")
    String target;

    @Option(names = "--http-target", description = "host:port of the target's HTTP API (default: the first --target " +
        "host, port 8000). --http drives this one node: the HTTP API does not redirect to a leader.")
    String httpTarget;

    @Option(names = "--api-key", description = "The target's API key (default: $EXOSTATE_API_KEY).")
    String apiKey;

    @Option(names = "--namespace", description = "Namespace of the load's nodes, graph and runs " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "bench")
    String namespace;

    @Option(names = "--http", description = "Drive the HTTP API (states/enqueue, state/{id}/executed, trigger) " +
        "instead of the binary protocol.")
    boolean http;

    @Option(names = "--verbose", description = "Keep the client and server INFO logs.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final Map<String, String> env;
    private Result result;

    public LoadGenerator()
    {
        this(System.out, System.getenv());
    }

    LoadGenerator(final PrintStream out, final Map<String, String> env)
    {
        this.out = out;
        this.env = env;
    }

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    /** The figures of the last {@link #call()}, for tests. */
    Result result()
    {
        return result;
    }

    /** What a finished load measured. */
    record Result(
        long completedRuns,
        long clientTransitions,
        long engineTransitions,
        long expectedTransitionsPerRun,
        long errors,
        double runsPerSecond,
        double transitionsPerSecond)
    {
    }

    // ------------------------------------------------------------------------------------------------------------
    // Options.
    // ------------------------------------------------------------------------------------------------------------

    private CommandLine.ParameterException bad(final String message)
    {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    LoadOptions options()
    {
        final GraphShape shape;
        try
        {
            shape = GraphShape.parse(graph);
        }
        catch (final IllegalArgumentException ex)
        {
            throw bad(ex.getMessage());
        }
        final boolean batched;
        switch (frames)
        {
            case "single" -> batched = false;
            case "batched" -> batched = true;
            default -> throw bad("Expected --frames single or batched, but got '" + frames + "'");
        }
        if (runtimes < 1 || runtimes > 10_000)
        {
            throw bad("Expected --runtimes in 1..10000, but got " + runtimes);
        }
        if (runs < 1 || runs > Integer.MAX_VALUE - 8)
        {
            throw bad("Expected --runs in 1.." + (Integer.MAX_VALUE - 8) + ", but got " + runs);
        }
        if (batched && (claimMax < 16 || claimMax > 4096))
        {
            throw bad("Expected --claim-max in 16..4096 with --frames batched, but got " + claimMax);
        }
        if (waitMs < 1 || waitMs > 30_000)
        {
            throw bad("Expected --wait-ms in 1..30000 (below the server's idle timeout), but got " + waitMs);
        }
        final int bound = inFlight != null ? inFlight : batched ? 2 * runtimes * claimMax : 1000;
        if (bound < 1)
        {
            throw bad("Expected --in-flight >= 1, but got " + bound);
        }
        if (triggerBatch < 1 || triggerBatch > 65_536)
        {
            throw bad("Expected --trigger-batch in 1..65536, but got " + triggerBatch);
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate))
        {
            throw bad("Expected --rate >= 0 (runs per second, 0 for no limit), but got " + rate);
        }
        if (durationSeconds < 0 || warmupSeconds < 0 || stallSeconds < 1)
        {
            throw bad("Expected --duration >= 0, --warmup >= 0 and --stall-timeout >= 1, but got " +
                durationSeconds + ", " + warmupSeconds + " and " + stallSeconds);
        }
        if (serverIoThreads < 1 || serverIoThreads > 64)
        {
            throw bad("Expected --server-io-threads in 1..64, but got " + serverIoThreads);
        }
        if (clientIoThreads < 0 || clientIoThreads > 64)
        {
            throw bad("Expected --client-io-threads in 0..64, but got " + clientIoThreads);
        }
        journalMode();
        if (namespace == null || namespace.isEmpty())
        {
            throw bad("Expected a --namespace, but got an empty one");
        }
        List<Endpoint> targets = List.of();
        String httpHost = "127.0.0.1";
        int httpPort = 0;
        String key = null;
        if (target != null)
        {
            try
            {
                targets = Endpoint.parseAll(List.of(target));
            }
            catch (final IllegalArgumentException ex)
            {
                throw bad("Expected --target host:port[,host:port...]: " + ex.getMessage());
            }
            httpHost = targets.get(0).host();
            httpPort = 8000;
            if (httpTarget != null)
            {
                try
                {
                    final Endpoint h = Endpoint.parse(httpTarget);
                    httpHost = h.host();
                    httpPort = h.port();
                }
                catch (final IllegalArgumentException ex)
                {
                    throw bad("Expected --http-target host:port: " + ex.getMessage());
                }
            }
            key = apiKey != null ? apiKey : env.get("EXOSTATE_API_KEY");
            if (key == null || key.isEmpty())
            {
                throw bad("Expected --api-key (or $EXOSTATE_API_KEY) with --target, but got none");
            }
        }
        else if (httpTarget != null || apiKey != null)
        {
            throw bad("Expected --http-target and --api-key only with --target");
        }
        return new LoadOptions(targets, httpHost, httpPort, key, namespace, runtimes, runs, shape, batched,
            batched ? claimMax : 1, waitMs, bound, triggerBatch, rate, TimeUnit.SECONDS.toMillis(durationSeconds),
            TimeUnit.SECONDS.toMillis(warmupSeconds), TimeUnit.SECONDS.toMillis(stallSeconds), http, clientIoThreads);
    }

    private EmbeddedNode.JournalMode journalMode()
    {
        return switch (journal)
        {
            case "default" -> EmbeddedNode.JournalMode.DEFAULT;
            case "fsync" -> EmbeddedNode.JournalMode.FSYNC;
            case "none" -> EmbeddedNode.JournalMode.NONE;
            default -> throw bad("Expected --journal default, fsync or none, but got '" + journal + "'");
        };
    }

    // ------------------------------------------------------------------------------------------------------------
    // The load.
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public Integer call() throws Exception
    {
        final LoadOptions checked = options();
        if (!verbose)
        {
            quietLogs();
        }
        EmbeddedNode node = null;
        LoadOptions o = checked;
        if (target == null)
        {
            final Path dir = dataRoot.resolve("bench-" +
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))).toAbsolutePath()
                .normalize();
            node = EmbeddedNode.start(dir, journalMode(), o.http(), serverIoThreads, keep);
            o = o.withEndpoints(List.of(new Endpoint("127.0.0.1", node.port())), "127.0.0.1", node.httpPort(),
                node.apiKey());
        }
        try
        {
            return run(o, node);
        }
        finally
        {
            if (node != null)
            {
                node.close();
                if (keep)
                {
                    out.println("exostate bench: data kept in " + node.dataDir());
                }
            }
        }
    }

    /** The binary targets as given: {@code host:port}, several separated by commas. */
    private static String targets(final LoadOptions o)
    {
        final StringBuilder b = new StringBuilder();
        for (final Endpoint e : o.targets())
        {
            b.append(b.length() == 0 ? "" : ",").append(e);
        }
        return b.toString();
    }

    private static void quietLogs()
    {
        final org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback)
        {
            logback.setLevel(Level.WARN);
        }
    }

    private int run(final LoadOptions o, final EmbeddedNode node) throws Exception
    {
        final GraphShape shape = o.shape();
        final String runPrefix = "load-" + Long.toString(System.currentTimeMillis(), 36) + "-";
        final LoadStats stats = new LoadStats(shape, o.runs(), o.inFlight(), !o.http());
        printHeader(o, node);

        final BinaryLoad binary = new BinaryLoad(o, stats, runPrefix);
        HttpLoad httpLoad = null;
        try
        {
            try
            {
                binary.connect();
            }
            catch (final ExoException | IllegalStateException ex)
            {
                out.println("exostate bench: FAILED: cannot set up the load on " + targets(o) + ": " +
                    ex.getMessage());
                return EXIT_FAILED;
            }
            if (o.http())
            {
                httpLoad = new HttpLoad(o, stats);
                httpLoad.start();
            }
            else
            {
                binary.start();
            }
            final Window window = drive(o, stats, node);
            binary.stop();
            if (httpLoad != null)
            {
                httpLoad.stop();
            }
            return finish(o, stats, node, window);
        }
        finally
        {
            if (httpLoad != null)
            {
                httpLoad.close();
            }
            binary.close();
        }
    }

    /** The counts at the start and the end of the measured window. */
    private record Window(long startNs, long endNs, long runs0, long runs1, long transitions0, long transitions1,
        long engine0, long engine1, long states0, long states1, boolean stalled, boolean timedOut,
        Histogram claimToReport, Histogram readyToDelivered)
    {
        double seconds()
        {
            return (endNs - startNs) / 1e9;
        }
    }

    /** Prints a progress line every second until the load is done, its duration passed, or it stalls. */
    private Window drive(final LoadOptions o, final LoadStats stats, final EmbeddedNode node) throws InterruptedException
    {
        final long secondNs = TimeUnit.SECONDS.toNanos(1);
        final long warmupNs = TimeUnit.MILLISECONDS.toNanos(o.warmupMs());
        final long durationNs = TimeUnit.MILLISECONDS.toNanos(o.durationMs());
        final long stallNs = TimeUnit.MILLISECONDS.toNanos(o.stallMs());
        long nextReport = secondNs;
        long lastTransitions = 0;
        long lastEngine = 0;
        long lastStates = 0;
        long lastCompleted = 0;
        long lastProgressNs = 0;
        boolean warm = warmupNs == 0;
        long startNs = 0;
        long runs0 = 0;
        long transitions0 = 0;
        long engine0 = 0;
        long states0 = 0;
        boolean stalled = false;
        boolean timedOut = false;
        while (true)
        {
            long now = stats.elapsedNs();
            long next = nextReport;
            if (!warm && warmupNs < next)
            {
                next = warmupNs;
            }
            if (durationNs > 0 && durationNs < next)
            {
                next = durationNs;
            }
            final boolean done = stats.awaitDone(Math.max(0, next - now));
            now = stats.elapsedNs();
            if (done)
            {
                break;
            }
            if (!warm && now >= warmupNs)
            {
                warm = true;
                startNs = now;
                runs0 = stats.completed();
                transitions0 = stats.transitions.sum();
                engine0 = node != null ? node.transitions() : 0;
                states0 = stats.reportedStates.sum();
                stats.resetLatencies();
            }
            if (durationNs > 0 && now >= durationNs)
            {
                timedOut = true;
                break;
            }
            if (now >= nextReport)
            {
                final long completed = stats.completed();
                final long transitions = stats.transitions.sum();
                final long engine = node != null ? node.transitions() : 0;
                final long states = stats.reportedStates.sum();
                out.printf(Locale.ROOT, "t=%3ds  runs triggered %,d completed %,d | transitions/s %,d%s | " +
                        "states/s %,d%n", TimeUnit.NANOSECONDS.toSeconds(nextReport), stats.triggered.sum(),
                    completed, transitions - lastTransitions,
                    node != null ? String.format(Locale.ROOT, " (engine %,d)", engine - lastEngine) : "",
                    states - lastStates);
                lastTransitions = transitions;
                lastEngine = engine;
                lastStates = states;
                if (completed != lastCompleted)
                {
                    lastCompleted = completed;
                    lastProgressNs = now;
                }
                else if (now - lastProgressNs >= stallNs)
                {
                    stalled = true;
                    break;
                }
                nextReport += secondNs;
            }
        }
        final long endNs = stats.elapsedNs();
        if (!warm)
        {
            // The load ended within the warm-up: measure all of it.
            startNs = 0;
        }
        return new Window(startNs, endNs, runs0, stats.completed(), transitions0, stats.transitions.sum(), engine0,
            node != null ? node.transitions() : 0, states0, stats.reportedStates.sum(), stalled, timedOut,
            stats.claimToReport(), stats.readyToDelivered());
    }

    private void printHeader(final LoadOptions o, final EmbeddedNode node)
    {
        final GraphShape shape = o.shape();
        out.println("exostate bench");
        if (node != null)
        {
            out.printf(Locale.ROOT, "  node              embedded, journal %s, data %s, binary 127.0.0.1:%d (%s, %d I/O " +
                    "thread(s))%s%n", journal, node.dataDir(), node.port(), node.transportName(), serverIoThreads,
                o.http() ? ", http 127.0.0.1:" + node.httpPort() : "");
        }
        else
        {
            out.printf(Locale.ROOT, "  node              target %s%s%n", targets(o),
                o.http() ? ", http " + o.httpHost() + ":" + o.httpPort() : "");
        }
        out.printf(Locale.ROOT, "  load              %s, %d %s, %,d runs of %s, frames %s, claims of %s%s, " +
                "in flight <= %,d runs, rate %s, client I/O threads %s%n",
            o.http() ? "HTTP API" : "binary protocol", o.runtimes(), o.http() ? "workers" : "runtime connections",
            o.runs(), shape, o.batched() ? "batched" : "single",
            o.batched() ? "up to " + o.claimMax() : "1", o.http() ? " (no long-poll)" : ", long-poll " + o.waitMs() +
                " ms", o.inFlight(), o.rate() > 0 ? String.format(Locale.ROOT, "%,.0f runs/s", o.rate()) :
                "as fast as possible", o.clientIoThreads() == 0 ? "one per connection" : o.clientIoThreads());
        out.printf(Locale.ROOT, "  machine           %d CPUs, %s, load average %.2f at start%n",
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " " +
                System.getProperty("java.version"), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.printf(Locale.ROOT, "  transitions       per run of %s: %s%n", shape, shape.transitionsFormula());
    }

    private int finish(final LoadOptions o, final LoadStats stats, final EmbeddedNode node, final Window w)
    {
        final GraphShape shape = o.shape();
        final double seconds = w.seconds();
        final long runsDone = w.runs1() - w.runs0();
        final long transitions = w.transitions1() - w.transitions0();
        final long states = w.states1() - w.states0();
        final double runsPerSecond = seconds > 0 ? runsDone / seconds : 0;
        final double transitionsPerSecond = seconds > 0 ? transitions / seconds : 0;
        final Histogram claimToReport = w.claimToReport();
        final Histogram readyToDelivered = w.readyToDelivered();
        final long completed = stats.completed();
        final long clientTotal = stats.transitions.sum();

        out.println();
        out.printf(Locale.ROOT, "results (window t=%.1fs..%.1fs, %.2f s%s)%n", w.startNs() / 1e9, w.endNs() / 1e9,
            seconds, w.startNs() > 0 ? ", warm-up left out" : "");
        out.printf(Locale.ROOT, "  runs completed    %,d of %,d%s%n", completed, o.runs(),
            w.timedOut() ? " (stopped by --duration)" : w.stalled() ? " (STALLED)" : "");
        out.printf(Locale.ROOT, "  runs/s            %,.0f%n", runsPerSecond);
        out.printf(Locale.ROOT, "  transitions/s     %,.0f%s%n", transitionsPerSecond, node != null ?
            String.format(Locale.ROOT, "   (engine listener: %,.0f)",
                seconds > 0 ? (w.engine1() - w.engine0()) / seconds : 0) : "");
        out.printf(Locale.ROOT, "  states/s          %,.0f   (claimed states reported executed)%n",
            seconds > 0 ? states / seconds : 0);
        out.printf(Locale.ROOT, "  claims            %,d (%,d empty), %.1f states per claim%n", stats.claims.sum(),
            stats.emptyClaims.sum(), stats.claims.sum() == 0 ? 0.0 :
                (double)stats.claimedStates.sum() / stats.claims.sum());
        printHistogram("claim->report", claimToReport);
        if (stats.measuresReadyToDelivered())
        {
            printHistogram("ready->delivered", readyToDelivered);
            out.printf(Locale.ROOT, "                    (%,d claim replies read before their executed reply: " +
                "counted as 0; %,d unpaired)%n", stats.claimBeforeExecuted.sum(), stats.unpaired.sum());
        }
        else
        {
            out.println("  ready->delivered  not measured (chain graphs over the binary protocol only)");
        }
        final long expected = completed * shape.transitionsPerRun();
        final long engineTotal = node != null ? node.transitions() : -1;
        out.printf(Locale.ROOT, "  transition count  client %,d; %,d runs x %d = %,d%s%n", clientTotal, completed,
            shape.transitionsPerRun(), expected, node != null ? String.format(Locale.ROOT, "; engine listener %,d " +
                "(%s)", engineTotal, engineTotal == clientTotal && clientTotal == expected ? "all equal" :
                "differ: runs or reports were in flight at the stop") : "");
        out.printf(Locale.ROOT, "  errors            %,d%s%n", stats.errors.sum(),
            stats.firstError() == null ? "" : " (first: " + stats.firstError() + ")");
        out.printf(Locale.ROOT, "  load average      %.2f at the end%n",
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.println();
        out.println("definitions");
        out.println("  transition        a status change the engine journals (EngineListener.onTransition): a claimed " +
            "state makes 4 (new->CREATED, CREATED->QUEUED, QUEUED->EXECUTED, EXECUTED->SUCCESS); each extra output of " +
            "a fanout makes a sibling state born EXECUTED with 2 (new->EXECUTED, EXECUTED->SUCCESS). Counted by the " +
            "client from claim and executed replies; an embedded node's listener counts the engine's own.");
        out.println("  claim->report     per claimed state, from its claim reply arriving at the client to its " +
            "executed reply arriving (nodes execute instantly); batched: to the last executed reply of the claim's " +
            "reports (one write; the replies come back in order, usually in one read).");
        out.println("  ready->delivered  chain graphs: from the executed reply of step i arriving at the client to " +
            "the claim reply delivering step i+1 arriving (a client-side measure of state ready -> delivered to a " +
            "long-polling runtime); 0 when the claim reply is read first.");

        result = new Result(completed, clientTotal, engineTotal, shape.transitionsPerRun(), stats.errors.sum(),
            runsPerSecond, transitionsPerSecond);
        if (stats.fatalError() != null)
        {
            out.println("exostate bench: FAILED: " + stats.fatalError());
            return EXIT_FAILED;
        }
        if (w.stalled())
        {
            out.printf(Locale.ROOT, "exostate bench: FAILED: no run completed for %d s%n", stallSeconds);
            return EXIT_FAILED;
        }
        if (stats.errors.sum() > 0)
        {
            out.println("exostate bench: FAILED: " + stats.errors.sum() + " error(s)");
            return EXIT_FAILED;
        }
        return EXIT_OK;
    }

    private void printHistogram(final String name, final Histogram h)
    {
        if (h.getTotalCount() == 0)
        {
            out.printf(Locale.ROOT, "  %-17s no samples%n", name);
            return;
        }
        out.printf(Locale.ROOT, "  %-17s p50 %s  p99 %s  p99.9 %s  max %s  (%,d samples)%n", name,
            micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
            micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), h.getTotalCount());
    }

    private static String micros(final long ns)
    {
        if (ns >= 10_000_000)
        {
            return String.format(Locale.ROOT, "%,.1f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, ns >= 100_000 ? "%,.0f us" : "%.1f us", ns / 1e3);
    }
}
