package io.exostate.server;

import io.exostate.transport.BinaryServer;
import io.exostate.transport.http.HttpApiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
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
    @Option(names = "--data-dir", description = "Journal, snapshots and keys (default: ${DEFAULT-VALUE}).",
        defaultValue = "./data")
    Path dataDir;

    @Option(names = "--bind", description = "Address the endpoints listen on (default: ${DEFAULT-VALUE}).",
        defaultValue = "127.0.0.1")
    String bind;

    @Option(names = "--port", description = "Binary protocol port, 0 for a free one (default: ${DEFAULT-VALUE}).",
        defaultValue = "7700")
    int port;

    @Option(names = "--http-port", description = "HTTP API port, 0 for a free one (default: ${DEFAULT-VALUE}).",
        defaultValue = "8000")
    int httpPort;

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

    @Option(names = "--snapshot-interval", description = "Time between snapshots (default: ${DEFAULT-VALUE}).",
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
        final long snapshotMs = parseDuration("--snapshot-interval", snapshotInterval);
        final Path dir = dataDir.toAbsolutePath().normalize();
        final NodeKeys.Key key = NodeKeys.apiKey(apiKey, env, dir);
        final NodeKeys.Key secrets = NodeKeys.secretsKey(secretsKey, env, dir);

        final ExoNode node = ExoNode.start(new ExoNode.Context().dataDir(dir).fsync(fsync)
            .retentionMs(retentionMs).snapshotIntervalMs(snapshotMs));
        final AtomicLong sessionIds = new AtomicLong();
        BinaryServer binary = null;
        HttpApiServer http = null;
        try
        {
            binary = BinaryServer.start(new BinaryServer.Context().bindAddress(bind).port(port)
                .apiKey(key.value()).secretsKey(secrets.value()).gateway(node.loop())
                .sessionIds(sessionIds::incrementAndGet));
            http = HttpApiServer.launch(new HttpApiServer.Context().bindAddress(bind).port(httpPort)
                .apiKey(key.value()).secretsKey(secrets.value()).leaseMs(leaseMs), node.loop());
        }
        catch (final RuntimeException ex)
        {
            new Running(node, binary, http, key, null).close();
            throw ex;
        }
        final Running started = new Running(node, binary, http, key, null);
        out.println("exostate node");
        out.printf("  data dir          %s (journal %s, applied log index %d)%n", dir,
            fsync ? "fsync per batch" : "page cache, survives kill -9", node.loop().appliedLogIndex());
        out.printf("  api key           from %s%s%n", key.source(),
            key.source().endsWith("(generated)") ? ": " + key.value() : "");
        out.printf("  secrets key       from %s%n", secrets.source());
        out.printf("  snapshots         every %s, journal retention %s%n", snapshotInterval, retention);
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
