package io.exostate.server;

import io.exostate.transport.BinaryServer;
import io.exostate.transport.http.HttpApiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code exostate node}: one ExoState node with embedded defaults. Prints its effective configuration and endpoints,
 * serves until SIGTERM or Ctrl-C, then stops cleanly (a final snapshot, the journal closed).
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run an ExoState node: the engine, its journal, the binary protocol and the HTTP API.")
public final class NodeCommand implements Callable<Integer>
{
    @Option(names = "--data-dir", description = "Journal, snapshots and keys (default: ./data, or ./data/<id> for a " +
        "cluster member).")
    Path dataDir;

    @Option(names = "--bind", description = "Address the endpoints listen on (default: ${DEFAULT-VALUE}).",
        defaultValue = "127.0.0.1")
    String bind;

    @Option(names = "--port", description = "Binary protocol port, 0 for a free one (default: 7700; a cluster " +
        "member takes its own from --cluster).")
    Integer port;

    @Option(names = "--http-port", description = "HTTP API port, 0 for a free one (default: 8000; a cluster " +
        "member takes its own from --cluster).")
    Integer httpPort;

    @Option(names = "--id", description = "This member's id in --cluster (cluster mode only).")
    String id;

    @Option(names = "--cluster", description = "Run as a member of a replicated cluster: " +
        "id=host:raftPort[:binaryPort:httpPort],... the same list on every member, e.g. " +
        "n1=127.0.0.1:9701,n2=127.0.0.1:9702,n3=127.0.0.1:9703 (binary = raft - 2000, http = raft - 1700 " +
        "unless given).")
    String cluster;

    @Option(names = "--api-key", description = "API key clients must present (default: $EXOSTATE_API_KEY, " +
        "$STATE_MANAGER_SECRET, or one generated once into <data-dir>/api.key).")
    String apiKey;

    @Option(names = "--secrets-key", description = "URL-safe base64 of 32 bytes encrypting graph secrets (default: " +
        "$SECRETS_ENCRYPTION_KEY, or one generated once into <data-dir>/secrets.key).")
    String secretsKey;

    @Option(names = "--fsync", description = "Sync the journal before each batch's replies leave (survives power loss).")
    boolean fsync;

