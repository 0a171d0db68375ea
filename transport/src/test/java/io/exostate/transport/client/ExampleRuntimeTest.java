package io.exostate.transport.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compiles {@code docs/examples/ExampleRuntime.java} with the test class path and runs it against the real node, so
 * the example in the documentation cannot rot.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExampleRuntimeTest
{
    @Test
    void shouldCompileAndRunTheDocumentedExample(@TempDir final Path classes, @TempDir final Path journal)
        throws Exception
    {
        final Path source = findExample();
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK with javac").isNotNull();
        final String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        final int status = javac.run(null, diagnostics, diagnostics,
            "-d", classes.toString(), "-cp", classPath, "-Xlint:all,-path,-processing", "-Werror", source.toString());
        assertThat(status).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        try (RealNode server = RealNode.start(journal);
            URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, getClass().getClassLoader()))
        {
            final Method run = loader.loadClass("ExampleRuntime")
                .getMethod("run", String.class, int.class, String.class, String.class);

            final Object result = run.invoke(null, "127.0.0.1", server.port(), "example", FakeServer.API_KEY);

            assertThat(result).isEqualTo("SUCCESS");
        }
    }

    private static Path findExample()
    {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null)
        {
            final Path candidate = dir.resolve("docs/examples/ExampleRuntime.java");
            if (Files.isRegularFile(candidate))
            {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("docs/examples/ExampleRuntime.java not found above " + System.getProperty("user.dir"));
    }
}
