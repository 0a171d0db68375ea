package io.exostate.transport.http;

import io.exostate.core.codec.Query;
import io.exostate.core.codec.ReplyEncoder;
import io.exostate.core.codec.ViewReplies;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Views;
import org.agrona.MutableDirectBuffer;

import java.util.Map;

/**
 * Test-only: answers a decoded {@link Query} from an {@link Engine}'s read methods with the matching
 * {@link ReplyEncoder} reply, the way the engine loop answers queries. Engine thread only.
 */
final class QueryApplier
{
    private final Engine engine;
    private final ReplyEncoder replies = new ReplyEncoder();

    QueryApplier(final Engine engine)
    {
        this.engine = engine;
    }

    int answer(final Query query, final MutableDirectBuffer buffer, final int offset)
    {
        if (query instanceof Query.ListNamespaces)
        {
            return replies.encode(buffer, offset, new ViewReplies.Namespaces(engine.namespaces()));
        }
        if (query instanceof Query.ListNodes q)
        {
            return replies.encode(buffer, offset, new ViewReplies.Nodes(engine.registeredNodes(q.namespace())));
        }
        if (query instanceof Query.GetGraph q)
        {
            final Views.Graph graph = engine.graph(q.namespace(), q.graphName());
            return graph == null ?
                replies.rejected(buffer, offset, new Rejection(RejectCode.GRAPH_NOT_FOUND,
                    "Graph template " + q.graphName() + " not found in namespace " + q.namespace())) :
                replies.encode(buffer, offset, graph);
        }
        if (query instanceof Query.ListGraphs q)
        {
            return replies.encode(buffer, offset, new ViewReplies.Graphs(engine.graphs(q.namespace())));
        }
        if (query instanceof Query.ListRuns q)
        {
            final Engine.Read<Views.RunsPage> read = engine.runs(q.namespace(), q.page(), q.size());
            return read.ok() ?
                replies.encode(buffer, offset, read.value()) : replies.rejected(buffer, offset, read.rejection());
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return replies.encode(buffer, offset, engine.runGraph(q.namespace(), q.runId()));
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            final Engine.Read<Views.NodeDetails> read =
                engine.nodeDetails(q.namespace(), q.graphName(), q.runId(), q.nodeId());
            return read.ok() ?
                replies.encode(buffer, offset, read.value()) : replies.rejected(buffer, offset, read.rejection());
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            final Engine.Read<Map<String, String>> read = engine.stateSecrets(q.namespace(), q.stateId());
            return read.ok() ?
                replies.encode(buffer, offset, new ViewReplies.StateSecrets(read.value())) :
                replies.rejected(buffer, offset, read.rejection());
        }
        if (query instanceof Query.Invalid q)
        {
            return replies.rejected(buffer, offset, q.error().toRejection());
        }
        throw new IllegalArgumentException("unknown query " + query);
    }
}
