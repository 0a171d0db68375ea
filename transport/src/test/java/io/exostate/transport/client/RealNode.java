package io.exostate.transport.client;

import io.exostate.core.journal.ChronicleJournal;
import io.exostate.core.loop.EngineLoop;
import io.exostate.transport.BinaryServer;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Path;

/**
 * The real single-node server for end-to-end tests: an {@link EngineLoop} journaling to a Chronicle queue in a test
 * directory, behind a {@link BinaryServer} on 127.0.0.1. {@link #restart()} closes both and starts a new loop that
 * replays the journal, on the same port: a server restart as a runtime sees it.
 */
final class RealNode implements TestNode
{
    private final Path journalDir;
    private final int port;
    private final EngineLoop loop;
    /** The key the node encrypts graph secrets with at its edge (decision 11). */
    static final String SECRETS_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private final BinaryServer server;
    private boolean closed;

    private RealNode(final Path journalDir, final int port)
    {
        this.journalDir = journalDir;
        this.loop = new EngineLoop(new EngineLoop.Context()
            .journal(new ChronicleJournal(journalDir, false, Long.MAX_VALUE))
            .idleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))).start();
        BinaryServer started = null;
        try
        {
            started = BinaryServer.start(new BinaryServer.Context()
                .gateway(loop)
                .apiKey(FakeServer.API_KEY)
                .secretsKey(SECRETS_KEY)
                .bindAddress("127.0.0.1")
                .port(port)
                .idleTimeoutMs(20_000)
                .shutdownTimeoutMs(2_000));
        }
        finally
        {
            if (started == null)
            {
                loop.close();
            }
        }
        this.server = started;
        this.port = started.port();
    }

    /** Starts a node on a free port, journaling into {@code journalDir}. */
    static RealNode start(final Path journalDir)
    {
        return new RealNode(journalDir, 0);
    }

    @Override
    public int port()
    {
        return port;
    }

    @Override
    public TestNode restart()
    {
        close();
        return new RealNode(journalDir, port);
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            server.close();
        }
        finally
        {
            loop.close();
        }
    }
}
