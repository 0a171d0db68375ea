package io.exostate.bench.load;

import io.exostate.core.engine.EngineListener;
import io.exostate.core.loop.Journal;
import io.exostate.core.model.Status;
import io.exostate.server.ExoNode;
import io.exostate.transport.BinaryServer;
import io.exostate.transport.http.HttpApiServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node started in this process for a load, wired like {@code exostate node}: {@link ExoNode} (journal, snapshots,
 * engine loop) in a data directory of its own, the {@link BinaryServer} and, for an HTTP load, the
 * {@link HttpApiServer}, both on free loopback ports with a random API key. An {@link EngineListener} counts the
 * transitions the engine makes, to check the client's count. {@link #close()} stops everything and deletes the data
 * directory unless it is kept.
 */
final class EmbeddedNode implements AutoCloseable
{
    /** How the journal is kept: Chronicle in page cache (default), Chronicle synced per batch, or none at all. */
    enum JournalMode
    {
        DEFAULT, FSYNC, NONE
    }

    private final Path dataDir;
    private final boolean keep;
    private final ExoNode node;
    private final BinaryServer binary;
    private final HttpApiServer http;
    private final String apiKey;
    private final TransitionCounter transitions;

    private EmbeddedNode(final Path dataDir, final boolean keep, final ExoNode node, final BinaryServer binary,
        final HttpApiServer http, final String apiKey, final TransitionCounter transitions)
    {
        this.dataDir = dataDir;
        this.keep = keep;
        this.node = node;
        this.binary = binary;
        this.http = http;
        this.apiKey = apiKey;
        this.transitions = transitions;
    }

    static EmbeddedNode start(final Path dataDir, final JournalMode journal, final boolean withHttp,
        final int ioThreads, final boolean keep) throws IOException
    {
        final SecureRandom random = new SecureRandom();
        final byte[] key = new byte[24];
        random.nextBytes(key);
        final String apiKey = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        final byte[] secrets = new byte[32];
        random.nextBytes(secrets);

        final TransitionCounter counter = new TransitionCounter();
        final ExoNode node = ExoNode.start(new ExoNode.Context()
            .dataDir(dataDir)
            .fsync(journal == JournalMode.FSYNC)
            .journal(journal == JournalMode.NONE ? Journal.NONE : null)
            .listener(counter));
        BinaryServer binary = null;
        HttpApiServer http = null;
        try
        {
            final AtomicLong sessionIds = new AtomicLong();
            binary = BinaryServer.start(new BinaryServer.Context()
                .bindAddress("127.0.0.1")
                .port(0)
                .workerThreads(ioThreads)
                .apiKey(apiKey)
                .gateway(node.loop())
                .sessionIds(sessionIds::incrementAndGet));
            if (withHttp)
            {
                http = HttpApiServer.launch(new HttpApiServer.Context()
                    .bindAddress("127.0.0.1")
                    .port(0)
                    .apiKey(apiKey)
                    .secretsKey(Base64.getUrlEncoder().encodeToString(secrets)), node.loop());
            }
            return new EmbeddedNode(dataDir, keep, node, binary, http, apiKey, counter);
        }
        catch (final RuntimeException ex)
        {
            if (binary != null)
            {
                binary.close();
            }
            node.close();
            throw ex;
        }
    }

    int port()
    {
        return binary.port();
    }

    int httpPort()
    {
        return http == null ? -1 : http.port();
    }

    String apiKey()
    {
        return apiKey;
    }

    Path dataDir()
    {
        return dataDir;
    }

    String transportName()
    {
        return binary.transportName();
    }

    /** Transitions the engine made so far (any thread; a recent value). */
    long transitions()
    {
        return transitions.count.get();
    }

    @Override
    public void close()
    {
        if (http != null)
        {
            http.close();
        }
        binary.close();
        node.close();
        if (!keep)
        {
            delete(dataDir);
        }
    }

    private static void delete(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try
        {
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path d, final IOException ex) throws IOException
                {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("could not delete " + dir, ex);
        }
    }

    /** Counts transitions on the engine thread: one writer, so an ordered store of a plain increment suffices. */
    private static final class TransitionCounter implements EngineListener
    {
        final AtomicLong count = new AtomicLong();

        @Override
        public void onTransition(final long stateId, final String runId, final Status from, final Status to,
            final long time, final long claimToken)
        {
            count.lazySet(count.get() + 1);
        }
    }
}
