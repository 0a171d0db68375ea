package io.exostate.core.loop;

import org.agrona.DirectBuffer;

/**
 * Where the edge (binary protocol sessions, the HTTP API) hands commands and queries to the engine: the single-node
 * {@link EngineLoop} or, in a cluster, the Raft leader's batcher. Replies come back through the session's
 * {@link ReplySink}, on the engine thread, in the order the session offered its messages.
 * <p>
 * <b>Threading:</b> every method is safe to call from any thread and never blocks.
 */
public interface CommandGateway
{
    /** What became of an offered message. */
    enum Offer
    {
        /** The message is queued; its reply will reach the session's sink. */
        ACCEPTED,
        /** The ingress is full: answer the client BUSY and let it retry. Nothing was queued. */
        BUSY,
        /** The message is larger than {@link #maxMessageLength()}. Nothing was queued. */
        TOO_LARGE,
        /**
         * This node does not lead the cluster: send the message to the leader ({@link #leaderId()}, null while an
         * election is under way). Nothing was queued.
         */
        NOT_LEADER,
        /** The gateway is closed or not serving (shutting down, or failed). Nothing was queued. */
        CLOSED
    }

    /**
     * Offers one SBE message (a command of {@code io.exostate.core.codec.CommandEncoder} or a query of
     * {@code QueryEncoder}, with its message header) for {@code sessionId}. The bytes are copied before this returns.
     *
     * @param correlationId echoed with the reply, so the session can match it to its request.
     */
    Offer offer(long sessionId, long correlationId, DirectBuffer buffer, int offset, int length);

    /** Opens a session: replies to messages offered with {@code sessionId} go to {@code sink} from now on. */
    void openSession(long sessionId, ReplySink sink);

    /**
     * Closes a session: long-poll claims it parked are dropped and later replies for it are discarded. Claimed states
     * stay claimed until their lease expires or the runtime reports them from a new session.
     */
    void closeSession(long sessionId);

    /** The largest message {@link #offer} accepts. */
    int maxMessageLength();

    /**
     * The id of the cluster member this node believes leads, when {@link #offer} answers {@link Offer#NOT_LEADER};
     * null when no leader is known (or this is a single node, which never answers NOT_LEADER).
     */
    default String leaderId()
    {
        return null;
    }
}
