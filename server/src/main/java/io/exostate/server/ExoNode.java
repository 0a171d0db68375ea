package io.exostate.server;

import io.exostate.core.engine.EngineListener;
import io.exostate.core.journal.ChronicleJournal;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.EngineLoop;
import io.exostate.core.loop.Journal;
import io.exostate.core.loop.SnapshotStore;

import io.exostate.raft.EngineStateMachine;
import io.exostate.raft.RaftGateway;
import io.exostate.raft.RaftNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ExoState node embedded in a process, and the {@link CommandGateway} its endpoints use.
 * <ul>
 * <li><b>Single node</b> ({@link #start}): the journal and snapshots under the data directory and the
 * {@link EngineLoop}.</li>
 * <li><b>Cluster member</b> ({@link #startCluster}): a {@link RaftNode} whose log and snapshots live under
 * {@code <data-dir>/raft}, the transition history journaled under {@code <data-dir>/journal}, and the leader's
 * {@link RaftGateway} (which answers NOT_LEADER while this member follows).</li>
 * </ul>
 * {@link #close()} stops everything it started, in reverse order.
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
        long runRetentionMs = EngineConfig.RUN_RETENTION_MS_DEFAULT;
        Journal journal;
        EngineListener listener = EngineListener.NONE;
        ClusterSpec cluster;
        String nodeId;

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
         * How long a finished run keeps its states in memory (SPEC decision 13); {@link Long#MAX_VALUE} for ever.
         * Part of the replicated behaviour: every member of a cluster must use the same value.
         */
        public Context runRetentionMs(final long v)
        {
            runRetentionMs = v;
            return this;
        }

        EngineConfig engineConfig()
        {
            return EngineConfig.DEFAULT.withRunRetentionMs(runRetentionMs);
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

        /** Makes this a member {@code nodeId} of {@code cluster} ({@link #startCluster}). */
        public Context cluster(final ClusterSpec cluster, final String nodeId)
        {
            this.cluster = cluster;
            this.nodeId = nodeId;
            return this;
        }

        Context conclude()
        {
            if (snapshotIntervalMs < 0 || retentionMs < 0)
            {
                throw new IllegalArgumentException("snapshot interval and retention must be >= 0");
            }
            if (runRetentionMs < 1)
            {
                throw new IllegalArgumentException("run retention must be >= 1 ms, but is " + runRetentionMs);
            }
            return this;
        }
    }

    private final Context ctx;
    private final EngineLoop loop;
    private final RaftNode raft;
    private final RaftGateway raftGateway;

    private ExoNode(final Context ctx, final EngineLoop loop, final RaftNode raft, final RaftGateway raftGateway)
    {
        this.ctx = ctx;
        this.loop = loop;
        this.raft = raft;
        this.raftGateway = raftGateway;
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
            .engineConfig(ctx.engineConfig())
            .snapshots(new SnapshotStore(ctx.dataDir.resolve("snapshots"), 3))
            .snapshotIntervalMs(ctx.snapshotIntervalMs));
        return new ExoNode(ctx, loop.start(), null, null);
    }

    /**
     * Starts this member of the cluster: recovers its Raft storage (newest snapshot + log), joins the group and starts
     * the gateway. Returns before an election may have finished.
     */
    public static ExoNode startCluster(final Context context) throws java.io.IOException
    {
        final Context ctx = context.conclude();
        if (ctx.cluster == null)
        {
            throw new IllegalArgumentException("startCluster needs cluster(spec, nodeId)");
        }
        final ClusterSpec.Member self = ctx.cluster.member(ctx.nodeId);
        Files.createDirectories(ctx.dataDir);
        final Journal history = ctx.journal != null ? ctx.journal :
            new ChronicleJournal(ctx.dataDir.resolve("journal"), ctx.fsync, ctx.retentionMs);
        final RaftNode raft = RaftNode.start(new RaftNode.Context()
            .nodeId(self.id())
            .peers(ctx.cluster.raftAddresses())
            .storageDir(ctx.dataDir.resolve("raft"))
            .journal(history)
            .engineConfig(ctx.engineConfig())
            .listener(ctx.listener));
        try
        {
            final RaftGateway gateway = new RaftGateway(new RaftGateway.Context()
                .leaderAddress(ctx.cluster::binaryAddress), raft).start();
            return new ExoNode(ctx, null, raft, gateway);
        }
        catch (final RuntimeException ex)
        {
            raft.close();
            throw ex;
        }
    }

    /** Where the endpoints send commands and queries. */
    public CommandGateway gateway()
    {
        return loop != null ? loop : raftGateway;
    }

    /** The single-node engine loop; null for a cluster member. */
    public EngineLoop loop()
    {
        return loop;
    }

    /** The Raft member; null for a single node. */
    public RaftNode raft()
    {
        return raft;
    }

    /** The last applied log index (the journal's on a single node, Raft's in a cluster). */
    public long appliedIndex()
    {
        return loop != null ? loop.appliedLogIndex() : raft.appliedIndex();
    }

    /**
     * What {@code GET /status} shows: mode, and for a member its id, role, term, leader, indices and (when
     * {@code digest}) the engine digest, which serializes the engine under the apply lock.
     */
    public Map<String, Object> status(final boolean digest)
    {
        final LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        if (loop != null)
        {
            m.put("mode", "single");
            m.put("applied_index", loop.appliedLogIndex());
            m.put("states_in_memory", loop.statesInMemory());
            m.put("run_retention_ms", ctx.runRetentionMs);
            return m;
        }
        m.put("mode", "cluster");
        m.put("id", raft.id());
        m.put("role", raft.role());
        m.put("term", raft.term());
        m.put("leader", raft.leaderId());
        m.put("commit_index", raft.commitIndex());
        m.put("states_in_memory", raft.stateMachine().statesInMemory());
        // Part of the replicated behaviour: members that disagree retire different runs (compare it across members).
        m.put("run_retention_ms", ctx.runRetentionMs);
        if (!digest)
        {
            m.put("applied_index", raft.appliedIndex());
            return m;
        }
        final EngineStateMachine.Digest d = raft.stateMachine().digest();
        m.put("applied_index", d.appliedIndex());
        m.put("digest", d.sha256());
        return m;
    }

    public Path dataDir()
    {
        return ctx.dataDir;
    }

    @Override
    public void close()
    {
        if (loop != null)
        {
            loop.close();
        }
        if (raftGateway != null)
        {
            raftGateway.close();
        }
        if (raft != null)
        {
            raft.close();
        }
    }
}
