package io.exostate.core.loop;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

/**
 * The sessions of an engine host and the way their replies leave: {@link #open} / {@link #close} from any thread
 * (queued), everything else on the host's agent thread, which applies the queued events with {@link #drainEvents},
 * hands replies to the sinks with {@link #send} and ends each round with one {@link #flush} per touched session.
 */
public final class SessionReplies
{
    private record Event(long sessionId, ReplySink sink)
    {
    }

    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<ReplySink> sinks = new Long2ObjectHashMap<>();
    private final ArrayList<ReplySink> touched = new ArrayList<>();

    /** Replies for {@code sessionId} go to {@code sink} once the agent drained this event. Any thread. */
    public void open(final long sessionId, final ReplySink sink)
    {
        events.add(new Event(sessionId, sink));
    }

    /** Later replies for {@code sessionId} are dropped once the agent drained this event. Any thread. */
    public void close(final long sessionId)
    {
        events.add(new Event(sessionId, null));
    }

    /** Applies queued open / close events; {@code onClosed} hears each closed session. Agent thread. */
    public int drainEvents(final LongConsumer onClosed)
    {
        int drained = 0;
        Event e;
        while ((e = events.poll()) != null)
        {
            if (e.sink() != null)
            {
                sinks.put(e.sessionId(), e.sink());
            }
            else
            {
                sinks.remove(e.sessionId());
                onClosed.accept(e.sessionId());
            }
            drained++;
        }
        return drained;
    }

    /** True when replies to {@code sessionId} have somewhere to go. Agent thread. */
    public boolean isOpen(final long sessionId)
    {
        return sinks.containsKey(sessionId);
    }

    /** Hands one reply to its session's sink; dropped when the session closed meanwhile. Agent thread. */
    public void send(final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final ReplySink sink = sinks.get(sessionId);
        if (sink == null)
        {
            return;
        }
        sink.onReply(correlationId, buffer, offset, length);
        if (!touched.contains(sink))
        {
            touched.add(sink);
        }
    }

    /** Flushes every session that got a reply since the last flush, once. Agent thread. */
    public void flush()
    {
        for (int i = 0; i < touched.size(); i++)
        {
            touched.get(i).onFlush();
        }
        touched.clear();
    }
}
