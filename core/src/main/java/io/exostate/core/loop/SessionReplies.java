package io.exostate.core.loop;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongArrayList;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

/**
 * The sessions of an engine host and the way their replies leave: {@link #open} / {@link #close} from any thread
 * (queued), everything else on the host's agent thread, which applies the queued events with {@link #drainEvents},
 * hands replies to the sinks with {@link #send} and ends each round with one {@link #flush} per touched session.
 * <p>
 * A session's open event is queued before any of its requests enters the ingress ring, but the agent may drain the
 * events just before that and read the ring just after. So {@link #send} and {@link #isOpen} apply the queued events
 * themselves when they do not know a session: its first reply is never dropped. The callbacks for sessions closed
 * that way still run in the next {@link #drainEvents}, never in the middle of a reply.
 */
public final class SessionReplies
{
    private record Event(long sessionId, ReplySink sink)
    {
    }

    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final Long2ObjectHashMap<ReplySink> sinks = new Long2ObjectHashMap<>();
    private final ArrayList<ReplySink> touched = new ArrayList<>();
    private final LongArrayList closedSinceDrain = new LongArrayList();

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
        final int applied = applyEvents();
        final int closed = closedSinceDrain.size();
        for (int i = 0; i < closed; i++)
        {
            onClosed.accept(closedSinceDrain.getLong(i));
        }
        closedSinceDrain.clear();
        return Math.max(applied, closed);
    }

    private int applyEvents()
    {
        int applied = 0;
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
                closedSinceDrain.addLong(e.sessionId());
            }
            applied++;
        }
        return applied;
    }

    private ReplySink sink(final long sessionId)
    {
        final ReplySink sink = sinks.get(sessionId);
        if (sink != null || events.isEmpty())
        {
            return sink;
        }
        applyEvents(); // opened after the last drain: its requests may already be in this round
        return sinks.get(sessionId);
    }

    /** True when replies to {@code sessionId} have somewhere to go. Agent thread. */
    public boolean isOpen(final long sessionId)
    {
        return sink(sessionId) != null;
    }

    /** Hands one reply to its session's sink; dropped when the session closed meanwhile. Agent thread. */
    public void send(final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final ReplySink sink = sink(sessionId);
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
