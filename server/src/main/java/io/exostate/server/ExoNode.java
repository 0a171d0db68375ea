package io.exostate.server;

import io.exostate.core.engine.EngineListener;
import io.exostate.core.journal.ChronicleJournal;
import io.exostate.core.loop.EngineLoop;
import io.exostate.core.loop.Journal;
import io.exostate.core.loop.SnapshotStore;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A single ExoState node embedded in a process: the journal and snapshots under a data directory, the engine loop,
 * and the endpoints attached to it. {@link #close()} stops everything it started, in reverse order.
 */
public final class ExoNode implements AutoCloseable
{
    /** Configuration with named defaults (STYLE habit 11). */
    public static final class Context
    {
        public static final long SNAPSHOT_INTERVAL_MS_DEFAULT = 60_000;
        public static final long RETENTION_MS_DEFAULT = 24L * 3600 * 1000;

        Path dataDir = Path.of("data");
        boolean fsync;
        long snapshotIntervalMs = SNAPSHOT_INTERVAL_MS_DEFAULT;
        long retentionMs = RETENTION_MS_DEFAULT;
        Journal journal;
        EngineListener listener = EngineListener.NONE;

        public Context dataDir(final Path v)
        {
            dataDir = v;
            return this;
        }

        /** Sync the journal before every batch's replies leave (survives power loss). */
        public Context fsync(final boolean v)
        {
            fsync = v;
            return this;
        }

        public Context snapshotIntervalMs(final long v)
        {
            snapshotIntervalMs = v;
            return this;
        }

        /** Journal files older than this are deleted once a snapshot covers them. */
        public Context retentionMs(final long v)
        {
            retentionMs = v;
            return this;
        }

        /**
         * A journal to use instead of the Chronicle journal under the data directory; null (the default) for that one.
         * {@link Journal#NONE} keeps nothing: for load generators measuring what the journal costs, never for a node.
         */
        public Context journal(final Journal v)
        {
            journal = v;
            return this;
        }

        /** Told of every transition and ready work on the engine thread (the load generator counts transitions). */
        public Context listener(final EngineListener v)
        {
            listener = v;
            return this;
        }

        Context conclude()
        {
            if (snapshotIntervalMs < 0 || retentionMs < 0)
            {
                throw new IllegalArgumentException("snapshot interval and retention must be >= 0");
            }
            return this;
        }
    }

    private final Context ctx;
    private final EngineLoop loop;

    private ExoNode(final Context ctx, final EngineLoop loop)
    {
        this.ctx = ctx;
        this.loop = loop;
    }

    /** Recovers the engine (newest snapshot + journal replay) and starts the engine thread. */
    public static ExoNode start(final Context context) throws java.io.IOException
    {
        final Context ctx = context.conclude();
        Files.createDirectories(ctx.dataDir);
        final EngineLoop loop = new EngineLoop(new EngineLoop.Context()
            .journal(ctx.journal != null ? ctx.journal :
                new ChronicleJournal(ctx.dataDir.resolve("journal"), ctx.fsync, ctx.retentionMs))
            .listener(ctx.listener)
            .snapshots(new SnapshotStore(ctx.dataDir.resolve("snapshots"), 3))
            .snapshotIntervalMs(ctx.snapshotIntervalMs));
        return new ExoNode(ctx, loop.start());
    }

    public EngineLoop loop()
    {
        return loop;
    }

    public Path dataDir()
    {
        return ctx.dataDir;
    }

    @Override
    public void close()
    {
        loop.close();
    }
}
