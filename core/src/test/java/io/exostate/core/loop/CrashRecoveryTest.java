package io.exostate.core.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a node JVM with SIGKILL at random moments under load, restarts it, and checks that nothing the client saw
 * acknowledged is lost, nothing is applied twice, and the recovered state equals a fresh replay of the journal.
 */
class CrashRecoveryTest
{
    private static final int KILLS = 6;

    @TempDir
    Path dir;

    private final List<Process> children = new CopyOnWriteArrayList<>();

    /** Never leave a child behind: it would run on after the test, writing into a deleted folder. */
    @AfterEach
    void killChildren()
    {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    // A separate thread, so that a read blocked on a hung child still ends the test (and the children die above).
    @Timeout(value = 420, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldKeepEveryAcknowledgedCommandAcrossSigkills() throws Exception
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final List<String> acks = new CopyOnWriteArrayList<>();
        for (int k = 0; k < KILLS; k++)
        {
            final Process p = start("run", "k" + k);
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicBoolean sawReady = new AtomicBoolean();
            final Thread reader = new Thread(() -> readAcks(p, acks, ready, sawReady), "crash-reader-" + k);
            reader.start();
            // A child that cannot answer within 60 s prints a thread dump and exits (ending the wait at once).
            ready.await(90, TimeUnit.SECONDS);
            assertThat(sawReady).as("node %d started (seed %d); its stderr:%n%s", k, seed, stderr("k" + k)).isTrue();
            Thread.sleep(200 + random.nextInt(1200));
            p.destroyForcibly(); // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
        }

        final List<String> verify = output(start("verify"), "verify");
        final Set<String> runs = new HashSet<>();
        final Map<Long, String> states = new HashMap<>();
        final Map<String, Integer> statesPerRunAndNode = new HashMap<>();
        String digest = null;
        for (final String line : verify)
        {
            final String[] f = line.split(" ");
            switch (f[0])
            {
                case "RUN" -> runs.add(f[1]);
                case "STATE" ->
                {
                    states.put(Long.parseLong(f[1]), f[3]);
                    statesPerRunAndNode.merge(f[4] + "/" + f[2], 1, Integer::sum);
                }
                case "DIGEST" -> digest = f[1];
                default ->
                {
                }
            }
        }
        int triggers = 0;
        int executed = 0;
        for (final String ack : acks)
        {
            final String[] f = ack.split(" ");
            if (f[1].equals("TRIGGER"))
            {
                triggers++;
                assertThat(runs).as("acknowledged run %s present (seed %d)", f[2], seed).contains(f[2]);
            }
            else
            {
                executed++;
                assertThat(states.get(Long.parseLong(f[2])))
                    .as("acknowledged executed state %s is SUCCESS (seed %d)", f[2], seed).isEqualTo("SUCCESS");
            }
        }
        assertThat(triggers).as("load ran").isGreaterThan(KILLS);
        assertThat(executed).isGreaterThan(KILLS);
        // Nothing applied twice: every run has one state per node at most (a linear two-node graph, no retries).
        assertThat(statesPerRunAndNode.values()).allMatch(n -> n == 1);

        final List<String> fresh = output(start("fresh"), "fresh");
        assertThat(fresh).as("fresh replay of the journal alone").contains("DIGEST " + digest);
        System.out.printf("crash test: %d kills, %d acknowledged triggers, %d acknowledged executed, seed %d%n",
            KILLS, triggers, executed, seed);
    }

    private static void readAcks(
        final Process p, final List<String> acks, final CountDownLatch ready, final AtomicBoolean sawReady)
    {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                if (line.equals("READY"))
                {
                    sawReady.set(true);
                    ready.countDown();
                }
                else if (line.startsWith("ACK "))
                {
                    acks.add(line);
                }
            }
        }
        catch (final IOException ex)
        {
            // The pipe breaks when the child is killed mid-line: every complete line before it was read.
            acks.add("# pipe closed: " + ex.getMessage());
            acks.remove(acks.size() - 1);
        }
        ready.countDown(); // the child is gone: nothing to wait for
    }

    private List<String> output(final Process p, final String name) throws Exception
    {
        final List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                lines.add(line);
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("child output: %s%nits stderr:%n%s", lines, stderr(name)).isZero();
        assertThat(lines).contains("END");
        return lines;
    }

    private String stderr(final String name) throws IOException
    {
        final Path file = dir.resolve(name + ".err");
        return Files.exists(file) ? Files.readString(file) : "(none)";
    }

    /** Starts {@code CrashNode <mode> <dir> [tag]}; its stderr goes to {@code <dir>/<tag or mode>.err}. */
    private Process start(final String mode, final String... tag) throws IOException
    {
        final List<String> args = new ArrayList<>(List.of(mode, dir.toString()));
        args.addAll(List.of(tag));
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle") || a.startsWith("-Djava.util.concurrent"))
            {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashNode.class.getName());
        cmd.addAll(args);
        final String name = tag.length > 0 ? tag[0] : mode;
        // Not inherited: an orphaned child holding the build's stderr open would hang the build, not just this test.
        final Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(name + ".err").toFile()).start();
        children.add(p);
        return p;
    }
}
