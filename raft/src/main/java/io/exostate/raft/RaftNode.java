package io.exostate.raft;

import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.EngineListener;
import io.exostate.core.loop.Journal;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One member of the replicated group: a Ratis {@link RaftServer} (gRPC) running an {@link EngineStateMachine}.
 * <p>
 * <b>Ratis properties</b> set here, each with its reason (the others keep Ratis' defaults):
 * <table>
 * <caption>Ratis properties</caption>
 * <tr><th>property</th><th>value</th><th>why</th></tr>
 * <tr><td>{@code raft.rpc.type}</td><td>GRPC</td><td>about 4x the Netty RPC type on this machine, and the Netty
 * client once deadlocked under load (DEPENDENCIES.md section 3)</td></tr>
 * <tr><td>{@code raft.grpc.server.host/port}</td><td>this node's entry of the peers map</td><td>one port per node
 * serves peers, clients and admin</td></tr>
 * <tr><td>{@code raft.server.storage.dir}</td><td>{@link Context#storageDir}</td><td>log, metadata and snapshots;
 * an empty directory is formatted (startup option RECOVER falls back to FORMAT), so a wiped node rejoins and
 * catches up from the leader</td></tr>
 * <tr><td>{@code raft.server.log.append-entries.compose.enabled}</td><td>false</td><td>on 2 CPUs the common pool
 * has parallelism 1 and {@code thenComposeAsync} then starts a thread per follower append (RATIS-2505)</td></tr>
 * <tr><td>{@code raft.server.log.segment.size.max}</td><td>{@link Context#segmentSizeBytes} (64 MiB)</td><td>the
 * log is purged by whole closed segments: big enough to roll rarely, small enough that a snapshot frees disk</td></tr>
 * <tr><td>{@code raft.server.log.appender.buffer.byte-limit}</td><td>{@link Context#appenderBufferBytes}
 * (4 MiB)</td><td>bounds one appendEntries; must exceed the largest entry (the gateway's batch byte limit)</td></tr>
 * <tr><td>{@code raft.server.log.write.buffer.size}</td><td>{@link Context#writeBufferBytes} (8 MiB)</td><td>Ratis
 * requires at least the appender limit + 8; a large buffer lets one fsync cover many entries</td></tr>
 * <tr><td>{@code raft.server.log.purge.upto.snapshot.index}</td><td>true</td><td>purge up to the snapshot even if a
 * follower lags; it then installs the snapshot instead of replaying the log, and disk stays bounded</td></tr>
 * <tr><td>{@code raft.server.log.purge.gap}</td><td>{@link Context#purgeGap} (1024)</td><td>entries between two
 * purges</td></tr>
 * <tr><td>{@code raft.server.snapshot.auto.trigger.enabled/threshold}</td><td>true,
 * {@link Context#snapshotThreshold} (10 000 entries)</td><td>snapshot after that many applied entries, then purge
 * the log behind it</td></tr>
 * <tr><td>{@code raft.server.snapshot.retention.file.num}</td><td>2</td><td>keep the newest two snapshots (the
 * default keeps all)</td></tr>
 * <tr><td>{@code raft.server.rpc.timeout.min/max}</td><td>{@link Context#electionTimeoutMinMs} /
 * {@link Context#electionTimeoutMaxMs} (300 / 600 ms)</td><td>loopback round trips are far below 1 ms, but three
 * nodes and their clients share 2 CPUs and GC: the 150 ms default elects spuriously under load, and 600 ms keeps a
 * failover under the 1.5 s target</td></tr>
 * <tr><td>{@code raft.server.rpc.first-election.timeout.min/max}</td><td>150 / 300 ms</td><td>a fresh group
 * elects quickly</td></tr>
 * <tr><td>{@code raft.server.read.option}</td><td>LINEARIZABLE</td><td>read-only queries use the read index (Raft
 * section 6.4): the leader confirms its leadership with a heartbeat round and waits until it applied that index,
 * so a deposed leader never answers from stale state</td></tr>
 * </table>
 * <b>Durability</b> comes from defaults deliberately left alone: {@code raft.server.log.unsafe-flush.enabled=false}
 * and {@code raft.server.log.async-flush.enabled=false} make a server count an entry as written only after
 * {@code FileChannel.force}; a follower acknowledges an append only when its flush index covers it, and the leader
 * commits (and answers a client) only when a majority, itself counted by its own flush index, has the entry on disk.
 * <p>
 * <b>Threading:</b> the status methods are safe from any thread; {@link #close()} once, from any thread.
 */
public final class RaftNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    /** Configuration with named defaults (STYLE habit 11). */
    public static final class Context
    {
        /** Every ExoState group uses this id unless told otherwise: nodes of one cluster must agree on it. */
        public static final UUID GROUP_ID_DEFAULT = UUID.fromString("e7057a7e-0000-4000-8000-000000000001");
        public static final long ELECTION_TIMEOUT_MIN_MS_DEFAULT = 300;
        public static final long ELECTION_TIMEOUT_MAX_MS_DEFAULT = 600;
        public static final long FIRST_ELECTION_TIMEOUT_MIN_MS_DEFAULT = 150;
        public static final long FIRST_ELECTION_TIMEOUT_MAX_MS_DEFAULT = 300;
        public static final long SEGMENT_SIZE_BYTES_DEFAULT = 64L * 1024 * 1024;
        public static final int APPENDER_BUFFER_BYTES_DEFAULT = 4 * 1024 * 1024;
        public static final int WRITE_BUFFER_BYTES_DEFAULT = 8 * 1024 * 1024;
        public static final long SNAPSHOT_THRESHOLD_DEFAULT = 10_000;
        public static final int PURGE_GAP_DEFAULT = 1024;
        public static final int SNAPSHOT_RETENTION_DEFAULT = 2;
        /** System properties with this prefix override the Ratis property named by the rest. */
        public static final String OVERRIDE_PREFIX = "exostate.ratis.";

        private String nodeId;
        private final LinkedHashMap<String, String> peers = new LinkedHashMap<>();
        private Path storageDir;
        private UUID groupId = GROUP_ID_DEFAULT;
        private long electionTimeoutMinMs = ELECTION_TIMEOUT_MIN_MS_DEFAULT;
        private long electionTimeoutMaxMs = ELECTION_TIMEOUT_MAX_MS_DEFAULT;
        private long firstElectionTimeoutMinMs = FIRST_ELECTION_TIMEOUT_MIN_MS_DEFAULT;
        private long firstElectionTimeoutMaxMs = FIRST_ELECTION_TIMEOUT_MAX_MS_DEFAULT;
        private long segmentSizeBytes = SEGMENT_SIZE_BYTES_DEFAULT;
        private int appenderBufferBytes = APPENDER_BUFFER_BYTES_DEFAULT;
        private int writeBufferBytes = WRITE_BUFFER_BYTES_DEFAULT;
        private long snapshotThreshold = SNAPSHOT_THRESHOLD_DEFAULT;
        private int purgeGap = PURGE_GAP_DEFAULT;
        private int snapshotRetention = SNAPSHOT_RETENTION_DEFAULT;
        private EngineConfig engineConfig = EngineConfig.DEFAULT;
        private Journal journal = Journal.NONE;
        private EngineListener listener = EngineListener.NONE;

        /** This node's id: a key of {@link #peer}. */
        public Context nodeId(final String v)
        {
            nodeId = v;
            return this;
        }

        /** Adds a member of the group: its id and the {@code host:port} of its Raft (gRPC) endpoint. */
        public Context peer(final String id, final String address)
        {
            peers.put(id, address);
            return this;
        }

        /** Adds every member: id to {@code host:port}, in order. */
        public Context peers(final Map<String, String> v)
        {
            peers.putAll(v);
            return this;
        }

        /** Where the Raft log, its metadata and the snapshots live (one subdirectory per group). */
        public Context storageDir(final Path v)
        {
            storageDir = v;
            return this;
        }

        public Context groupId(final UUID v)
        {
            groupId = v;
            return this;
        }

        /** Election timeout range: a follower that hears no leader for a random time in it starts an election. */
        public Context electionTimeoutMs(final long min, final long max)
        {
            electionTimeoutMinMs = min;
            electionTimeoutMaxMs = max;
            return this;
        }

        /** Election timeout range of a server that never saw a leader (a fresh start). */
        public Context firstElectionTimeoutMs(final long min, final long max)
        {
            firstElectionTimeoutMinMs = min;
            firstElectionTimeoutMaxMs = max;
            return this;
        }

        /** Largest log segment file before it is closed and a new one begins (default 64 MiB). */
        public Context segmentSizeBytes(final long v)
        {
            segmentSizeBytes = v;
            return this;
        }

        /** Largest appendEntries batch a leader sends (default 4 MiB); must exceed the largest entry. */
        public Context appenderBufferBytes(final int v)
        {
            appenderBufferBytes = v;
            return this;
        }

        /** The log writer's buffer (default 8 MiB); at least {@link #appenderBufferBytes} + 8. */
        public Context writeBufferBytes(final int v)
        {
            writeBufferBytes = v;
            return this;
        }

        /** Applied entries after which a snapshot is taken and the log purged behind it (default 10 000). */
        public Context snapshotThreshold(final long v)
        {
            snapshotThreshold = v;
            return this;
        }

        /** Applied entries between two snapshots. */
        public long snapshotThreshold()
        {
            return snapshotThreshold;
        }

        /** Entries between two log purges (default 1024). */
        public Context purgeGap(final int v)
        {
            purgeGap = v;
            return this;
        }

        /** Snapshots kept on disk (default 2). */
        public Context snapshotRetention(final int v)
        {
            snapshotRetention = v;
            return this;
        }

        /** The engine's limits: every replica must use the same. */
        public Context engineConfig(final EngineConfig v)
        {
            engineConfig = v;
            return this;
        }

        /** Receives the transitions of every applied entry (closed with the node); {@link Journal#NONE} by default. */
        public Context journal(final Journal v)
        {
            journal = v;
            return this;
        }

        /** Told of every transition and ready work on the apply thread (metrics, tests). */
        public Context listener(final EngineListener v)
        {
            listener = v;
            return this;
        }

        public String nodeId()
        {
            return nodeId;
        }

        public Map<String, String> peers()
        {
            return java.util.Collections.unmodifiableMap(peers);
        }

        public Path storageDir()
        {
            return storageDir;
        }

        int appenderBufferBytes()
        {
            return appenderBufferBytes;
        }

        Context conclude()
        {
            if (nodeId == null || nodeId.isEmpty())
            {
                throw new IllegalArgumentException("nodeId is required");
            }
            if (!peers.containsKey(nodeId))
            {
                throw new IllegalArgumentException("peers " + peers + " must include this node " + nodeId);
            }
            for (final Map.Entry<String, String> e : peers.entrySet())
            {
                port(e.getKey(), e.getValue());
            }
            if (storageDir == null)
            {
                throw new IllegalArgumentException("storageDir is required");
            }
            if (electionTimeoutMinMs < 10 || electionTimeoutMaxMs <= electionTimeoutMinMs)
            {
                throw new IllegalArgumentException("election timeouts must satisfy 10 <= min < max, but are " +
                    electionTimeoutMinMs + " and " + electionTimeoutMaxMs);
            }
            if (firstElectionTimeoutMinMs < 10 || firstElectionTimeoutMaxMs <= firstElectionTimeoutMinMs)
            {
                throw new IllegalArgumentException("first election timeouts must satisfy 10 <= min < max, but are " +
                    firstElectionTimeoutMinMs + " and " + firstElectionTimeoutMaxMs);
            }
            if (writeBufferBytes < appenderBufferBytes + 8)
            {
                throw new IllegalArgumentException("writeBufferBytes (" + writeBufferBytes +
                    ") must be at least appenderBufferBytes + 8 (" + (appenderBufferBytes + 8) + ")");
            }
            if (segmentSizeBytes < 16 * 1024)
            {
                throw new IllegalArgumentException("segmentSizeBytes must be >= 16 KiB: " + segmentSizeBytes);
            }
            if (snapshotThreshold < 1 || purgeGap < 1 || snapshotRetention < 1)
            {
                throw new IllegalArgumentException("snapshotThreshold, purgeGap and snapshotRetention must be >= 1: " +
                    snapshotThreshold + ", " + purgeGap + ", " + snapshotRetention);
            }
            return this;
        }

        static int port(final String id, final String address)
        {
            final int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1)
            {
                throw new IllegalArgumentException("peer " + id + " address must be host:port, but is " + address);
            }
            final int port;
            try
            {
                port = Integer.parseInt(address.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("peer " + id + " port is not a number: " + address, ex);
            }
            if (port < 1 || port > 65535)
            {
                throw new IllegalArgumentException("peer " + id + " port must be in [1, 65535]: " + address);
            }
            return port;
        }

        static String host(final String address)
        {
            return address.substring(0, address.lastIndexOf(':'));
        }

        RaftGroup group()
        {
            final List<RaftPeer> members = new ArrayList<>();
            for (final Map.Entry<String, String> e : peers.entrySet())
            {
                members.add(RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build());
            }
            return RaftGroup.valueOf(RaftGroupId.valueOf(groupId), members);
        }

        RaftProperties serverProperties()
        {
            final RaftProperties p = new RaftProperties();
            final String address = peers.get(nodeId);
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
            GrpcConfigKeys.Server.setHost(p, host(address));
            GrpcConfigKeys.Server.setPort(p, port(nodeId, address));
            RaftServerConfigKeys.setStorageDir(p, List.of(storageDir.toFile()));
            RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
            RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentSizeBytes));
            RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(appenderBufferBytes));
            RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(writeBufferBytes));
            RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
            RaftServerConfigKeys.Log.setPurgeGap(p, purgeGap);
            RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
            RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotThreshold);
            RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, snapshotRetention);
            RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(electionTimeoutMinMs));
            RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(electionTimeoutMaxMs));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, ms(firstElectionTimeoutMinMs));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, ms(firstElectionTimeoutMaxMs));
            RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
            applyOverrides(p);
            return p;
        }

        /**
         * Operators' overrides: every system property {@code exostate.ratis.<ratis key>=<value>} sets that Ratis
         * property (e.g. {@code -Dexostate.ratis.raft.server.log.appender.wait-time.min=0ms}), after ours. Logged.
         */
        static void applyOverrides(final RaftProperties p)
        {
            for (final String name : System.getProperties().stringPropertyNames().stream().sorted().toList())
            {
                if (name.startsWith(OVERRIDE_PREFIX) && name.length() > OVERRIDE_PREFIX.length())
                {
                    final String key = name.substring(OVERRIDE_PREFIX.length());
                    p.set(key, System.getProperty(name));
                    LOG.info("ratis property {} = {} (from -D{})", key, System.getProperty(name), name);
                }
            }
        }

        /** Properties for a gRPC {@code RaftClient} of this group (tests that bypass the gateway use one). */
        RaftProperties clientProperties(final int outstandingRequests, final long requestTimeoutMs)
        {
            final RaftProperties p = new RaftProperties();
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
            RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, outstandingRequests);
            RaftClientConfigKeys.Rpc.setRequestTimeout(p, ms(requestTimeoutMs));
            return p;
        }

        private static TimeDuration ms(final long v)
        {
            return TimeDuration.valueOf(v, TimeUnit.MILLISECONDS);
        }

        @Override
        public String toString()
        {
            return "RaftNode.Context{nodeId=" + nodeId +
                ", peers=" + peers +
                ", storageDir=" + storageDir +
                ", groupId=" + groupId +
                ", rpc=GRPC" +
                ", electionTimeoutMs=[" + electionTimeoutMinMs + ", " + electionTimeoutMaxMs + "]" +
                ", firstElectionTimeoutMs=[" + firstElectionTimeoutMinMs + ", " + firstElectionTimeoutMaxMs + "]" +
                ", segmentSizeBytes=" + segmentSizeBytes +
                ", appenderBufferBytes=" + appenderBufferBytes +
                ", writeBufferBytes=" + writeBufferBytes +
                ", snapshotThreshold=" + snapshotThreshold +
                ", purgeGap=" + purgeGap +
                ", snapshotRetention=" + snapshotRetention +
                ", purgeUptoSnapshotIndex=true, appendEntriesCompose=false, readOption=LINEARIZABLE" +
                ", engineConfig=" + engineConfig +
                '}';
        }
    }

    private final Context ctx;
    private final RaftGroup group;
    private final EngineStateMachine stateMachine;
    private final RaftServer server;
    private final RaftServer.Division division;
    private volatile boolean closed;

    private RaftNode(final Context ctx, final RaftGroup group, final EngineStateMachine stateMachine,
        final RaftServer server, final RaftServer.Division division)
    {
        this.ctx = ctx;
        this.group = group;
        this.stateMachine = stateMachine;
        this.server = server;
        this.division = division;
    }

    /**
     * Starts the server: recovers its storage (or formats an empty one), loads the newest snapshot, replays the log
     * after it, and joins the group. Returns once the server runs; an election may still be under way.
     */
    public static RaftNode start(final Context context) throws IOException
    {
        final Context ctx = context.conclude();
        final RaftGroup group = ctx.group();
        final EngineStateMachine stateMachine = new EngineStateMachine(ctx.engineConfig, ctx.journal, ctx.listener);
        final RaftServer server = RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(ctx.nodeId))
            .setGroup(group)
            .setProperties(ctx.serverProperties())
            .setStateMachine(stateMachine)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
        try
        {
            server.start();
            final RaftNode node = new RaftNode(ctx, group, stateMachine, server, server.getDivision(group.getGroupId()));
            LOG.info("raft node started: {}", ctx);
            return node;
        }
        catch (final IOException | RuntimeException ex)
        {
            try
            {
                server.close();
            }
            catch (final IOException closeEx)
            {
                ex.addSuppressed(closeEx);
            }
            throw ex;
        }
    }

    public String id()
    {
        return ctx.nodeId;
    }

    public Context context()
    {
        return ctx;
    }

    public EngineStateMachine stateMachine()
    {
        return stateMachine;
    }

    /** True while this node is the group's leader (it may not have committed an entry of its term yet). */
    public boolean isLeader()
    {
        return !closed && division.getInfo().isLeader();
    }

    /** True once this node leads and has committed the first entry of its term: it serves writes and reads. */
    public boolean isLeaderReady()
    {
        final DivisionInfo info = division.getInfo();
        return !closed && info.isLeader() && info.isLeaderReady();
    }

    /** The id of the leader this node knows of, or null. */
    public String leaderId()
    {
        final RaftPeerId leader = division.getInfo().getLeaderId();
        return leader == null ? null : leader.toString();
    }

    /** LEADER, FOLLOWER, CANDIDATE or another Ratis role name; CLOSED once closed. */
    public String role()
    {
        return closed ? "CLOSED" : division.getInfo().getCurrentRole().name();
    }

    public long term()
    {
        return division.getInfo().getCurrentTerm();
    }

    /** The last log index the state machine applied. */
    public long appliedIndex()
    {
        return stateMachine.appliedIndex();
    }

    /** The last index committed by the group, as this node knows it. */
    public long commitIndex()
    {
        return division.getRaftLog().getLastCommittedIndex();
    }

    /** The index of the last entry in this node's log, committed or not. */
    public long lastLogIndex()
    {
        return division.getRaftLog().getNextIndex() - 1;
    }

    /** The first index still in this node's log (above 0 once purged after a snapshot). */
    public long logStartIndex()
    {
        return division.getRaftLog().getStartIndex();
    }

    public boolean isClosed()
    {
        return closed;
    }

    /** One line of status: id, role, term, applied index and engine digest. */
    public String status()
    {
        if (closed)
        {
            return ctx.nodeId + " CLOSED";
        }
        final EngineStateMachine.Digest d = stateMachine.digest();
        return ctx.nodeId + " role=" + role() + " term=" + term() + " leader=" + leaderId() + " commit=" +
            commitIndex() + " applied=" + d.appliedIndex() + " logStart=" + logStartIndex() + " snapshotLoaded=" +
            stateMachine.loadedSnapshotIndex() + " digest=" + d.sha256();
    }

    RaftGroup group()
    {
        return group;
    }

    /** The Ratis server (the leader's gateway submits to it directly). */
    RaftServer server()
    {
        return server;
    }

    RaftPeerId peerId()
    {
        return division.getId();
    }

    /** Stops the server and closes the state machine (and its journal). */
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
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot close raft node " + ctx.nodeId, ex);
        }
    }
}
