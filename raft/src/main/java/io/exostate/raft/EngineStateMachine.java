package io.exostate.raft;

import io.exostate.core.codec.BatchReader;
import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.Utf8Interner;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.EngineListener;
import io.exostate.core.loop.Journal;
import io.exostate.core.loop.QueryHandler;
import io.exostate.core.loop.TransitionLog;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The replicated engine: a Ratis state machine whose log entries are {@code Batch} messages (the bytes
 * {@link io.exostate.core.codec.BatchWriter} writes, the same the single-node loop journals). A thin adapter (STYLE
 * habit 15):
 * <ul>
 * <li>{@link #startTransaction} checks the structure of a proposed batch ({@link BatchReader#wrap}) and refuses a
 * malformed one with an exceptional future, so it never enters the log. The commands themselves are checked at the
 * edge and again, harmlessly, by the decoder.</li>
 * <li>{@link #applyTransaction} reads the entry's bytes in place (a read-only view of the Ratis {@code ByteString},
 * no copy), applies every command with the batch's time through {@link CommandDecoder}, journals the transitions
 * under the <b>Raft log index</b> (the index written inside the batch is ignored), updates the applied index after
 * the engine applied, and completes the future with the replies laid out as {@link BatchReplies} draws them. A bad
 * command becomes a {@code Rejected} reply; only a broken engine invariant throws, which stops this server by
 * design (STYLE habit 4).</li>
 * <li>{@link #query} answers a read query ({@link QueryHandler}) under the lock apply holds, since Ratis may call
 * both at once.</li>
 * <li>Snapshots are {@link Engine#snapshot()} bytes in a file of {@link SimpleStateMachineStorage} named by term
 * and index, written to a temporary file, synced, its MD5 saved, then renamed; {@link #initialize} and
 * {@link #reinitialize} (after a snapshot installed from the leader) restore the newest into a fresh engine.</li>
 * </ul>
 * <b>Journal:</b> only the transitions are journaled (their history); the batches themselves live in the Raft log,
 * which is the durable record in a cluster, so {@link Journal#commit()} is not called per entry (in fsync mode it
 * would add a second sync to every entry for history only). Entries applied again after a restart (those after the
 * last snapshot) journal their transitions again under the same log index: a history reader keeps the last document
 * per index. A follower that installs a snapshot has no transitions for the entries the snapshot covers.
 * <p>
 * <b>Threading:</b> {@code applyTransaction}, {@code takeSnapshot}, {@code reinitialize} and
 * {@code notifyTermIndexUpdated} run on Ratis's state-machine updater thread, one at a time; that thread owns the
 * journal. {@code startTransaction} runs on RPC threads in parallel and touches no engine state. {@code query},
 * {@link #digest()} and {@link #appliedIndex()} may run on any thread.
 * <p>
 * <b>Allocation:</b> per applied entry, the reply {@code byte[]} handed to Ratis; per proposal, one batch reader.
 */
public final class EngineStateMachine extends BaseStateMachine
{
    private static final byte[] EMPTY = new byte[0];

    private final EngineConfig engineConfig;
    private final Journal journal;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ReentrantLock lock = new ReentrantLock();
    private final TransitionLog transitions;
    private final ReplyEncoder replies = new ReplyEncoder();
    private final BatchReader reader = new BatchReader();
    private final UnsafeBuffer entryView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer queryView = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final ExpandableArrayBuffer queryReplyBuffer = new ExpandableArrayBuffer(16 * 1024);
    private final AtomicBoolean closed = new AtomicBoolean();

    // Guarded by lock; replaced whole when a snapshot is loaded.
    private Engine engine;
    private CommandDecoder decoder;
    private QueryHandler queries;

    /** (namespace, node) pairs that got claimable work in the entry being applied, each once (apply thread). */
    private final ArrayList<String> entryReady = new ArrayList<>();
    /** "namespace NUL node" to the last log index whose entry made work of that node claimable. */
    private final ConcurrentHashMap<String, Long> readyIndex = new ConcurrentHashMap<>();

    private volatile long lastReadyIndex;
    private volatile long appliedIndex = RaftLog.INVALID_LOG_INDEX;
    private volatile int statesInMemory;
    private volatile long lastBatchTime;
    private volatile long nextDeadline = Long.MAX_VALUE;
    private volatile long loadedSnapshotIndex = RaftLog.INVALID_LOG_INDEX;
    private volatile int snapshotsLoaded;
    private volatile long appliedEntries;

    /**
     * @param engineConfig the engine's limits: every replica must use the same.
     * @param journal      receives the transitions of each applied entry; closed with this state machine.
     * @param listener     told of every transition and ready work, on the apply thread (metrics, tests); may be null.
     */
    public EngineStateMachine(final EngineConfig engineConfig, final Journal journal, final EngineListener listener)
    {
        this.engineConfig = engineConfig;
        this.journal = journal == null ? Journal.NONE : journal;
        final EngineListener next = listener == null ? EngineListener.NONE : listener;
        this.transitions = new TransitionLog(new EngineListener()
        {
            @Override
            public void onTransition(final long stateId, final String runId, final io.exostate.core.model.Status from,
                final io.exostate.core.model.Status to, final long time, final long claimToken)
            {
                next.onTransition(stateId, runId, from, to, time, claimToken);
            }

            @Override
            public void onWorkReady(final String namespace, final String nodeName)
            {
                noteReady(namespace, nodeName);
                next.onWorkReady(namespace, nodeName);
            }
        });
        install(new Engine(engineConfig));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Lifecycle
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage raftStorage)
        throws IOException
    {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        getLifeCycle().startAndTransition(() -> load(storage.getLatestSnapshot()));
    }

    @Override
    public void pause()
    {
        // Ratis pauses before it moves an installed snapshot in place, then calls reinitialize on the apply thread.
        if (getLifeCycleState() == LifeCycle.State.RUNNING)
        {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException
    {
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED)
        {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage()
    {
        return storage;
    }

    /** Closes the journal; Ratis calls this when the server closes. Idempotent. */
    @Override
    public void close()
    {
        if (!closed.getAndSet(true))
        {
            journal.close();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Transactions
    // ------------------------------------------------------------------------------------------------------------

    /** Refuses a malformed batch here, before it is appended: it then never reaches any replica's apply. */
    @Override
    public TransactionContext startTransaction(final RaftClientRequest request)
    {
        final ByteString data = request.getMessage().getContent();
        final TransactionContext trx = TransactionContext.newBuilder()
            .setStateMachine(this)
            .setClientRequest(request)
            .setLogData(data)
            .build();
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final int length = wrap(view, data);
        final BatchReader check = new BatchReader();
        if (!check.wrap(view, 0, length))
        {
            trx.setException(new MalformedBatchException(check.error().detail()));
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
    {
        final LogEntryProto entry = trx.getLogEntry();
        final long index = entry.getIndex();
        final ByteString data = entry.getStateMachineLogEntry().getLogData();
        lock.lock();
        try
        {
            appliedEntries++;
            final int length = wrap(entryView, data);
            if (!reader.wrap(entryView, 0, length))
            {
                // startTransaction keeps these out of the log, so only a log written by another build can hold one.
                // Every replica refuses it alike and nothing changes: apply must not throw for bytes (DESIGN.md).
                updateApplied(entry.getTerm(), index);
                return CompletableFuture.failedFuture(new MalformedBatchException(
                    "log entry " + index + " is not a batch: " + reader.error().detail()));
            }
            final long batchTime = reader.batchTime();
            transitions.reset();
            int position = BatchReplies.begin(replyBuffer, 0);
            while (reader.next())
            {
                final int at = position + BatchReplies.ENTRY_HEADER_LENGTH;
                final int replyLength = decoder.apply(
                    batchTime, reader.buffer(), reader.commandOffset(), reader.commandLength(), replyBuffer, at);
                BatchReplies.putEntry(replyBuffer, position, reader.sessionId(), reader.correlationId(), replyLength);
                position = at + replyLength;
            }
            BatchReplies.count(replyBuffer, 0, reader.count());
            if (transitions.count() > 0)
            {
                journal.appendTransitions(index, transitions.buffer(), 0, transitions.length());
            }
            publishReady(index);
            lastBatchTime = engine.time();
            nextDeadline = engine.nextDeadline();
            updateApplied(entry.getTerm(), index);

            if (trx.getServerRole() != RaftPeerRole.LEADER)
            {
                // Nobody waits for a follower's answer (a gateway proposes only on its own leader, and a new leader's
                // gateway uses a new client id, so the retry cache never serves it): skip the copy.
                return CompletableFuture.completedFuture(Message.EMPTY);
            }
            final byte[] bytes = new byte[position];
            replyBuffer.getBytes(0, bytes);
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)));
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Leader no-op, configuration and metadata entries: they change no engine state but advance the applied index. */
    @Override
    public void notifyTermIndexUpdated(final long term, final long index)
    {
        lock.lock();
        try
        {
            updateApplied(term, index);
        }
        finally
        {
            lock.unlock();
        }
    }

    private void noteReady(final String namespace, final String nodeName)
    {
        for (int i = 0; i < entryReady.size(); i += 2)
        {
            if (entryReady.get(i).equals(namespace) && entryReady.get(i + 1).equals(nodeName))
            {
                return;
            }
        }
        entryReady.add(namespace);
        entryReady.add(nodeName);
    }

    private void publishReady(final long index)
    {
        if (entryReady.isEmpty())
        {
            return;
        }
        for (int i = 0; i < entryReady.size(); i += 2)
        {
            readyIndex.put(readyKey(entryReady.get(i), entryReady.get(i + 1)), index);
        }
        entryReady.clear();
        lastReadyIndex = index;
    }

    private static String readyKey(final String namespace, final String nodeName)
    {
        return namespace + '\u0000' + nodeName;
    }

    /**
     * The last log index whose entry made work claimable for any node (0 when none since this replica started).
     * The leader's gateway compares it with what it saw to wake long-poll claims. Any thread.
     */
    public long lastReadyIndex()
    {
        return lastReadyIndex;
    }

    /** The last log index whose entry made work of (namespace, node) claimable, 0 when none. Any thread. */
    public long readyIndex(final String namespace, final String nodeName)
    {
        final Long index = readyIndex.get(readyKey(namespace, nodeName));
        return index == null ? 0 : index;
    }

    private void updateApplied(final long term, final long index)
    {
        updateLastAppliedTermIndex(term, index);
        statesInMemory = engine.stateCount();
        appliedIndex = index;
    }

    /** Answers a query message ({@code QueryEncoder} bytes) with its view reply, or a {@code Rejected} one. */
    @Override
    public CompletableFuture<Message> query(final Message request)
    {
        lock.lock();
        try
        {
            final int length = wrap(queryView, request.getContent());
            final int replyLength = queries.answer(queryView, 0, length, queryReplyBuffer, 0);
            final byte[] bytes = new byte[replyLength];
            queryReplyBuffer.getBytes(0, bytes);
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)));
        }
        finally
        {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Snapshots
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Writes {@code snapshot.<term>_<index>} (the engine's snapshot bytes) and its {@code .md5}: data to a temporary
     * file, synced; the MD5 file; then the atomic rename and a directory sync. A snapshot under its real name
     * therefore always has its MD5 beside it.
     */
    @Override
    public long takeSnapshot() throws IOException
    {
        final byte[] bytes;
        final TermIndex last;
        lock.lock();
        try
        {
            last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0)
            {
                return RaftLog.INVALID_LOG_INDEX;
            }
            final SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
            if (latest != null && latest.getIndex() >= last.getIndex())
            {
                return latest.getIndex();
            }
            bytes = engine.snapshot();
        }
        finally
        {
            lock.unlock();
        }

        final File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        final Path target = file.toPath();
        final Path tmp = target.resolveSibling(file.getName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer src = ByteBuffer.wrap(bytes);
            while (src.hasRemaining())
            {
                ch.write(src);
            }
            ch.force(true);
        }
        final MD5Hash md5 = MD5Hash.newInstance(md5(bytes));
        MD5FileUtil.saveMD5File(file, md5);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ))
        {
            dir.force(true);
        }
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target, md5), last));
        return last.getIndex();
    }

    private void load(final SingleFileSnapshotInfo snapshot) throws IOException
    {
        if (snapshot == null)
        {
            return;
        }
        final Path file = snapshot.getFile().getPath();
        final byte[] bytes = Files.readAllBytes(file);
        final MD5Hash stored = MD5FileUtil.readStoredMd5ForFile(file.toFile());
        if (stored != null && !stored.equals(MD5Hash.newInstance(md5(bytes))))
        {
            // Fail loudly: wiping this node's storage lets it install the leader's snapshot instead.
            throw new IOException("snapshot " + file + " does not match its MD5 " + stored);
        }
        final TermIndex termIndex = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file.toFile());
        final Engine restored = Engine.restore(bytes, engineConfig);
        lock.lock();
        try
        {
            install(restored);
            lastBatchTime = restored.time();
            nextDeadline = restored.nextDeadline();
            setLastAppliedTermIndex(termIndex);
            appliedIndex = termIndex.getIndex();
            loadedSnapshotIndex = termIndex.getIndex();
            snapshotsLoaded++;
            appliedEntries = 0;
        }
        finally
        {
            lock.unlock();
        }
    }

    private void install(final Engine fresh)
    {
        engine = fresh;
        statesInMemory = fresh.stateCount();
        engine.listener(transitions);
        decoder = new CommandDecoder(fresh, replies, new Utf8Interner());
        queries = new QueryHandler(fresh, replies);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Status (any thread)
    // ------------------------------------------------------------------------------------------------------------

    /** The log index of the last entry applied (engine batches and Raft's own entries), -1 before the first. */
    public long appliedIndex()
    {
        return appliedIndex;
    }

    /** The states the engine holds in memory after the last applied entry (finished runs retire: decision 13). */
    public int statesInMemory()
    {
        return statesInMemory;
    }

    /** The engine time after the last applied batch: the floor for the next batch time a leader stamps. */
    public long lastBatchTime()
    {
        return lastBatchTime;
    }

    /**
     * State-machine entries applied since this engine started or was last loaded from a snapshot (Raft's own
     * entries, such as the leader's no-op and log metadata, are not counted).
     */
    public long appliedEntries()
    {
        return appliedEntries;
    }

    /** The engine's earliest timer deadline after the last applied batch; Long.MAX_VALUE when none. */
    public long nextDeadline()
    {
        return nextDeadline;
    }

    /** The index of the last snapshot loaded at start or installed from the leader, -1 when none. */
    public long loadedSnapshotIndex()
    {
        return loadedSnapshotIndex;
    }

    /** How many snapshots were loaded into a fresh engine (at start, or installed from the leader). */
    public int snapshotsLoaded()
    {
        return snapshotsLoaded;
    }

    /** The applied index and the SHA-256 of the engine's snapshot bytes at that index, taken together. */
    public record Digest(long appliedIndex, String sha256)
    {
    }

    /** The engine digest, computed under the apply lock: replicas at the same applied index must agree. */
    public Digest digest()
    {
        lock.lock();
        try
        {
            return new Digest(appliedIndex, HexFormat.of().formatHex(sha256(engine.snapshot())));
        }
        finally
        {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    /** Points {@code view} at the bytes of {@code data} without copying them; returns their length. */
    static int wrap(final UnsafeBuffer view, final ByteString data)
    {
        final ByteBuffer bytes = data.asReadOnlyByteBuffer();
        final int length = bytes.remaining();
        if (length == 0)
        {
            view.wrap(EMPTY);
            return 0;
        }
        view.wrap(bytes, bytes.position(), length);
        return length;
    }

    private static byte[] md5(final byte[] bytes)
    {
        return digest("MD5", bytes);
    }

    private static byte[] sha256(final byte[] bytes)
    {
        return digest("SHA-256", bytes);
    }

    private static byte[] digest(final String algorithm, final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JVM provides " + algorithm, ex);
        }
    }

    /** A proposed or logged entry that is not a well-formed batch: a client error, never a reason to stop. */
    public static final class MalformedBatchException extends IOException
    {
        private static final long serialVersionUID = 1L;

        public MalformedBatchException(final String message)
        {
            super(message);
        }
    }
}
