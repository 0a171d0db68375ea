package io.exostate.raft;

import io.exostate.core.codec.BatchReader;
import io.exostate.core.codec.BatchWriter;
import io.exostate.core.codec.CommandEncoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.TransportErrorEncoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.IngressRing;
import io.exostate.core.loop.ParkedClaims;
import io.exostate.core.loop.QueryHandler;
import io.exostate.core.loop.ReplySink;
import io.exostate.core.loop.SessionReplies;
import io.exostate.core.loop.WakeableIdleStrategy;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * The leader's batcher: the {@link CommandGateway} of a cluster member. I/O threads {@link #offer} encoded commands
 * and queries into an {@link IngressRing} (an Agrona many-to-one ring), as with the single-node loop; one agent
 * thread drains up to {@link Context#maxBatch} commands (at most {@link Context#maxBatchBytes}) into one
 * {@code Batch} ({@link BatchWriter}), stamps it with {@code max(now, last applied batch time, last stamped time)}
 * (the only clock read) and proposes it as <b>one Raft entry</b> straight to this member's Ratis server
 * ({@code submitClientRequestAsync}: no serialization, no loopback hop, no client threads), keeping up to
 * {@link Context#maxInFlight} entries and queries in flight. Group commit follows from load: while entries are
 * in flight the ring fills, and the next batch takes all of it.
 * <p>
 * When an entry's reply comes back (the {@link BatchReplies} of the applied batch) the agent hands each reply to
 * its session's {@link ReplySink} and flushes each touched session once per dispatch round. Items are dispatched in
 * the order they were proposed, so a session gets its replies in the order it offered its messages.
 * <p>
 * <b>Queries</b> are read-after-write requests: with the servers' read option LINEARIZABLE the
 * leader answers at a read index that is at least its commit index at the time (a heartbeat round confirms it
 * still leads) and at least the index of every entry this gateway proposed before the query, so a query sees every
 * command offered before it. A command batch open when a query arrives is proposed first.
 * <p>
 * <b>Timers:</b> when nothing is in flight and the leader's engine has a deadline that passed, the gateway proposes
 * a {@code Tick} batch (session 0): one at a time, at most one per {@link Context#tickIntervalMs}, none for
 * {@link Context#failureBackoffMs} after a failed request.
 * <p>
 * <b>Not the leader:</b> on a node that does not lead, {@link #offer} answers {@link Offer#NOT_LEADER} and
 * {@link #leaderId()} names the leader this node knows of (null during an election); the edge turns that into a
 * {@code TransportError} NOT_LEADER with the leader's binary address, or an HTTP 307. A request whose outcome is
 * unknown (its entry failed because this member stopped leading, or the gateway closed with it in flight) is
 * answered with NOT_LEADER too: the client retries it on the leader, and the engine's idempotent reports and claim
 * request ids make the retry safe. Requests still in the ring when the member stops
 * leading are answered NOT_LEADER; a new leader leaves them in the ring until it has committed its term's first
 * entry (Ratis refuses requests before that).
 * <p>
 * <b>Long-poll claims</b> park here, on the leader, outside the engine: a claim with {@code waitMs > 0} whose
 * committed answer holds no states is kept with the log index of that answer. The state machine records, per
 * (namespace, node), the last log index whose entry made work claimable; a parked claim for which that index is
 * above its own is proposed again (the same bytes, a new entry); at its deadline it is answered with an empty
 * claim. When this node stops leading, every parked claim is answered NOT_LEADER at once, so its runtime claims
 * again from the new leader.
 * <p>
 * <b>Threading:</b> {@link #offer}, {@link #openSession}, {@link #closeSession} from any thread, never blocking;
 * sinks are called on the agent thread only. <b>Allocation:</b> per proposed batch, the entry's {@code byte[]} and
 * its Ratis request; per query, a {@code byte[]} copy of it.
 */
public final class RaftGateway implements CommandGateway, Agent, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RaftGateway.class);
    private static final io.exostate.core.codec.Claimed EMPTY_CLAIM =
        new io.exostate.core.codec.Claimed(java.util.List.of());
    /** {@code TransportError} code NOT_LEADER (see the schema). */
    private static final int NOT_LEADER = 2;

    /** Configuration with named defaults (STYLE habit 11). */
    public static final class Context
    {
        public static final int RING_CAPACITY_DEFAULT = 16 * 1024 * 1024;
        public static final int MAX_BATCH_DEFAULT = 4096;
        public static final int MAX_BATCH_BYTES_DEFAULT = 2 * 1024 * 1024;
        public static final int MAX_MESSAGE_LENGTH_DEFAULT = 1024 * 1024;
        public static final int MAX_IN_FLIGHT_DEFAULT = 8;
        public static final long TICK_INTERVAL_MS_DEFAULT = 5;
        public static final long FAILURE_BACKOFF_MS_DEFAULT = 100;

        private int ringCapacity = RING_CAPACITY_DEFAULT;
        private int maxBatch = MAX_BATCH_DEFAULT;
        private int maxBatchBytes = MAX_BATCH_BYTES_DEFAULT;
        private int maxMessageLength = MAX_MESSAGE_LENGTH_DEFAULT;
        private int maxInFlight = MAX_IN_FLIGHT_DEFAULT;
        private long tickIntervalMs = TICK_INTERVAL_MS_DEFAULT;
        private long failureBackoffMs = FAILURE_BACKOFF_MS_DEFAULT;
        private EpochClock clock = SystemEpochClock.INSTANCE;
        private IdleStrategy idleStrategy;
        private Function<String, String> leaderAddress = id -> null;

        /** Ring buffer capacity in bytes, a power of two (default 16 MiB). */
        public Context ringCapacity(final int v)
        {
            ringCapacity = v;
            return this;
        }

        /** Most commands in one batch, one Raft entry (default 4096). */
        public Context maxBatch(final int v)
        {
            maxBatch = v;
            return this;
        }

        /** Most bytes of one batch (default 2 MiB); below the node's appender buffer limit. */
        public Context maxBatchBytes(final int v)
        {
            maxBatchBytes = v;
            return this;
        }

        /** Largest message {@link #offer} accepts (default 1 MiB). */
        public Context maxMessageLength(final int v)
        {
            maxMessageLength = v;
            return this;
        }

        /** Raft entries and queries in flight at once (default 8). */
        public Context maxInFlight(final int v)
        {
            maxInFlight = v;
            return this;
        }

        /** Least time between two ticks the gateway proposes (default 5 ms). */
        public Context tickIntervalMs(final long v)
        {
            tickIntervalMs = v;
            return this;
        }

        /** No tick is proposed for this long after a request failed (default 100 ms). */
        public Context failureBackoffMs(final long v)
        {
            failureBackoffMs = v;
            return this;
        }

        public Context clock(final EpochClock v)
        {
            clock = v;
            return this;
        }

        /**
         * How the agent idles without work (default: back off to 1 ms parks, woken by each offer while parked; never a
         * busy spin).
         */
        public Context idleStrategy(final IdleStrategy v)
        {
            idleStrategy = v;
            return this;
        }

        /**
         * Maps a member id to the binary protocol address ({@code host:port}) clients should use, for the
         * NOT_LEADER errors the gateway writes itself (default: none known, the address is left empty).
         */
        public Context leaderAddress(final Function<String, String> v)
        {
            leaderAddress = v;
            return this;
        }

        Context conclude(final RaftNode.Context node)
        {
            if (Integer.bitCount(ringCapacity) != 1 || ringCapacity < 64 * 1024)
            {
                throw new IllegalArgumentException("ringCapacity must be a power of two >= 64 KiB: " + ringCapacity);
            }
            if (maxBatch < 1 || maxInFlight < 1)
            {
                throw new IllegalArgumentException("maxBatch and maxInFlight must be >= 1: " + maxBatch + ", " +
                    maxInFlight);
            }
            if (maxBatchBytes > node.appenderBufferBytes() - 1024)
            {
                throw new IllegalArgumentException("maxBatchBytes (" + maxBatchBytes +
                    ") must stay below the node's appender buffer limit (" + node.appenderBufferBytes() +
                    ") less 1 KiB for the entry's framing");
            }
            final int largestMessage = maxBatchBytes - BatchWriter.BATCH_HEADER_LENGTH - BatchWriter.ENTRY_HEADER_LENGTH;
            if (maxMessageLength < 64 || maxMessageLength > largestMessage ||
                maxMessageLength > ringCapacity / 8 - IngressRing.RECORD_HEADER_LENGTH)
            {
                throw new IllegalArgumentException("maxMessageLength must be in [64, min(maxBatchBytes - " +
                    (BatchWriter.BATCH_HEADER_LENGTH + BatchWriter.ENTRY_HEADER_LENGTH) +
                    ", ringCapacity / 8 - 16)]: " + maxMessageLength);
            }
            if (tickIntervalMs < 1 || failureBackoffMs < 0)
            {
                throw new IllegalArgumentException("tickIntervalMs >= 1 and failureBackoffMs >= 0: " + tickIntervalMs +
                    ", " + failureBackoffMs);
            }
            if (idleStrategy == null)
            {
                idleStrategy = WakeableIdleStrategy.hostDefault();
            }
            return this;
        }

        @Override
        public String toString()
        {
            return "RaftGateway.Context{ringCapacity=" + ringCapacity +
                ", maxBatch=" + maxBatch +
                ", maxBatchBytes=" + maxBatchBytes +
                ", maxMessageLength=" + maxMessageLength +
                ", maxInFlight=" + maxInFlight +
                ", tickIntervalMs=" + tickIntervalMs +
                ", failureBackoffMs=" + failureBackoffMs +
                ", idleStrategy=" + idleStrategy +
                '}';
        }
    }

    /** A proposed entry or a query, in flight until its future completes and it reaches the head of the queue. */
    private static final class InFlight
    {
        final CompletableFuture<RaftClientReply> future;
        /** The proposed batch (to answer its sessions if it fails), or null for a query. */
        final byte[] batch;
        final long session;
        final long correlation;
        /** The long-poll claims of the batch, or null when it has none. */
        final ArrayList<LongPoll> longPolls;

        InFlight(final CompletableFuture<RaftClientReply> future, final byte[] batch, final long session,
            final long correlation, final ArrayList<LongPoll> longPolls)
        {
            this.future = future;
            this.batch = batch;
            this.session = session;
            this.correlation = correlation;
            this.longPolls = longPolls;
        }
    }

    /**
     * A claim with {@code waitMs > 0} in a proposed batch: where its bytes are in the batch, its deadline, and the
     * parked claim it was issued again for (null the first time).
     */
    private record LongPoll(long session, long correlation, long deadline, int offset, int length,
        ParkedClaims.Parked parked)
    {
    }

    private final Context ctx;
    private final RaftNode node;
    private final EngineStateMachine stateMachine;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private long nextCallId = 1;
    private final IngressRing ingress;
    private final BatchWriter batch = new BatchWriter();
    private final ExpandableArrayBuffer batchBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final CommandEncoder commands = new CommandEncoder();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final MessageHeaderEncoder errorHeader = new MessageHeaderEncoder();
    private final TransportErrorEncoder error = new TransportErrorEncoder();
    private final ExpandableArrayBuffer errorBuffer = new ExpandableArrayBuffer(256);
    private final BatchReplies replies = new BatchReplies();
    private final BatchReader failedBatch = new BatchReader();
    private final UnsafeBuffer replyView = new UnsafeBuffer(0, 0);
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final SessionReplies sessions = new SessionReplies();
    private final ParkedClaims parked = new ParkedClaims();
    private final ReplyEncoder replyEncoder = new ReplyEncoder();
    private final ExpandableArrayBuffer emptyClaimBuffer = new ExpandableArrayBuffer(64);
    private final UnsafeBuffer batchView = new UnsafeBuffer(0, 0);
    private final ControlledMessageHandler onMessage = this::onMessage;
    private final Runnable wake = this::wake;
    private final org.agrona.concurrent.MessageHandler notLeaderHandler = (msgTypeId, buffer, index, length) ->
        notLeader(IngressRing.sessionId(buffer, index), IngressRing.correlationId(buffer, index),
            "Expected to reach the leader, but this member stopped leading before the request was proposed: " +
            "send it to the leader");
    private final LongConsumer onSessionClosed = parked::dropSession;
    private final Predicate<ParkedClaims.Parked> woken = this::woken;
    private final Consumer<ParkedClaims.Parked> reissue = this::reissue;
    private final Consumer<ParkedClaims.Parked> answerEmpty = this::answerEmpty;
    private final Consumer<ParkedClaims.Parked> answerDeposed = this::answerDeposed;

    private boolean batchOpen;
    private ArrayList<LongPoll> batchLongPolls;
    /** The state machine's lastReadyIndex when parked claims were last checked; -1 forces a check. */
    private long checkedReadyIndex = -1;
    private boolean batchFull;
    private long nextTickAt;
    private long lastStampedTime;
    private long proposedEntries;
    private long proposedCommands;
    private volatile Thread agentThread;
    private AgentRunner runner;
    private volatile boolean closed;

    /** Builds the gateway of {@code node}; {@link #start()} runs its agent thread. */
    public RaftGateway(final Context context, final RaftNode node)
    {
        this.ctx = context.conclude(node.context());
        this.node = node;
        this.stateMachine = node.stateMachine();
        this.ingress = new IngressRing(ctx.ringCapacity,
            ctx.idleStrategy instanceof WakeableIdleStrategy w ? w : null);
        this.server = node.server();
    }

    /** Starts the agent thread. */
    public RaftGateway start()
    {
        LOG.info("raft gateway of {} started: {}", node.id(), ctx);
        runner = new AgentRunner(ctx.idleStrategy, this::onAgentError, null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    private void onAgentError(final Throwable t)
    {
        // Nothing here mutates replicated state: report and keep serving.
        LOG.error("raft gateway of {} failed in its duty cycle", node.id(), t);
    }

    public RaftNode node()
    {
        return node;
    }

    /** Raft entries proposed so far (agent thread; approximate from others). */
    public long proposedEntries()
    {
        return proposedEntries;
    }

    /** Commands proposed so far, ticks included (agent thread; approximate from others). */
    public long proposedCommands()
    {
        return proposedCommands;
    }

    // ------------------------------------------------------------------------------------------------------------
    // CommandGateway (any thread)
    // ------------------------------------------------------------------------------------------------------------

    /** {@inheritDoc} On a node that does not lead this answers {@link Offer#NOT_LEADER}. */
    @Override
    public Offer offer(final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (closed)
        {
            return Offer.CLOSED;
        }
        if (!node.isLeader())
        {
            return Offer.NOT_LEADER;
        }
        if (length > ctx.maxMessageLength || length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return Offer.TOO_LARGE;
        }
        return ingress.offer(sessionId, correlationId, buffer, offset, length) ? Offer.ACCEPTED : Offer.BUSY;
    }

    /** {@inheritDoc} The leader this node knows of, unless that is this node itself. */
    @Override
    public String leaderId()
    {
        final String leader = node.leaderId();
        return leader == null || leader.equals(node.id()) ? null : leader;
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
    // Agent (agent thread)
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public String roleName()
    {
        return "exostate-raft-gateway-" + node.id();
    }

    @Override
    public void onStart()
    {
        agentThread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        int work = sessions.drainEvents(onSessionClosed);
        work += dispatchCompleted();
        if (!node.isLeader())
        {
            // Deposed (or never led): what waits here goes back to the clients, which resend to the leader.
            work += parked.releaseAll(answerDeposed);
            work += ingress.ring().read(notLeaderHandler, ctx.maxBatch);
        }
        else if (node.isLeaderReady())
        {
            if (!parked.isEmpty())
            {
                work += reissueWoken();
            }
            if (inFlight.size() < ctx.maxInFlight)
            {
                work += ingress.ring().controlledRead(onMessage, ctx.maxBatch);
                if (batchOpen)
                {
                    proposeBatch();
                }
            }
        }
        // else: a new leader that has not committed its term's first entry: requests wait in the ring a moment
        // rather than fail with LeaderNotReadyException.
        if (!parked.isEmpty())
        {
            work += parked.expire(ctx.clock.time(), answerEmpty);
        }
        sessions.flush();
        work += proposeTickWhenDue();
        return work;
    }

    /**
     * Proposes again the parked claims whose nodes got claimable work after their empty answer, into the open batch
     * (or a new one when the in-flight window allows).
     */
    private int reissueWoken()
    {
        final long ready = stateMachine.lastReadyIndex();
        if (ready == checkedReadyIndex || inFlight.size() >= ctx.maxInFlight && !batchOpen)
        {
            return 0;
        }
        batchFull = false;
        final int n = parked.takeIf(woken, reissue);
        if (!batchFull)
        {
            checkedReadyIndex = ready; // else check again next cycle: some woken claims did not fit
        }
        return n;
    }

    private boolean woken(final ParkedClaims.Parked c)
    {
        if (batchFull)
        {
            return false;
        }
        for (final String name : c.nodeNames())
        {
            if (stateMachine.readyIndex(c.namespace(), name) > c.mark)
            {
                final int length = c.command().length;
                if (batchOpen && batch.length() + BatchWriter.ENTRY_HEADER_LENGTH + length > ctx.maxBatchBytes)
                {
                    batchFull = true;
                    return false;
                }
                return true;
            }
        }
        return false;
    }

    private void reissue(final ParkedClaims.Parked c)
    {
        if (!batchOpen)
        {
            openBatch();
        }
        final byte[] command = c.command();
        final int at = batch.commandOffset();
        batchBuffer.putBytes(at, command);
        batch.commit(c.sessionId, c.correlationId, command.length);
        longPoll(new LongPoll(c.sessionId, c.correlationId, c.deadline, at, command.length, c));
    }

    private void longPoll(final LongPoll lp)
    {
        if (batchLongPolls == null)
        {
            batchLongPolls = new ArrayList<>(4);
        }
        batchLongPolls.add(lp);
    }

    private void answerEmpty(final ParkedClaims.Parked c)
    {
        final int length = replyEncoder.claimed(emptyClaimBuffer, 0, EMPTY_CLAIM);
        sessions.send(c.sessionId, c.correlationId, emptyClaimBuffer, 0, length);
    }

    private void answerDeposed(final ParkedClaims.Parked c)
    {
        notLeader(c.sessionId, c.correlationId, "Expected to wait for work on the leader, but " + node.id() +
            " no longer leads: claim again from the leader");
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long session = IngressRing.sessionId(buffer, index);
        final long correlation = IngressRing.correlationId(buffer, index);
        final int msgOffset = IngressRing.messageOffset(index);
        final int msgLength = IngressRing.messageLength(length);
        header.wrap(buffer, msgOffset);
        if (QueryHandler.isQuery(header.templateId()))
        {
            // The commands offered before the query are proposed before it, so its read index covers them.
            if (batchOpen)
            {
                proposeBatch();
            }
            if (inFlight.size() >= ctx.maxInFlight)
            {
                return ControlledMessageHandler.Action.ABORT;
            }
            proposeQuery(session, correlation, buffer, msgOffset, msgLength);
            return inFlight.size() >= ctx.maxInFlight ?
                ControlledMessageHandler.Action.BREAK : ControlledMessageHandler.Action.CONTINUE;
        }
        if (batchOpen && batch.length() + BatchWriter.ENTRY_HEADER_LENGTH + msgLength > ctx.maxBatchBytes)
        {
            proposeBatch();
        }
        if (!batchOpen)
        {
            if (inFlight.size() >= ctx.maxInFlight)
            {
                return ControlledMessageHandler.Action.ABORT;
            }
            openBatch();
        }
        final int at = batch.commandOffset();
        batch.append(session, correlation, buffer, msgOffset, msgLength);
        final long waitMs = parked.waitMs(buffer, msgOffset, msgLength);
        if (waitMs > 0)
        {
            final long now = ctx.clock.time();
            final long deadline = now + waitMs < now ? Long.MAX_VALUE : now + waitMs;
            longPoll(new LongPoll(session, correlation, deadline, at, msgLength, null));
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private void openBatch()
    {
        // Never below the last applied batch time (a new leader continues its predecessor's clock) nor below the
        // time of a batch this gateway still has in flight: batch times are monotonic in the log.
        final long batchTime = Math.max(ctx.clock.time(), Math.max(stateMachine.lastBatchTime(), lastStampedTime));
        lastStampedTime = batchTime;
        batch.wrap(batchBuffer, 0, 0, batchTime); // the log index inside is ignored: the Raft index is the one
        batchOpen = true;
        batchLongPolls = null;
    }

    private void proposeBatch()
    {
        batchOpen = false;
        final byte[] bytes = new byte[batch.length()];
        batchBuffer.getBytes(0, bytes);
        final Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
        final CompletableFuture<RaftClientReply> future = submit(message, RaftClientRequest.writeRequestType());
        inFlight.addLast(new InFlight(future, bytes, 0, 0, batchLongPolls));
        batchLongPolls = null;
        future.whenComplete((reply, ex) -> wake.run());
        proposedEntries++;
        proposedCommands += batch.count();
    }

    private void proposeQuery(
        final long session, final long correlation, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        final Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
        final CompletableFuture<RaftClientReply> future =
            submit(message, RaftClientRequest.readAfterWriteConsistentRequestType());
        inFlight.addLast(new InFlight(future, null, session, correlation, null));
        future.whenComplete((reply, ex) -> wake.run());
    }

    /** Hands a request straight to this node's server, as a client of the group with our own client id. */
    private CompletableFuture<RaftClientReply> submit(final Message message, final RaftClientRequest.Type type)
    {
        final RaftClientRequest request = RaftClientRequest.newBuilder()
            .setClientId(clientId)
            .setServerId(node.peerId())
            .setGroupId(node.group().getGroupId())
            .setCallId(nextCallId++)
            .setMessage(message)
            .setType(type)
            .build();
        try
        {
            return server.submitClientRequestAsync(request);
        }
        catch (final IOException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private int proposeTickWhenDue()
    {
        if (!inFlight.isEmpty() || !node.isLeaderReady())
        {
            return 0;
        }
        final long now = ctx.clock.time();
        if (now < nextTickAt || stateMachine.nextDeadline() > Math.max(now, stateMachine.lastBatchTime()))
        {
            return 0;
        }
        // One tick at a time and at most one per interval: a deadline a tick cannot clear (or a failing group)
        // must not turn into a stream of entries.
        nextTickAt = now + ctx.tickIntervalMs;
        openBatch();
        batch.commit(0, 0, commands.tick(batchBuffer, batch.commandOffset()));
        proposeBatch();
        return 1;
    }

    private void wake()
    {
        final Thread t = agentThread;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    private int dispatchCompleted()
    {
        int dispatched = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().future.isDone())
        {
            final InFlight item = inFlight.pollFirst();
            final Throwable failure = failureOf(item.future);
            if (failure != null)
            {
                // The group is failing over or unhealthy: give it a moment before ticking into it again.
                nextTickAt = Math.max(nextTickAt, ctx.clock.time() + ctx.failureBackoffMs);
                answerUnknownOutcome(item, failure);
            }
            else
            {
                deliver(item, item.future.join());
            }
            dispatched++;
        }
        return dispatched;
    }

    private static Throwable failureOf(final CompletableFuture<RaftClientReply> future)
    {
        if (future.isCompletedExceptionally())
        {
            return future.handle((reply, ex) -> ex instanceof CompletionException && ex.getCause() != null ?
                ex.getCause() : ex).join();
        }
        final RaftClientReply reply = future.join();
        if (!reply.isSuccess())
        {
            return reply.getException() != null ? reply.getException() : new IOException("request failed: " + reply);
        }
        return null;
    }

    private void deliver(final InFlight item, final RaftClientReply reply)
    {
        final int length = EngineStateMachine.wrap(replyView, reply.getMessage().getContent());
        if (item.batch == null)
        {
            toSession(item.session, item.correlation, replyView, 0, length);
            return;
        }
        if (!replies.wrap(replyView, 0, length))
        {
            // Our own state machine wrote these bytes: a mismatch is a bug, and the requests' outcome is unknown.
            answerUnknownOutcome(item, new IllegalStateException("malformed batch replies of " + length + " bytes"));
            return;
        }
        while (replies.next())
        {
            if (replies.sessionId() != 0 &&
                !(item.longPolls != null && parkIfEmpty(item, reply.getLogIndex(), replies.sessionId(),
                    replies.correlationId(), replies.replyOffset(), replies.replyLength())))
            {
                toSession(replies.sessionId(), replies.correlationId(), replyView, replies.replyOffset(),
                    replies.replyLength());
            }
        }
    }

    /** Parks a long-poll claim of {@code item} whose committed answer is empty; false to answer it now. */
    private boolean parkIfEmpty(final InFlight item, final long logIndex, final long session, final long correlation,
        final int replyOffset, final int replyLength)
    {
        LongPoll lp = null;
        for (int i = 0; i < item.longPolls.size() && lp == null; i++)
        {
            final LongPoll candidate = item.longPolls.get(i);
            if (candidate.session() == session && candidate.correlation() == correlation)
            {
                lp = candidate;
            }
        }
        if (lp == null || !parked.isEmptyClaimReply(replyView, replyOffset, replyLength) ||
            !sessions.isOpen(session) || !node.isLeader() || lp.deadline() <= ctx.clock.time())
        {
            return false;
        }
        final ParkedClaims.Parked p;
        if (lp.parked() != null)
        {
            p = lp.parked();
            parked.repark(p);
        }
        else
        {
            batchView.wrap(item.batch);
            p = parked.park(session, correlation, lp.deadline(), batchView, lp.offset(), lp.length());
        }
        p.mark = logIndex;
        checkedReadyIndex = -1; // work may have become ready after this answer, before it reached us
        return true;
    }

    /** The entry or query failed (this member stopped leading): it may or may not have been applied. */
    private void answerUnknownOutcome(final InFlight item, final Throwable failure)
    {
        final String detail = "Expected the request to be acknowledged by the leader, but " + failure +
            "; its outcome is unknown: retry it on the leader";
        if (item.batch == null)
        {
            notLeader(item.session, item.correlation, detail);
            return;
        }
        final UnsafeBuffer view = new UnsafeBuffer(item.batch);
        if (failedBatch.wrap(view, 0, item.batch.length))
        {
            while (failedBatch.next())
            {
                if (failedBatch.sessionId() != 0)
                {
                    notLeader(failedBatch.sessionId(), failedBatch.correlationId(), detail);
                }
            }
        }
    }

    private void notLeader(final long session, final long correlation, final String detail)
    {
        final String leader = leaderId();
        final String address = leader == null ? null : ctx.leaderAddress.apply(leader);
        error.wrapAndApplyHeader(errorBuffer, 0, errorHeader).code(NOT_LEADER).detail(detail)
            .leaderAddress(address == null ? "" : address);
        toSession(session, correlation, errorBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + error.encodedLength());
    }

    private void toSession(
        final long session, final long correlation, final DirectBuffer buffer, final int offset, final int length)
    {
        sessions.send(session, correlation, buffer, offset, length); // dropped if the session closed meanwhile
    }

    /**
     * Answers what is still in flight or queued with NOT_LEADER (outcome unknown). Runs
     * on the agent thread when the runner stops.
     */
    @Override
    public void onClose()
    {
        sessions.drainEvents(onSessionClosed);
        while (!inFlight.isEmpty())
        {
            final InFlight item = inFlight.pollFirst();
            answerUnknownOutcome(item, new IllegalStateException("the gateway of " + node.id() + " closed"));
        }
        parked.releaseAll(answerDeposed);
        ingress.ring().read((msgTypeId, buffer, index, length) -> notLeader(IngressRing.sessionId(buffer, index),
            IngressRing.correlationId(buffer, index), "Expected the request to reach the leader, but the gateway of " +
            node.id() + " closed first: retry it on the leader"));
        sessions.flush();
    }

    /** Stops the agent; requests still in flight are answered NOT_LEADER. The node is not closed. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (runner != null)
        {
            CloseHelper.close(runner);
        }
        else
        {
            onClose();
        }
    }
}