    @Option(names = "--lease", description = "Lease of states claimed over HTTP, e.g. 5m; 0 for none " +
        "(Exosphere's runtimes send no heartbeats) (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    String lease;

    @Option(names = "--retention", description = "Keep journal files this long once a snapshot covers them, " +
        "e.g. 24h (default: ${DEFAULT-VALUE}).", defaultValue = "24h")
    String retention;

    @Option(names = "--run-retention", description = "Keep a finished run's states in memory this long, then " +
        "only its summary (the journal keeps its history), e.g. 1h, 10m; 'forever' to keep everything. Every member " +
        "of a cluster must use the same value (default: ${DEFAULT-VALUE}).", defaultValue = "1h")
    String runRetention;

    @Option(names = "--snapshot-interval", description = "Time between snapshots of a single node (a cluster member " +
        "snapshots every 10 000 applied entries) (default: ${DEFAULT-VALUE}).",
        defaultValue = "60s")
    String snapshotInterval;

    @Option(names = "--demo", description = "Also run a demo runtime in this process and trigger a fanout + unite " +
        "graph every second, printing one progress line per second.")
    boolean demo;

    private final PrintStream out;
    private final Map<String, String> env;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    public NodeCommand()
    {
        this(System.out, System.getenv());
    }

    NodeCommand(final PrintStream out, final Map<String, String> env)
    {
        this.out = out;
        this.env = env;
    }

    /** What a started node holds; closed in reverse order. */
    record Running(ExoNode node, BinaryServer binary, HttpApiServer http, NodeKeys.Key apiKey, NodeDemo demo)
        implements AutoCloseable
    {
        @Override
        public void close()
        {
            if (demo != null)
            {
                demo.close();
            }
            if (http != null)
            {
                http.close();
            }
            if (binary != null)
            {
                binary.close();
            }
            node.close();
        }
    }

    @Override
    public Integer call() throws Exception
    {
        final Running r = start();
        // SIGTERM and Ctrl-C run the hook: it lets the main thread stop the node, then waits until it has.
        final Thread hook = new Thread(() ->
        {
            stop.countDown();
            try
            {
                stopped.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "exostate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stop.await();
        out.println("exostate: stopping");
        r.close();
        out.println("exostate: stopped");
        stopped.countDown();
        return 0;
    }

    /** Starts everything and prints the configuration; used by {@link #call()} and by tests. */
    Running start() throws Exception
    {
        final long leaseMs = parseDuration("--lease", lease);
        final long retentionMs = parseDuration("--retention", retention);
        final long runRetentionMs = runRetention.trim().equalsIgnoreCase("forever") ? Long.MAX_VALUE :
            parseDuration("--run-retention", runRetention);
        if (runRetentionMs < 1)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                "--run-retention must be a positive duration such as 1h or 10m, or 'forever', but is " + runRetention);
        }
        final long snapshotMs = parseDuration("--snapshot-interval", snapshotInterval);
        final ClusterSpec spec = clusterSpec();
        final ClusterSpec.Member self = spec == null ? null : spec.member(id);
        final int binaryPort = resolvePort("--port", port, self == null ? 7700 : self.binaryPort());
        final int apiPort = resolvePort("--http-port", httpPort, self == null ? 8000 : self.httpPort());
        final Path dir = (dataDir != null ? dataDir : self == null ? Path.of("data") : Path.of("data", self.id()))
            .toAbsolutePath().normalize();
        final boolean apiKeyGiven = apiKey != null || env.containsKey("EXOSTATE_API_KEY") ||
            env.containsKey("STATE_MANAGER_SECRET") || Files.exists(dir.resolve("api.key"));
        final boolean secretsKeyGiven = secretsKey != null || env.containsKey("SECRETS_ENCRYPTION_KEY") ||
            Files.exists(dir.resolve("secrets.key"));
        if (spec != null && !(apiKeyGiven && secretsKeyGiven))
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                "a cluster member needs the API key and the secrets key every member shares: give --api-key and " +
                "--secrets-key (or EXOSTATE_API_KEY and SECRETS_ENCRYPTION_KEY); scripts/cluster generates them once");
        }
        final NodeKeys.Key key = NodeKeys.apiKey(apiKey, env, dir);
        final NodeKeys.Key secrets = NodeKeys.secretsKey(secretsKey, env, dir);

        final ExoNode.Context nodeContext = new ExoNode.Context().dataDir(dir).fsync(fsync)
            .retentionMs(retentionMs).runRetentionMs(runRetentionMs).snapshotIntervalMs(snapshotMs);
        final ExoNode node = spec == null ? ExoNode.start(nodeContext) :
            ExoNode.startCluster(nodeContext.cluster(spec, id));
        final AtomicLong sessionIds = new AtomicLong();
        BinaryServer binary = null;
        HttpApiServer http = null;
        try
        {
            final BinaryServer.Context binaryContext = new BinaryServer.Context().bindAddress(bind).port(binaryPort)
                .apiKey(key.value()).secretsKey(secrets.value()).gateway(node.gateway())
                .sessionIds(sessionIds::incrementAndGet);
            final HttpApiServer.Context httpContext = new HttpApiServer.Context().bindAddress(bind).port(apiPort)
                .apiKey(key.value()).secretsKey(secrets.value()).leaseMs(leaseMs).status(node::status);
            if (spec != null)
            {
                binaryContext.leaderAddress(spec::binaryAddress);
                httpContext.leaderUrl(spec::httpUrl);
            }
            binary = BinaryServer.start(binaryContext);
            http = HttpApiServer.launch(httpContext, node.gateway());
        }
        catch (final RuntimeException ex)
        {
            new Running(node, binary, http, key, null).close();
            throw ex;
        }
        final Running started = new Running(node, binary, http, key, null);
        out.println("exostate node");
        if (spec != null)
        {
            out.printf("  cluster member    %s of %s (raft %s; replicated: a majority fsyncs every entry)%n", id,
                spec.members().keySet(), self.raftAddress());
            out.printf("  data dir          %s (raft log and snapshots in raft/, transition history %s, " +
                "applied index %d)%n", dir, fsync ? "fsync per batch" : "page cache", node.appliedIndex());
        }
        else
        {
            out.printf("  data dir          %s (journal %s, applied log index %d)%n", dir,
                fsync ? "fsync per batch" : "page cache, survives kill -9", node.appliedIndex());
        }
        out.printf("  api key           from %s%s%n", key.source(),
            key.source().endsWith("(generated)") ? ": " + key.value() : "");
        out.printf("  secrets key       from %s%n", secrets.source());
        if (spec == null)
        {
            out.printf("  snapshots         every %s, journal retention %s%n", snapshotInterval, retention);
        }
        else
        {
            // --snapshot-interval does not apply: Ratis snapshots by applied entries and purges its log behind them.
            out.printf("  snapshots         every %d applied entries (raft), history journal retention %s%n",
                node.raft().context().snapshotThreshold(), retention);
        }
        out.printf("  finished runs     leave memory %s%n", runRetentionMs == Long.MAX_VALUE ? "never (forever)" :
            "after " + runRetention + " (summaries stay listed)");
        out.printf("  http claim lease  %s%n", leaseMs == 0 ? "none" : lease);
        out.printf("  binary protocol   %s:%d (%s)%n", bind, binary.port(), binary.transportName());
        out.printf("  http api          http://%s:%d/v0 (Exosphere-compatible; /health needs no key)%n", bind,
            http.port());
        if (!demo)
        {
            return started;
        }
        try
        {
            final String host = "0.0.0.0".equals(bind) ? "127.0.0.1" : bind;
            return new Running(node, binary, http, key, NodeDemo.start(host, binary.port(), key.value(), out));
        }
        catch (final RuntimeException ex)
        {
            started.close();
            throw ex;
        }
    }

