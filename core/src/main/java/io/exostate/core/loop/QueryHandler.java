package io.exostate.core.loop;

import io.exostate.core.codec.Query;
import io.exostate.core.codec.QueryDecoder;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Views;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Map;

/**
 * Answers read queries from the engine's state: decodes a query message and encodes its view reply (or a
 * {@code Rejected}). Queries change nothing and are not journaled. Engine thread only.
 */
public final class QueryHandler
{
    private final Engine engine;
    private final QueryDecoder decoder = new QueryDecoder();
    private final ReplyEncoder replies;

    public QueryHandler(final Engine engine, final ReplyEncoder replies)
    {
        this.engine = engine;
        this.replies = replies;
    }

    /** Answers the query at [offset, offset + length); returns the length of the reply written at replyOffset. */
    public int answer(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final MutableDirectBuffer replyBuffer,
        final int replyOffset)
    {
        final Query query = decoder.decode(buffer, offset, length);
        return answer(query, replyBuffer, replyOffset);
    }

    public int answer(final Query query, final MutableDirectBuffer out, final int at)
    {
        if (query instanceof Query.Invalid q)
        {
            return replies.rejected(out, at, q.error().toRejection());
        }
        if (query instanceof Query.ListNamespaces)
        {
            return replies.namespaces(out, at, engine.namespaces());
        }
        if (query instanceof Query.ListNodes q)
        {
            return replies.nodes(out, at, engine.registeredNodes(q.namespace()));
        }
        if (query instanceof Query.GetGraph q)
        {
            final Views.Graph g = engine.graph(q.namespace(), q.graphName());
            return g == null ?
                replies.rejected(out, at, new Rejection(RejectCode.GRAPH_NOT_FOUND,
                    "Graph template " + q.graphName() + " not found in namespace " + q.namespace())) :
                replies.graph(out, at, g);
        }
        if (query instanceof Query.ListGraphs q)
        {
            return replies.graphs(out, at, engine.graphs(q.namespace()));
        }
        if (query instanceof Query.ListRuns q)
        {
            final Engine.Read<Views.RunsPage> r = engine.runs(q.namespace(), q.page(), q.size());
            return r.ok() ? replies.runsPage(out, at, r.value()) : replies.rejected(out, at, r.rejection());
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return replies.runGraph(out, at, engine.runGraph(q.namespace(), q.runId()));
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            final Engine.Read<Views.NodeDetails> r = engine.nodeDetails(q.namespace(), q.graphName(), q.runId(), q.nodeId());
            return r.ok() ? replies.nodeDetails(out, at, r.value()) : replies.rejected(out, at, r.rejection());
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            final Engine.Read<Map<String, String>> r = engine.stateSecrets(q.namespace(), q.stateId());
            return r.ok() ? replies.stateSecrets(out, at, r.value()) : replies.rejected(out, at, r.rejection());
        }
        throw new IllegalStateException("unhandled query " + query);
    }

    /** True when the template id names a query (201-208) rather than a command. */
    public static boolean isQuery(final int templateId)
    {
        return templateId >= 201 && templateId <= 299;
    }
}
