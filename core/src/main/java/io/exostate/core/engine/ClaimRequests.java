package io.exostate.core.engine;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.Arrays;

/**
 * The engine's memory of deduplicated claims (see {@link Commands#claim}): per client id, the client's latest request
 * that handed out states, when it did, and the (state id, claim token) of each of those states in claim order.
 * <p>
 * The hash map serves lookups by client id only. Everything observable goes through a doubly linked list of the
 * entries in the order they were last written: command time never goes back, so that is also the order of their
 * times, and expiry only ever looks at the head. Snapshots write the list, and a restore appends in the same order,
 * so two replicas in the same state iterate alike.
 * <p>
 * Engine thread only. Allocates an entry per new client, and grows an entry's arrays when a claim hands out more
 * states than the entry held before.
 */
final class ClaimRequests
{
    /** One client's latest claim that handed out states. */
    static final class Entry
    {
        final long clientId;
        long requestId;
        long claimedAt;
        private int count;
        private long[] stateIds = new long[4];
        private long[] tokens = new long[4];
        private Entry prev;
        private Entry next;

        Entry(final long clientId)
        {
            this.clientId = clientId;
        }

        int count()
        {
            return count;
        }

        long stateId(final int i)
        {
            return stateIds[i];
        }

        long token(final int i)
        {
            return tokens[i];
        }

        /** The entry written after this one, or null. */
        Entry next()
        {
            return next;
        }

        void add(final long stateId, final long token)
        {
            if (count == stateIds.length)
            {
                stateIds = Arrays.copyOf(stateIds, count * 2);
                tokens = Arrays.copyOf(tokens, count * 2);
            }
            stateIds[count] = stateId;
            tokens[count] = token;
            count++;
        }
    }

    private final Long2ObjectHashMap<Entry> byClient = new Long2ObjectHashMap<>();
    private Entry head;
    private Entry tail;

    /** The client's entry, or null when the client has none (never claimed, or forgotten). */
    Entry get(final long clientId)
    {
        return byClient.get(clientId);
    }

    int size()
    {
        return byClient.size();
    }

    /** The oldest entry, or null; follow {@link Entry#next()} for the rest. */
    Entry oldest()
    {
        return head;
    }

    /**
     * Starts the client's memory of a new request at {@code time}, with no states yet ({@link Entry#add} them): the
     * client's entry, emptied and moved to the newest end, or a new one there. {@code time} must not be before the
     * newest entry's.
     */
    Entry record(final long clientId, final long requestId, final long time)
    {
        if (tail != null && time < tail.claimedAt)
        {
            throw new IllegalStateException("claim request memory out of time order: " + time + " after " +
                tail.claimedAt);
        }
        Entry e = byClient.get(clientId);
        if (e == null)
        {
            e = new Entry(clientId);
            byClient.put(clientId, e);
        }
        else
        {
            unlink(e);
        }
        e.requestId = requestId;
        e.claimedAt = time;
        e.count = 0;
        linkLast(e);
        return e;
    }

    /** Forgets every client whose entry was written {@code windowMs} or more before {@code time}. */
    int expire(final long time, final long windowMs)
    {
        int dropped = 0;
        while (head != null && time - head.claimedAt >= windowMs)
        {
            final Entry e = head;
            unlink(e);
            byClient.remove(e.clientId);
            dropped++;
        }
        return dropped;
    }

    private void linkLast(final Entry e)
    {
        e.prev = tail;
        e.next = null;
        if (tail == null)
        {
            head = e;
        }
        else
        {
            tail.next = e;
        }
        tail = e;
    }

    private void unlink(final Entry e)
    {
        if (e.prev == null)
        {
            head = e.next;
        }
        else
        {
            e.prev.next = e.next;
        }
        if (e.next == null)
        {
            tail = e.prev;
        }
        else
        {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
    }
}
