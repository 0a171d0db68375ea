package io.exostate.core.loop;

import org.agrona.DirectBuffer;

/**
 * Receives the replies of one session. Called on the engine thread only: implementations must not block and must
 * copy the bytes they keep, since the buffer is reused after the call returns.
 */
public interface ReplySink
{
    /**
     * One reply: an SBE reply message (a {@code ReplyEncoder} reply, a {@code Rejected}, or a view reply of a query),
     * for the request offered with {@code correlationId}.
     */
    void onReply(long correlationId, DirectBuffer buffer, int offset, int length);

    /** The end of a batch that gave this session at least one reply: write everything out now (one flush). */
    void onFlush();
}
