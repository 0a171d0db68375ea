package io.exostate.core.loop;

import io.exostate.core.codec.BatchReader;
import io.exostate.core.codec.BatchWriter;
import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.Utf8Interner;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.EngineConfig;
import io.exostate.core.engine.EngineListener;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single-node engine loop: I/O threads {@link #offer} encoded commands and queries into an Agrona
 * {@link IngressRing}; one agent thread drains a bounded batch, stamps the batch time (the only clock read),
 * appends the batch to the {@link Journal}, applies it to the {@link Engine}, journals the transitions it produced,
 * commits the journal and only then hands the replies to the sessions, flushing each touched session once per batch.
 * <p>
 * Long-poll: a claim with {@code waitMs > 0} that finds nothing is parked here, outside the engine. When the engine
 * reports work ready for one of its node names, the claim is re-issued as a new journaled command in the next batch;
 * when its wait ends it is answered with an empty claim reply.
 * <p>
 * <b>Threading:</b> {@link #offer}, {@link #openSession}, {@link #closeSession} from any thread; everything else on
 * the agent thread. A full ring answers {@link Offer#BUSY}: nothing blocks an I/O thread.
 */
public final class EngineLoop implements CommandGateway, Agent, AutoCloseable
{
    private static final io.exostate.core.codec.Claimed EMPTY_CLAIM = new io.exostate.core.codec.Claimed(List.of());

    /** Configuration with named defaults (STYLE habit 11). */
    public static final class Context
    {
        public static final int RING_CAPACITY_DEFAULT = 16 * 1024 * 1024;
        public static final int MAX_BATCH_DEFAULT = 4096;
        public static final int MAX_MESSAGE_LENGTH_DEFAULT = 1024 * 1024;
        public static final long SNAPSHOT_INTERVAL_MS_DEFAULT = 60_000;

        private int ringCapacity = RING_CAPACITY_DEFAULT;
        private int maxBatch = MAX_BATCH_DEFAULT;
        private int maxMessageLength = MAX_MESSAGE_LENGTH_DEFAULT;
        private long snapshotIntervalMs = SNAPSHOT_INTERVAL_MS_DEFAULT;
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private IdleStrategy idleStrategy;
        private Journal journal = Journal.NONE;
        private SnapshotStore snapshots;
        private EngineConfig engineConfig = EngineConfig.DEFAULT;
        private EngineListener listener = EngineListener.NONE;

        /** Ring buffer capacity in bytes, a power of two (default 16 MiB). */
        public Context ringCapacity(final int v)
        {
            ringCapacity = v;
            return this;
        }

        /** Most commands and queries in one batch (default 4096). */
        public Context maxBatch(final int v)
        {
            maxBatch = v;
            return this;
        }

        /** Largest message {@link #offer} accepts (default 1 MiB; at most an eighth of the ring). */
        public Context maxMessageLength(final int v)
        {
            maxMessageLength = v;
            return this;
        }

        /** Time between snapshots, 0 for none but the one at close (default 60 s). */
        public Context snapshotIntervalMs(final long v)
        {
            snapshotIntervalMs = v;
            return this;
        }

        public Context clock(final EpochClock v)
        {
            clock = v;
            return this;
        }

        /**
         * How the agent idles when there is no work (default: back off to 1 ms parks, woken by each offer while parked; never a
         * busy spin).
         */
        public Context idleStrategy(final IdleStrategy v)
        {
            idleStrategy = v;
            return this;
        }

        public Context journal(final Journal v)
        {
            journal = v;
            return this;
        }

        /** Where snapshots go; null keeps none. */
        public Context snapshots(final SnapshotStore v)
        {
            snapshots = v;
            return this;
        }

        public Context engineConfig(final EngineConfig v)
        {
            engineConfig = v;
            return this;
        }

        /** Also told of every transition and ready work, on the engine thread (metrics, tests). */
        public Context listener(final EngineListener v)
        {
            listener = v;
            return this;
        }

        Context conclude()
        {
            if (Integer.bitCount(ringCapacity) != 1 || ringCapacity < 64 * 1024)
            {
                throw new IllegalArgumentException("ringCapacity must be a power of two >= 64 KiB: " + ringCapacity);
            }
            if (maxBatch < 1)
            {
                throw new IllegalArgumentException("maxBatch must be >= 1: " + maxBatch);
            }
            if (maxMessageLength < 64 || maxMessageLength > ringCapacity / 8 - IngressRing.RECORD_HEADER_LENGTH)
            {
                throw new IllegalArgumentException("maxMessageLength must be in [64, ringCapacity / 8 - 16]: " +
                    maxMessageLength);
            }
            if (snapshotIntervalMs < 0)
            {
                throw new IllegalArgumentException("snapshotIntervalMs must be >= 0: " + snapshotIntervalMs);
            }
            if (idleStrategy == null)
            {
                idleStrategy = WakeableIdleStrategy.hostDefault();
            }
            return this;
        }
    }

    private final Context ctx;
    private final IngressRing ingress;
    private final Engine engine;
    private final Journal journal;
    private final TransitionLog transitions;
    private final ReplyEncoder replies = new ReplyEncoder();
    private final CommandDecoder decoder;
    private final QueryHandler queries;
    private final CommandEncoder commands = new CommandEncoder();
    private final BatchWriter batch = new BatchWriter();
    private final ExpandableArrayBuffer batchBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final ExpandableArrayBuffer queryBuffer = new ExpandableArrayBuffer(16 * 1024);
    private final ExpandableArrayBuffer replyBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();

    // Items of the current batch, in ring order: commands live in the batch, queries in the query buffer.
    private int itemCount;
    private boolean[] itemIsQuery = new boolean[64];
    private long[] itemSession = new long[64];
    private long[] itemCorrelation = new long[64];
    private int[] itemOffset = new int[64];
    private int[] itemLength = new int[64];
    private ParkedClaims.Parked[] itemParked = new ParkedClaims.Parked[64];
    private int queryLength;

    // Replies staged until the journal committed.
    private int replyCount;
    private long[] replySession = new long[64];
    private long[] replyCorrelation = new long[64];
    private int[] replyOffset = new int[64];
    private int[] replyLength = new int[64];
    private int replyPosition;

    private final SessionReplies sessions = new SessionReplies();
    private final ParkedClaims parked = new ParkedClaims();
    private final java.util.function.LongConsumer onSessionClosed = parked::dropSession;
    private final java.util.function.Consumer<ParkedClaims.Parked> reissue = this::reissue;
    private final java.util.function.Consumer<ParkedClaims.Parked> answerEmpty = this::answerEmpty;
    private final ArrayList<String> readyWork = new ArrayList<>();

    private final AtomicLong appliedLogIndex = new AtomicLong();
    private volatile int statesInMemory;
    private long nextLogIndex;
    private long lastSnapshotAt;
    private long lastSnapshotIndex;
    private AgentRunner runner;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * Builds the loop: restores the newest snapshot (if a store is configured), replays the journal after it, and is
     * then ready to {@link #start()}.
     */
    public EngineLoop(final Context context)
    {
        ctx = context.conclude();
        ingress = new IngressRing(ctx.ringCapacity,
            ctx.idleStrategy instanceof WakeableIdleStrategy w ? w : null);
        journal = ctx.journal;

        Engine restored = null;
        long snapshotIndex = 0;
        if (ctx.snapshots != null)
        {
            final SnapshotStore.Snapshot s = ctx.snapshots.latest();
            if (s != null)
            {
                restored = Engine.restore(s.bytes(), ctx.engineConfig);
                snapshotIndex = s.logIndex();
            }
        }
        engine = restored != null ? restored : new Engine(ctx.engineConfig);
        transitions = new TransitionLog(new EngineListener()
        {
            @Override
            public void onTransition(final long stateId, final String runId,
                final io.exostate.core.model.Status from, final io.exostate.core.model.Status to,
                final long time, final long claimToken)
            {
                ctx.listener.onTransition(stateId, runId, from, to, time, claimToken);
            }

            @Override
            public void onWorkReady(final String namespace, final String nodeName)
            {
                readyWork.add(namespace);
                readyWork.add(nodeName);
                ctx.listener.onWorkReady(namespace, nodeName);
            }
        });
        decoder = new CommandDecoder(engine, replies, new Utf8Interner());
        queries = new QueryHandler(engine, replies);

        // Replay the journal after the snapshot: the same commands, the same batch times, the same engine.
        final BatchReader reader = new BatchReader();
        final long[] last = {snapshotIndex};
        final long replayedTo = journal.replay(snapshotIndex, (logIndex, buffer, offset, length) ->
        {
            if (!reader.wrap(buffer, offset, length))
            {
                throw new IllegalStateException("journal batch " + logIndex + " is corrupt: " + reader.error());
            }
            while (reader.next())
            {
                decoder.apply(reader.batchTime(), reader.buffer(), reader.commandOffset(), reader.commandLength(),
                    replyBuffer, 0);
            }
            last[0] = logIndex;
        });
        nextLogIndex = Math.max(replayedTo, last[0]) + 1;
        appliedLogIndex.set(nextLogIndex - 1);
        statesInMemory = engine.stateCount();
        lastSnapshotIndex = snapshotIndex;
        readyWork.clear();
        engine.listener(transitions);
        lastSnapshotAt = ctx.clock.time();
    }

    /** Starts the agent thread. */
    public EngineLoop start()
    {
        runner = new AgentRunner(ctx.idleStrategy, this::onAgentError, null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    private void onAgentError(final Throwable t)
    {
        if (t instanceof org.agrona.concurrent.AgentTerminationException)
        {
            return;
        }
        // An exception out of the engine is a broken invariant: stop serving rather than diverge (STYLE habit 4).
        // The batch that failed is journaled, so a restart fails the same way: the journal is evidence, not lost.
        failure = t;
        closed = true;
        System.err.println("exostate: the engine loop stopped on an internal error; no further command is applied");
        t.printStackTrace(System.err);
    }

    /** The states the engine holds in memory after the last batch (finished runs retire: decision 13). Any thread. */
    public int statesInMemory()
    {
        return statesInMemory;
    }

    /** The internal error that stopped the loop, or null while it runs. */
    public Throwable failure()
    {
        return failure;
    }

    /** The engine. Engine thread only (tests read it after {@link #close()}). */
    public Engine engine()
    {
        return engine;
    }

    /** The log index of the last batch applied. Safe from any thread. */
    public long appliedLogIndex()
    {
        return appliedLogIndex.get();
    }

    // ------------------------------------------------------------------------------------------------------------
    // CommandGateway (any thread)
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public Offer offer(final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (closed)
        {
            return Offer.CLOSED;
        }
        if (length > ctx.maxMessageLength || length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return Offer.TOO_LARGE;
        }
        return ingress.offer(sessionId, correlationId, buffer, offset, length) ? Offer.ACCEPTED : Offer.BUSY;
    }

    @Override
    public void openSession(final long sessionId, final ReplySink sink)
    {
        sessions.open(sessionId, sink);
    }

    @Override
    public void closeSession(final long sessionId)
    {
        sessions.close(sessionId);
    }

    @Override
    public int maxMessageLength()
    {
        return ctx.maxMessageLength;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Agent (engine thread)
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public String roleName()
    {
        return "exostate-engine";
    }

    @Override
    public int doWork()
    {
        if (failure != null)
        {
            // AgentRunner keeps calling after its error handler: end the duty cycle for good instead.
            throw new org.agrona.concurrent.AgentTerminationException("engine loop failed: " + failure);
        }
        sessions.drainEvents(onSessionClosed);
        final long now = ctx.clock.time();
        final long batchTime = Math.max(now, engine.time());
        final long logIndex = nextLogIndex;
        batch.wrap(batchBuffer, 0, logIndex, batchTime);
        itemCount = 0;
        queryLength = 0;
        replyCount = 0;
        replyPosition = 0;

        int work = ingress.ring().read(this::onMessage, ctx.maxBatch);
        work += parked.takeWanting(readyWork, reissue);
        readyWork.clear();
        if (batch.count() == 0 && engine.nextDeadline() <= batchTime)
        {
            addCommand(0, 0, commands.tick(batchBuffer, batch.commandOffset()), null);
        }

        final boolean journaled = batch.count() > 0;
        if (journaled)
        {
            journal.appendBatch(logIndex, batchBuffer, 0, batch.length());
        }
        transitions.reset();
        for (int i = 0; i < itemCount; i++)
        {
            apply(i, batchTime);
        }
        work += parked.expire(now, answerEmpty);
        if (journaled)
        {
            journal.appendTransitions(logIndex, transitions.buffer(), 0, transitions.length());
            journal.commit();
            nextLogIndex++;
            statesInMemory = engine.stateCount();
            appliedLogIndex.set(logIndex);
            work++;
        }
        dispatchReplies();
        if (ctx.snapshots != null && ctx.snapshotIntervalMs > 0 && now - lastSnapshotAt >= ctx.snapshotIntervalMs &&
            appliedLogIndex.get() > lastSnapshotIndex)
        {
            takeSnapshot(now);
        }
        return work;
    }

    private void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long session = IngressRing.sessionId(buffer, index);
        final long correlation = IngressRing.correlationId(buffer, index);
        final int msgOffset = IngressRing.messageOffset(index);
        final int msgLength = IngressRing.messageLength(length);
        header.wrap(buffer, msgOffset);
        if (QueryHandler.isQuery(header.templateId()))
        {
            ensureItemCapacity();
            queryBuffer.putBytes(queryLength, buffer, msgOffset, msgLength);
            itemIsQuery[itemCount] = true;
            itemSession[itemCount] = session;
            itemCorrelation[itemCount] = correlation;
            itemOffset[itemCount] = queryLength;
            itemLength[itemCount] = msgLength;
            itemParked[itemCount] = null;
            itemCount++;
            queryLength += msgLength;
            return;
        }
        final int at = batch.commandOffset();
        batchBuffer.putBytes(at, buffer, msgOffset, msgLength);
        addCommand(session, correlation, msgLength, null);
    }

    private void addCommand(
        final long session, final long correlation, final int length, final ParkedClaims.Parked parkedClaim)
    {
        ensureItemCapacity();
        final int at = batch.commandOffset();
        batch.commit(session, correlation, length);
        itemIsQuery[itemCount] = false;
        itemSession[itemCount] = session;
        itemCorrelation[itemCount] = correlation;
        itemOffset[itemCount] = at;
        itemLength[itemCount] = length;
        itemParked[itemCount] = parkedClaim;
        itemCount++;
    }

    private void apply(final int i, final long batchTime)
    {
        final int offset = itemOffset[i];
        final int length = itemLength[i];
        final int at = replyPosition;
        if (itemIsQuery[i])
        {
            stageReply(itemSession[i], itemCorrelation[i], at, queries.answer(queryBuffer, offset, length, replyBuffer, at));
            return;
        }
        final int replyLen = decoder.apply(batchTime, batchBuffer, offset, length, replyBuffer, at);
        if (itemSession[i] == 0 && itemCorrelation[i] == 0 && itemParked[i] == null)
        {
            return; // a tick the loop issued itself: nobody waits for its reply
        }
        final long waitMs = parked.waitMs(batchBuffer, offset, length);
        if (waitMs > 0 && parked.isEmptyClaimReply(replyBuffer, at, replyLen) && sessions.isOpen(itemSession[i]))
        {
            final ParkedClaims.Parked previous = itemParked[i];
            final long deadline = previous != null ? previous.deadline : saturatingAdd(batchTime, waitMs);
            if (deadline > batchTime)
            {
                if (previous != null)
                {
                    parked.repark(previous);
                }
                else
                {
                    parked.park(itemSession[i], itemCorrelation[i], deadline, batchBuffer, offset, length);
                }
                return;
            }
        }
        stageReply(itemSession[i], itemCorrelation[i], at, replyLen);
    }

    private static long saturatingAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private void reissue(final ParkedClaims.Parked c)
    {
        final byte[] command = c.command();
        batchBuffer.putBytes(batch.commandOffset(), command);
        addCommand(c.sessionId, c.correlationId, command.length, c);
    }

    private void answerEmpty(final ParkedClaims.Parked c)
    {
        final int at = replyPosition;
        stageReply(c.sessionId, c.correlationId, at, replies.claimed(replyBuffer, at, EMPTY_CLAIM));
    }

    private void stageReply(final long session, final long correlation, final int offset, final int length)
    {
        if (replyCount == replySession.length)
        {
            final int n = replyCount * 2;
            replySession = java.util.Arrays.copyOf(replySession, n);
            replyCorrelation = java.util.Arrays.copyOf(replyCorrelation, n);
            replyOffset = java.util.Arrays.copyOf(replyOffset, n);
            replyLength = java.util.Arrays.copyOf(replyLength, n);
        }
        replySession[replyCount] = session;
        replyCorrelation[replyCount] = correlation;
        replyOffset[replyCount] = offset;
        replyLength[replyCount] = length;
        replyCount++;
        replyPosition = offset + length;
    }

    private void dispatchReplies()
    {
        for (int i = 0; i < replyCount; i++)
        {
            sessions.send(replySession[i], replyCorrelation[i], replyBuffer, replyOffset[i], replyLength[i]);
        }
        sessions.flush();
    }

    private void ensureItemCapacity()
    {
        if (itemCount == itemIsQuery.length)
        {
            final int n = itemCount * 2;
            itemIsQuery = java.util.Arrays.copyOf(itemIsQuery, n);
            itemSession = java.util.Arrays.copyOf(itemSession, n);
            itemCorrelation = java.util.Arrays.copyOf(itemCorrelation, n);
            itemOffset = java.util.Arrays.copyOf(itemOffset, n);
            itemLength = java.util.Arrays.copyOf(itemLength, n);
            itemParked = java.util.Arrays.copyOf(itemParked, n);
        }
    }

    private void takeSnapshot(final long now)
    {
        final long index = appliedLogIndex.get();
        ctx.snapshots.write(index, engine.snapshot());
        lastSnapshotAt = now;
        lastSnapshotIndex = index;
        journal.purge(index, now);
    }

    @Override
    public void onClose()
    {
        if (ctx.snapshots != null && appliedLogIndex.get() > lastSnapshotIndex)
        {
            takeSnapshot(ctx.clock.time());
        }
    }

    /** Stops the agent (taking a final snapshot when a store is configured) and closes the journal. */
    @Override
    public void close()
    {
        closed = true;
        if (runner != null)
        {
            CloseHelper.close(runner);
        }
        else
        {
            onClose();
        }
        journal.close();
    }
}
