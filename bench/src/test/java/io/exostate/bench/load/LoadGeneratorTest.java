package io.exostate.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tiny embedded loads through the real node (engine loop, Chronicle journal, binary server, HTTP API): every run
 * completes and the transitions counted by the client and by the engine's listener are exactly runs x per-run count.
 */
class LoadGeneratorTest
{
    private static final int RUNS = 200;
    /** fanout-unite:3: plan, split, 3 x work, merge claimed (6 x 4) + 2 fanout siblings (2 x 2) = 28. */
    private static final long PER_RUN = 28;

    @TempDir
    Path dataRoot;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private LoadGenerator generator;

    private int run(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dataRoot.toString(), "--warmup", "0", "--stall-timeout", "20"));
        generator = new LoadGenerator(new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of());
        final CommandLine cl = new CommandLine(generator);
        cl.setErr(new java.io.PrintWriter(printed, true));
        return cl.execute(all.toArray(new String[0]));
    }

    private String output()
    {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"single", "batched", "http-single", "http-batched"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldCompleteEveryRunWithTheExactTransitionCount(final String mode) throws Exception
    {
        final boolean http = mode.startsWith("http");
        final String frames = mode.endsWith("batched") ? "batched" : "single";
        final List<String> args = new ArrayList<>(List.of("--runs", String.valueOf(RUNS), "--graph", "fanout-unite:3",
            "--runtimes", "4", "--frames", frames));
        if (http)
        {
            args.add("--http");
        }

        final int exit = run(args.toArray(new String[0]));

        assertThat(exit).as(output()).isEqualTo(0);
        final LoadGenerator.Result r = generator.result();
        assertThat(r.completedRuns()).as(output()).isEqualTo(RUNS);
        assertThat(r.expectedTransitionsPerRun()).isEqualTo(PER_RUN);
        assertThat(r.clientTransitions()).as(output()).isEqualTo(RUNS * PER_RUN);
        assertThat(r.engineTransitions()).as(output()).isEqualTo(RUNS * PER_RUN);
        assertThat(r.errors()).isZero();
        assertThat(output()).contains("runs completed    200 of 200", "all equal", "claim->report     p50");
        try (var left = Files.list(dataRoot))
        {
            assertThat(left).as("the embedded node's data directory is deleted").isEmpty();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldMeasureReadyToDeliveredOnAChainWithoutAJournal()
    {
        final int exit = run("--runs", "100", "--graph", "chain:4", "--runtimes", "3", "--journal", "none");

        assertThat(exit).as(output()).isEqualTo(0);
        assertThat(generator.result().clientTransitions()).isEqualTo(100 * 16);
        assertThat(generator.result().engineTransitions()).isEqualTo(100 * 16);
        assertThat(output()).contains("ready->delivered  p50");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseBadOptionsWithExitCode2()
    {
        assertThat(run("--graph", "ring:3")).isEqualTo(2);
        assertThat(output()).contains("Expected --graph chain:N, fanout:K or fanout-unite:K");
        assertThat(run("--frames", "batched", "--claim-max", "8")).isEqualTo(2);
        assertThat(run("--journal", "sometimes")).isEqualTo(2);
        assertThat(run("--target", "localhost")).isEqualTo(2);
        assertThat(run("--target", "localhost:7700")).isEqualTo(2);
        assertThat(output()).contains("Expected --api-key (or $EXOSTATE_API_KEY) with --target");
        assertThat(run("--target", "127.0.0.1:7701,127.0.0.1,127.0.0.1:7703", "--api-key", "k")).isEqualTo(2);
        assertThat(output()).contains("entry 2 of 3 '127.0.0.1' is not one: the port is missing");
        assertThat(run("--target", "127.0.0.1:7701", "--http-target", "127.0.0.1", "--api-key", "k")).isEqualTo(2);
        assertThat(output()).contains("Expected --http-target host:port");
        assertThat(run("--runtimes", "0")).isEqualTo(2);
        assertThat(run("--no-such-option")).isEqualTo(2);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailWithExitCode1WhenTheTargetCannotBeReached() throws Exception
    {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0))
        {
            port = s.getLocalPort();
        }

        final int exit = run("--target", "127.0.0.1:" + port, "--api-key", "k", "--runs", "10");

        assertThat(exit).isEqualTo(1);
        assertThat(output()).contains("exostate bench: FAILED: cannot set up the load on 127.0.0.1:" + port);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldDriveATargetListSkippingAnEndpointThatRefuses() throws Exception
    {
        final int refusing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0))
        {
            refusing = s.getLocalPort();
        }
        final EmbeddedNode node = EmbeddedNode.start(dataRoot.resolve("target"), EmbeddedNode.JournalMode.NONE,
            false, 1, false);
        try
        {
            final String targets = "127.0.0.1:" + refusing + ",127.0.0.1:" + node.port();

            final int exit = run("--target", targets, "--api-key", node.apiKey(), "--runs", "50",
                "--graph", "chain:2", "--runtimes", "2");

            assertThat(exit).as(output()).isEqualTo(0);
            assertThat(output()).contains("target " + targets, "runs completed    50 of 50");
            assertThat(node.transitions()).isEqualTo(50 * 8);
        }
        finally
        {
            node.close();
        }
    }

    @Test
    void shouldParseGraphShapesAndCountTransitions()
    {
        assertThat(GraphShape.parse("chain:5").transitionsPerRun()).isEqualTo(20);
        assertThat(GraphShape.parse("fanout:10").transitionsPerRun()).isEqualTo(62);
        assertThat(GraphShape.parse("fanout-unite:10").transitionsPerRun()).isEqualTo(70);
        assertThat(GraphShape.chainPosition("s12")).isEqualTo(12);
        assertThat(GraphShape.chainPosition("split")).isEqualTo(-1);
    }
}
