package io.exostate.transport;

import io.exostate.core.codec.CommandDecoder;
import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Views;
import io.exostate.core.loop.CommandGateway;
import io.exostate.core.loop.ReplySink;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A test-only gateway that applies each message synchronously, under a lock, to a real {@link Engine} through
 * {@link CommandDecoder} / {@link QueryDecoder}, then calls the session's sink and {@code onFlush}: a stand-in for the
 * single-node {@code EngineLoop} until it lands. It does not park long-poll claims (a claim is answered at once).
 * Replies reach the sink on the offering thread (the event loop), not an engine thread.
 */
final class EngineGateway implements CommandGateway
{
    private static final int FIRST_QUERY = 201;

    final Engine engine;
    private final LongSupplier clock;
    private final CommandDecoder commands;
    private final QueryDecoder queries = new QueryDecoder();
    private final ReplyEncoder replies = new ReplyEncoder();
    private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(4096);
    private final Map<Long, ReplySink> sinks = new HashMap<>();
    private long applied;

    EngineGateway(final Engine engine, final LongSupplier clock)
    {
        this.engine = engine;
        this.clock = clock;
        this.commands = new CommandDecoder(engine, replies, new io.exostate.core.codec.Utf8Interner());
    }

    @Override
    public synchronized Offer offer(
        final long sessionId, final long correlationId, final DirectBuffer buffer, final int offset, final int length)
    {
        final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int replyLength = templateId >= FIRST_QUERY ?
            answer(queries.decode(buffer, offset, length)) :
            commands.apply(clock.getAsLong(), buffer, offset, length, reply, 0);
        applied++;
        final ReplySink sink = sinks.get(sessionId);
        if (sink != null)
        {
            sink.onReply(correlationId, reply, 0, replyLength);
            sink.onFlush();
        }
        return Offer.ACCEPTED;
    }

    synchronized long applied()
    {
        return applied;
    }

    private int answer(final Query query)
    {
        if (query instanceof Query.ListNamespaces)
        {
            return replies.namespaces(reply, 0, engine.namespaces());
        }
        if (query instanceof Query.ListNodes q)
        {
            return replies.nodes(reply, 0, engine.registeredNodes(q.namespace()));
        }
        if (query instanceof Query.GetGraph q)
        {
            final Views.Graph graph = engine.graph(q.namespace(), q.graphName());
            return graph == null ?
                replies.rejected(reply, 0, RejectCode.GRAPH_NOT_FOUND, "Graph template not found: " + q.graphName()) :
                replies.graph(reply, 0, graph);
        }
        if (query instanceof Query.ListGraphs q)
        {
            return replies.graphs(reply, 0, engine.graphs(q.namespace()));
        }
        if (query instanceof Query.ListRuns q)
        {
            final Engine.Read<Views.RunsPage> read = engine.runs(q.namespace(), q.page(), q.size());
            return read.ok() ? replies.runsPage(reply, 0, read.value()) : replies.rejected(reply, 0, read.rejection());
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return replies.runGraph(reply, 0, engine.runGraph(q.namespace(), q.runId()));
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            final Engine.Read<Views.NodeDetails> read =
                engine.nodeDetails(q.namespace(), q.graphName(), q.runId(), q.nodeId());
            return read.ok() ? replies.nodeDetails(reply, 0, read.value()) :
                replies.rejected(reply, 0, read.rejection());
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            final Engine.Read<Map<String, String>> read = engine.stateSecrets(q.namespace(), q.stateId());
            return read.ok() ? replies.stateSecrets(reply, 0, read.value()) :
                replies.rejected(reply, 0, read.rejection());
        }
        final Query.Invalid invalid = (Query.Invalid)query;
        return replies.rejected(reply, 0, invalid.error().toRejection());
    }

    @Override
    public synchronized void openSession(final long sessionId, final ReplySink sink)
    {
        sinks.put(sessionId, sink);
    }

    @Override
    public synchronized void closeSession(final long sessionId)
    {
        sinks.remove(sessionId);
    }

    synchronized int sessionCount()
    {
        return sinks.size();
    }

    @Override
    public int maxMessageLength()
    {
        return 1 << 20;
    }
}
