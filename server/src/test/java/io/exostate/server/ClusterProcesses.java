package io.exostate.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Three {@code exostate node} members, each in its own JVM ({@link Main}, the test class path and the JVM flags the
 * test runs with), on 127.0.0.1 and ports picked free, with data and logs in a fresh temporary directory. A member
 * can be killed with SIGKILL and started again on the same data directory; its output goes to {@code <id>.log},
 * appended across restarts. {@link #close()} kills every member and deletes the directory.
 */
final class ClusterProcesses implements AutoCloseable
{
    static final List<String> IDS = List.of("n1", "n2", "n3");
    private static final Pattern FIELD = Pattern.compile("\"([a-z_]+)\":(\"[^\"]*\"|-?\\d+|null|true|false)");

    /** One member's addresses. */
    record Member(String id, int raftPort, int binaryPort, int httpPort)
    {
        String binaryAddress()
        {
            return "127.0.0.1:" + binaryPort;
        }
    }

    /** What {@code GET /status} answered. */
    record Status(String id, String role, long term, String leader, long commitIndex, long appliedIndex, String digest)
    {
        boolean leads()
        {
            return "LEADER".equals(role);
        }
    }

    private final Path dir;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();
    /** Members killed by the test and not started again. */
    private final java.util.Set<String> killed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final String cluster;
    private final String apiKey;
    private final String secretsKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** Kills the members should this JVM exit without {@link #close()} (a test run stopped from outside). */
    private final Thread killOnExit = new Thread(this::destroyAll, "cluster-processes-kill-on-exit");

    ClusterProcesses() throws IOException
    {
        dir = Files.createTempDirectory("exostate-cluster-kill-");
        final SecureRandom random = new SecureRandom();
        final byte[] key = new byte[32];
        random.nextBytes(key);
        secretsKey = Base64.getUrlEncoder().encodeToString(key);
        random.nextBytes(key);
        apiKey = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        final int[] ports = freePorts(IDS.size() * 3);
        final List<String> entries = new ArrayList<>();
        for (int i = 0; i < IDS.size(); i++)
        {
            final Member m = new Member(IDS.get(i), ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]);
            members.put(m.id(), m);
            entries.add(m.id() + "=127.0.0.1:" + m.raftPort() + ":" + m.binaryPort() + ":" + m.httpPort());
        }
        cluster = String.join(",", entries);
        java.lang.Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Distinct free loopback ports: all are held open until every one is chosen. */
    static int[] freePorts(final int count) throws IOException
    {
        final List<ServerSocket> sockets = new ArrayList<>();
        try
        {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++)
            {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        }
        finally
        {
            for (final ServerSocket s : sockets)
            {
                s.close();
            }
        }
    }

    Path dir()
    {
        return dir;
    }

    String apiKey()
    {
        return apiKey;
    }

    Member member(final String id)
    {
        return members.get(id);
    }

    /** Starts member {@code id} (again, after a kill: on the same data directory). */
    void start(final String id) throws IOException
    {
        final Process running = processes.get(id);
        if (running != null && running.isAlive())
        {
            throw new IllegalStateException(id + " runs already");
        }
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The flags of the root pom's jvm.flags, as surefire gave them to this JVM (add-opens/exports, Chronicle's
        // properties, the common pool size; on JDK 24+ the native access flags).
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (a.startsWith("--") || a.startsWith("-Dchronicle") || a.startsWith("-Djava.util.concurrent"))
            {
                cmd.add(a);
            }
        }
        // The node's own switches given to the test run (for example -Dexostate.ratis.raft.server.rpc.timeout.min=450ms).
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("exostate.raft."))
            {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of("node", "--id", id, "--cluster", cluster, "--data-dir", dir.resolve(id).toString(),
            "--api-key", apiKey, "--secrets-key", secretsKey));
        final Path log = log(id);
        Files.writeString(log, "=== test: starting " + id + " at " + java.time.Instant.now() + "\n",
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        killed.remove(id);
        final Process p = new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        processes.put(id, p);
    }

    /** SIGKILL (no shutdown hook runs), then waits until the process is gone. */
    void kill(final String id) throws InterruptedException
    {
        final Process p = processes.get(id);
        if (p == null)
        {
            return;
        }
        killed.add(id);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException(id + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
        }
        appendToLog(id, "=== test: SIGKILLed " + id + " at " + java.time.Instant.now() + "\n");
    }

    boolean alive(final String id)
    {
        final Process p = processes.get(id);
        return p != null && p.isAlive();
    }

    /** The member's {@code /status} without the digest, or null when it does not answer within two seconds. */
    Status status(final String id)
    {
        return status(id, false);
    }

    /**
     * The member's {@code /status}, or null when it does not answer within two seconds; the digest only when asked
     * for (it serializes the engine under the apply lock).
     */
    Status status(final String id, final boolean digest)
    {
        final Member m = members.get(id);
        try
        {
            final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                m.httpPort() + "/status" + (digest ? "" : "?digest=false"))).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
            {
                return null;
            }
            final Map<String, String> f = new LinkedHashMap<>();
            final Matcher matcher = FIELD.matcher(r.body());
            while (matcher.find())
            {
                final String v = matcher.group(2);
                f.put(matcher.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
            return new Status(f.get("id"), f.get("role"), Long.parseLong(f.getOrDefault("term", "-1")),
                f.get("leader"), Long.parseLong(f.getOrDefault("commit_index", "-1")),
                Long.parseLong(f.getOrDefault("applied_index", "-1")), f.get("digest"));
        }
        catch (final IOException ex)
        {
            // Down or restarting: no status.
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The status (without the digest) of every member that answers. */
    Map<String, Status> statuses()
    {
        return statuses(false);
    }

    /** The status of every member that answers. */
    Map<String, Status> statuses(final boolean digest)
    {
        final Map<String, Status> out = new LinkedHashMap<>();
        for (final String id : IDS)
        {
            final Status s = status(id, digest);
            if (s != null)
            {
                out.put(id, s);
            }
        }
        return out;
    }

    /** The id of the member that leads (the highest term among those that say so), waiting for one. */
    String awaitLeader(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            requireAlive();
            final Status leader = statuses().values().stream().filter(Status::leads)
                .max(Comparator.comparingLong(Status::term)).orElse(null);
            if (leader != null)
            {
                return leader.id();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no leader within " + timeout + ": " + statuses());
    }

    /** Fails at once when a member the test did not kill has exited (a bad option, a crash at start). */
    void requireAlive()
    {
        for (final Map.Entry<String, Process> e : processes.entrySet())
        {
            if (!e.getValue().isAlive() && !killed.contains(e.getKey()))
            {
                throw new AssertionError(e.getKey() + " exited with code " + e.getValue().exitValue() +
                    "; its log ends:\n" + tail(e.getKey(), 30));
            }
        }
    }

    Path log(final String id)
    {
        return dir.resolve(id + ".log");
    }

    private void appendToLog(final String id, final String line)
    {
        try
        {
            Files.writeString(log(id), line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The last {@code lines} lines of each member's log, for a failure report. */
    String tails(final int lines)
    {
        final StringBuilder b = new StringBuilder();
        for (final String id : IDS)
        {
            b.append("----- last ").append(lines).append(" lines of ").append(log(id)).append('\n')
                .append(tail(id, lines));
        }
        return b.toString();
    }

    /** The last {@code lines} lines of member {@code id}'s log. */
    String tail(final String id, final int lines)
    {
        final StringBuilder b = new StringBuilder();
        try
        {
            final List<String> all = Files.exists(log(id)) ? Files.readAllLines(log(id), StandardCharsets.UTF_8) :
                List.of("(no log)");
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append(l).append('\n'));
        }
        catch (final IOException ex)
        {
            b.append("(cannot read: ").append(ex).append(")\n");
        }
        return b.toString();
    }

    /** Copies the members' logs to {@code target} (kept after {@link #close()} deletes the directory). */
    void keepLogs(final Path target) throws IOException
    {
        Files.createDirectories(target);
        for (final String id : IDS)
        {
            if (Files.exists(log(id)))
            {
                Files.copy(log(id), target.resolve(id + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void destroyAll()
    {
        for (final Process p : processes.values())
        {
            p.destroyForcibly();
        }
    }

    /** Kills every member that still runs, then deletes the directory. */
    @Override
    public void close() throws IOException
    {
        destroyAll();
        try
        {
            java.lang.Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
        catch (final IllegalStateException ex)
        {
            // The JVM is exiting: the hook runs (or ran) anyway.
        }
        for (final Process p : processes.values())
        {
            try
            {
                if (!p.waitFor(30, TimeUnit.SECONDS))
                {
                    System.err.println("cluster kill test: pid " + p.pid() + " survived SIGKILL for 30 s");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (Files.exists(dir))
        {
            try (Stream<Path> walk = Files.walk(dir))
            {
                for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
