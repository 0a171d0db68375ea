package io.exostate.transport.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One request of an {@link ExoClient}: the encoded SBE message, kept until the answer comes so it can be written
 * again after a reconnect or a BUSY answer. Created on the caller's thread; everything mutable below is owned by the
 * client's I/O thread.
 */
final class Request
{
    final long correlationId;
    final byte[] message;
    /**
     * Safe to write again when its answer may have been lost, so it is written again (these same bytes) on the next
     * session instead of failing with CONNECTION_LOST: a report (the server answers a repeat with its first answer,
     * by claim token), a claim (the same bytes, so a server that recognises a repeated claim can answer it with its
     * first answer; a long-poll that was parked on a dropped connection is simply made again) or a query (it changes
     * nothing).
     */
    final boolean resendable;
    /** How long the request may wait for its answer, from submission. */
    final long timeoutNs;
    final Class<?> replyType;
    final CompletableFuture<Object> future = new CompletableFuture<>();

    // Owned by the I/O thread.
    boolean sent;
    int busyAnswers;
    /** NOT_LEADER answers without a leader address (an election) to this request: its retry delay grows with them. */
    int noLeaderAnswers;
    /** The same, from the node of the current session only: enough of them and the client tries another node. */
    int noLeaderAnswersHere;
    ScheduledFuture<?> timeout;
    /**
     * How often it was written to a session. Read by the caller's thread only after the future completed (the I/O
     * thread increments it before it can complete the future).
     */
    volatile int writes;

    Request(
        final long correlationId,
        final byte[] message,
        final boolean resendable,
        final long timeoutNs,
        final Class<?> replyType)
    {
        this.correlationId = correlationId;
        this.message = message;
        this.resendable = resendable;
        this.timeoutNs = timeoutNs;
        this.replyType = replyType;
    }
}
