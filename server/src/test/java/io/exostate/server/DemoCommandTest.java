package io.exostate.server;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest
{
    @Test
    void shouldRunDemoRunsToSuccessAndPrintProgress()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        final int code = new CommandLine(new DemoCommand(out))
            .execute("--duration", "3", "--runs-per-second", "5", "--fanout", "4");
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("plan -> split -> 4 x work -> merge unites plan");
        // Every triggered run finishes within the demo (the in-process runtime drains all work each loop).
        assertThat(text).containsPattern("t=\\s*\\d+s runs: triggered (\\d+), succeeded \\1, pending 0");
        assertThat(text).contains("exostate demo: stopped");
    }

    @Test
    void shouldRefuseNonsenseOptions()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int code = new CommandLine(new DemoCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8)))
            .execute("--runs-per-second", "0");
        assertThat(code).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("--runs-per-second must be >= 1");
    }
}
