package io.exostate.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the binary server has done, for metrics and tests: sessions, frames and the transport errors it sent, by code.
 * <p>
 * Written by the event-loop threads (and, for slow consumers, the engine thread); read from any thread. One atomic
 * add per frame, no allocation.
 */
public final class TransportCounters
{
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong sessionsOpened = new AtomicLong();
    private final AtomicLong connectionsClosed = new AtomicLong();
    private final AtomicLong requestsOffered = new AtomicLong();
    private final AtomicLongArray errorsSent = new AtomicLongArray(TransportErrorCode.values().length + 1);

    void onConnectionAccepted()
    {
        connectionsAccepted.incrementAndGet();
    }

    void onSessionOpened()
    {
        sessionsOpened.incrementAndGet();
    }

    void onConnectionClosed()
    {
        connectionsClosed.incrementAndGet();
    }

    void onRequestOffered()
    {
        requestsOffered.incrementAndGet();
    }

    void onErrorSent(final TransportErrorCode code)
    {
        errorsSent.incrementAndGet(code.code());
    }

    /** Connections accepted (a session or not). */
    public long connectionsAccepted()
    {
        return connectionsAccepted.get();
    }

    /** Sessions that completed their hello. */
    public long sessionsOpened()
    {
        return sessionsOpened.get();
    }

    /** Connections closed, for any reason. */
    public long connectionsClosed()
    {
        return connectionsClosed.get();
    }

    /** Commands and queries the gateway accepted. */
    public long requestsOffered()
    {
        return requestsOffered.get();
    }

    /** How many {@code TransportError}s with {@code code} the server decided to send. */
    public long errorsSent(final TransportErrorCode code)
    {
        return errorsSent.get(code.code());
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("TransportCounters{accepted=").append(connectionsAccepted())
            .append(", opened=").append(sessionsOpened())
            .append(", closed=").append(connectionsClosed())
            .append(", offered=").append(requestsOffered());
        for (final TransportErrorCode code : TransportErrorCode.values())
        {
            final long n = errorsSent(code);
            if (n > 0)
            {
                sb.append(", ").append(code).append('=').append(n);
            }
        }
        return sb.append('}').toString();
    }
}
