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
    /** A report: idempotent on the server (claim token), so it is sent again after a reconnect. */
    final boolean resendable;
    /** How long the request may wait for its answer, from submission. */
    final long timeoutNs;
    final Class<?> replyType;
    final CompletableFuture<Object> future = new CompletableFuture<>();

    // Owned by the I/O thread.
    boolean sent;
    int busyAnswers;
    ScheduledFuture<?> timeout;

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