    private ClusterSpec clusterSpec()
    {
        if (cluster == null && id == null)
        {
            return null;
        }
        if (cluster == null || id == null)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                "--id and --cluster go together: give both to run a cluster member, neither for a single node");
        }
        try
        {
            final ClusterSpec spec = ClusterSpec.parse(cluster);
            spec.member(id);
            return spec;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                ex.getMessage());
        }
    }

    /** A port option: its value, else the default; in a cluster it must match the member's entry when given. */
    private int resolvePort(final String option, final Integer given, final int fallback)
    {
        if (given == null)
        {
            return fallback;
        }
        if (cluster != null && given != fallback)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                option + " " + given + " differs from this member's entry in --cluster (" + fallback + "): the " +
                "other members send clients there, so set the port in --cluster (id=host:raft:binary:http)");
        }
        if (given < 0 || given > 65535)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                option + " must be in [0, 65535], but is " + given);
        }
        return given;
    }

    static long parseDuration(final String option, final String text)
    {
        final String t = text.trim().toLowerCase();
        try
        {
            if (t.equals("0"))
            {
                return 0;
            }
            final long n = Long.parseLong(t.substring(0, t.length() - (t.endsWith("ms") ? 2 : 1)));
            final long ms;
            if (t.endsWith("ms"))
            {
                ms = n;
            }
            else if (t.endsWith("s"))
            {
                ms = Duration.ofSeconds(n).toMillis();
            }
            else if (t.endsWith("m"))
            {
                ms = Duration.ofMinutes(n).toMillis();
            }
            else if (t.endsWith("h"))
            {
                ms = Duration.ofHours(n).toMillis();
            }
            else if (t.endsWith("d"))
            {
                ms = Duration.ofDays(n).toMillis();
            }
            else
            {
                throw new IllegalArgumentException("no unit");
            }
            if (ms < 0)
            {
                throw new IllegalArgumentException("negative");
            }
            return ms;
        }
        catch (final RuntimeException ex)
        {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new NodeCommand()),
                option + " must be a duration like 500ms, 30s, 5m, 24h or 7d, or 0, but got '" + text + "'");
        }
    }
}
