package io.exostate.transport;

import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake gateway: records what the edge offers (copies of the bytes), answers {@link #answer} and lets the test play
 * the engine thread through the recorded sinks. Test thread only.
 */
final class RecordingGateway implements CommandGateway
{
    record Offered(long sessionId, long correlationId, byte[] message)
    {
    }

    final List<Offered> offers = new ArrayList<>();
    final Map<Long, ReplySink> sinks = new LinkedHashMap<>();
    final List<Long> opened = new ArrayList<>();
    final List<Long> closed = new ArrayList<>();
    Offer answer = Offer.ACCEPTED;
    int maxMessageLength = 1 << 20;

    @Override
    public synchronized Offer offer(
        final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (answer != Offer.ACCEPTED)
        {
            return answer;
        }
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        offers.add(new Offered(sessionId, correlationId, copy));
        return Offer.ACCEPTED;
    }

    @Override
    public synchronized void openSession(final long sessionId, final ReplySink sink)
    {
        opened.add(sessionId);
        sinks.put(sessionId, sink);
    }

    @Override
    public synchronized void closeSession(final long sessionId)
    {
        closed.add(sessionId);
        sinks.remove(sessionId);
    }

    @Override
    public int maxMessageLength()
    {
        return maxMessageLength;
    }
}
