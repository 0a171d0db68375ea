package io.exostate.raft;

import io.exostate.core.codec.ReplyDecoder;
import io.exostate.core.codec.sbe.MessageHeaderDecoder;
import io.exostate.core.codec.sbe.TransportErrorDecoder;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test client of the cluster: one session, opened on every gateway it uses, that sends commands through the
 * current leader's gateway and resends what was not acknowledged (the gateway was closed, the node does not lead,
 * a NOT_LEADER reply, a timeout) until each gets a reply. Resending is safe for the workload's commands: run ids
 * are chosen here (a repeated trigger is refused as a duplicate), a repeated report returns its first answer, and
 * a claim whose reply was lost leaves its states to the lease.
 */
final class ClusterClient implements ReplySink
{
    /** What a request that was not acknowledged decodes as. */
    record NotAcknowledged(String why)
    {
    }

    private static final AtomicLong SESSIONS = new AtomicLong(1000);

    private final LocalCluster cluster;
    private final long session = SESSIONS.incrementAndGet();
    private final AtomicLong correlations = new AtomicLong();
    private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final Set<RaftGateway> opened = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ReplyDecoder decoder = new ReplyDecoder();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final long replyTimeoutMs;

    ClusterClient(final LocalCluster cluster, final long replyTimeoutMs)
    {
        this.cluster = cluster;
        this.replyTimeoutMs = replyTimeoutMs;
    }

    @Override
    public void onReply(final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final CompletableFuture<byte[]> f = pending.remove(correlationId);
        if (f != null)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            f.complete(copy);
        }
    }

    @Override
    public void onFlush()
    {
    }

    /** Sends one request until it is acknowledged; returns its decoded reply. */
    Object call(final byte[] request, final long timeoutMs) throws InterruptedException
    {
        return callAll(List.of(request), timeoutMs).get(0);
    }

    /**
     * Sends every request, pipelined through the leader's gateway, and resends those not acknowledged until all are
     * or {@code timeoutMs} passes (then it throws). Returns the decoded replies in request order.
     */
    List<Object> callAll(final List<byte[]> requests, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        final Object[] results = new Object[requests.size()];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++)
        {
            todo.add(i);
        }
        String lastWhy = "";
        while (!todo.isEmpty())
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new AssertionError(todo.size() + " of " + requests.size() + " requests not acknowledged within " +
                    timeoutMs + " ms (last: " + lastWhy + ")\n" + cluster.describe());
            }
            final RaftGateway gateway = leaderGateway();
            if (gateway == null)
            {
                Thread.sleep(20);
                continue;
            }
            final List<Integer> sent = new ArrayList<>();
            final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
            final List<Integer> retry = new ArrayList<>();
            for (final int i : todo)
            {
                final long correlation = correlations.incrementAndGet();
                final CompletableFuture<byte[]> f = new CompletableFuture<>();
                pending.put(correlation, f);
                final byte[] bytes = requests.get(i);
                final CommandGateway.Offer offer = gateway.offer(session, correlation, new UnsafeBuffer(bytes), 0,
                    bytes.length);
                if (offer == CommandGateway.Offer.ACCEPTED)
                {
                    sent.add(i);
                    futures.add(f);
                }
                else
                {
                    pending.remove(correlation);
                    retry.add(i);
                    lastWhy = "offer " + offer;
                }
            }
            final long waitUntil = Math.min(deadline, System.currentTimeMillis() + replyTimeoutMs);
            for (int k = 0; k < sent.size(); k++)
            {
                final int i = sent.get(k);
                final Object reply = await(futures.get(k), waitUntil);
                if (reply instanceof NotAcknowledged n)
                {
                    retry.add(i);
                    lastWhy = n.why();
                }
                else
                {
                    results[i] = reply;
                }
            }
            if (!retry.isEmpty())
            {
                Thread.sleep(20);
            }
            retry.sort(Integer::compare);
            todo = retry;
        }
        final List<Object> out = new ArrayList<>(results.length);
        Collections.addAll(out, results);
        return out;
    }

    private Object await(final CompletableFuture<byte[]> f, final long until) throws InterruptedException
    {
        try
        {
            final byte[] bytes = f.get(Math.max(1, until - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            return decode(bytes);
        }
        catch (final TimeoutException ex)
        {
            return new NotAcknowledged("no reply in time");
        }
        catch (final ExecutionException ex)
        {
            throw new AssertionError("reply future failed", ex);
        }
    }

    private Object decode(final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        header.wrap(buffer, 0);
        if (header.templateId() == TransportErrorDecoder.TEMPLATE_ID)
        {
            final TransportErrorDecoder e = new TransportErrorDecoder();
            e.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            return new NotAcknowledged("TransportError " + e.code() + ": " + e.detail());
        }
        return decoder.decode(buffer, 0, bytes.length);
    }

    private synchronized RaftGateway leaderGateway()
    {
        for (int i = 0; i < cluster.size(); i++)
        {
            if (cluster.isLive(i) && cluster.node(i).isLeaderReady())
            {
                final RaftGateway g = cluster.gateway(i);
                if (opened.add(g))
                {
                    g.openSession(session, this);
                }
                return g;
            }
        }
        return null;
    }
}
