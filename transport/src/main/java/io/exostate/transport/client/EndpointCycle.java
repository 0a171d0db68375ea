package io.exostate.transport.client;

import java.util.List;

/**
 * Where a client connects next: the configured endpoints in turn (round robin), and any leader a {@code NOT_LEADER}
 * answer names, listed or not (the cluster's word is authoritative). It counts the failures of a round, so that the
 * reconnect backoff grows only when every listed endpoint failed once since the last session opened.
 * <p>
 * Not thread safe: owned by the client's I/O thread.
 */
final class EndpointCycle
{
    private final List<Endpoint> listed;
    /** The listed endpoint in use, or the one the client came from when it follows an unlisted leader. */
    private int index;
    private Endpoint current;
    private int failuresInRound;

    EndpointCycle(final List<Endpoint> listed)
    {
        if (listed.isEmpty())
        {
            throw new IllegalArgumentException("Expected at least one endpoint, but got none");
        }
        this.listed = List.copyOf(listed);
        this.current = this.listed.get(0);
    }

    /** The endpoint to connect to. */
    Endpoint current()
    {
        return current;
    }

    /** How many endpoints are listed. */
    int size()
    {
        return listed.size();
    }

    boolean isListed(final Endpoint endpoint)
    {
        return listed.contains(endpoint);
    }

    /**
     * The connection to {@link #current()} could not be opened, or it dropped: moves to the next listed endpoint.
     *
     * @return true when this failure completes a round (as many failures as endpoints since the last session
     * opened); counting starts again.
     */
    boolean failed()
    {
        advance();
        if (++failuresInRound >= listed.size())
        {
            failuresInRound = 0;
            return true;
        }
        return false;
    }

    /** Moves to the next listed endpoint without counting a failure (the current one knows no leader). */
    Endpoint advance()
    {
        index = (index + 1) % listed.size();
        current = listed.get(index);
        return current;
    }

    /** Moves to the leader a {@code NOT_LEADER} named; when it is listed, the round robin goes on after it. */
    void follow(final Endpoint leader)
    {
        final int i = listed.indexOf(leader);
        if (i >= 0)
        {
            index = i;
        }
        current = leader;
    }

    /** A session opened: the next failure starts a new round. */
    void connected()
    {
        failuresInRound = 0;
    }
}
