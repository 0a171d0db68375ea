package io.exostate.core.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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

    @Test
    @Timeout(420)
    void shouldKeepEveryAcknowledgedCommandAcrossSigkills() throws Exception
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final List<String> acks = new CopyOnWriteArrayList<>();
        for (int k = 0; k < KILLS; k++)
        {
            final Process p = start("run", dir.toString(), "k" + k);
            final CountDownLatch ready = new CountDownLatch(1);
            final Thread reader = new Thread(() -> readAcks(p, acks, ready), "crash-reader-" + k);
            reader.start();
            assertThat(ready.await(100, TimeUnit.SECONDS)).as("node %d started (seed %d)", k, seed).isTrue();
            Thread.sleep(200 + random.nextInt(1200));
            p.destroyForcibly(); // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
        }

        final List<String> verify = output(start("verify", dir.toString()));
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

        final List<String> fresh = output(start("fresh", dir.toString()));
        assertThat(fresh).as("fresh replay of the journal alone").contains("DIGEST " + digest);
        System.out.printf("crash test: %d kills, %d acknowledged triggers, %d acknowledged executed, seed %d%n",
            KILLS, triggers, executed, seed);
    }

    private static void readAcks(final Process p, final List<String> acks, final CountDownLatch ready)
    {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                if (line.equals("READY"))
                {
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
    }

    private static List<String> output(final Process p) throws Exception
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
        assertThat(p.exitValue()).as("child output: %s", lines).isZero();
        assertThat(lines).contains("END");
        return lines;
    }

    private static Process start(final String... args) throws IOException
    {
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
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
