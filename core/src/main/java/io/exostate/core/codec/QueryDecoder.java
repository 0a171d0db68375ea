package io.exostate.core.codec;

import io.exostate.core.codec.sbe.GetGraphDecoder;
import io.exostate.core.codec.sbe.GetNodeDetailsDecoder;
import io.exostate.core.codec.sbe.GetRunGraphDecoder;
import io.exostate.core.codec.sbe.GetStateSecretsDecoder;
import io.exostate.core.codec.sbe.ListGraphsDecoder;
import io.exostate.core.codec.sbe.ListNamespacesDecoder;
import io.exostate.core.codec.sbe.ListNodesDecoder;
import io.exostate.core.codec.sbe.ListRunsDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes a read query into a {@link Query} record. Never throws for bad bytes: a query that is not well formed
 * (truncated, another schema or version, an unknown template, trailing bytes) comes back as {@link Query.Invalid}.
 * Cold path: allocates the record and its strings. Not thread safe.
 */
public final class QueryDecoder
{
    private static final Query.ListNamespaces LIST_NAMESPACES = new Query.ListNamespaces();

    private final WireReader in = new WireReader();
    private final ListNamespacesDecoder listNamespaces = new ListNamespacesDecoder();
    private final ListNodesDecoder listNodes = new ListNodesDecoder();
    private final GetGraphDecoder getGraph = new GetGraphDecoder();
    private final ListGraphsDecoder listGraphs = new ListGraphsDecoder();
    private final ListRunsDecoder listRuns = new ListRunsDecoder();
    private final GetRunGraphDecoder getRunGraph = new GetRunGraphDecoder();
    private final GetNodeDetailsDecoder getNodeDetails = new GetNodeDetailsDecoder();
    private final GetStateSecretsDecoder getStateSecrets = new GetStateSecretsDecoder();

    public Query decode(final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            final int templateId = in.header(buffer, offset, length);
            switch (templateId)
            {
                case ListNamespacesDecoder.TEMPLATE_ID:
                {
                    in.wrap(listNamespaces, offset, "ListNamespaces");
                    in.done(listNamespaces, "ListNamespaces");
                    return LIST_NAMESPACES;
                }
                case ListNodesDecoder.TEMPLATE_ID:
                {
                    final ListNodesDecoder d = listNodes;
                    in.wrap(d, offset, "ListNodes");
                    final String namespace = in.string(d, "ListNodes.namespaceName");
                    in.done(d, "ListNodes");
                    return new Query.ListNodes(namespace);
                }
                case GetGraphDecoder.TEMPLATE_ID:
                {
                    final GetGraphDecoder d = getGraph;
                    in.wrap(d, offset, "GetGraph");
                    final String namespace = in.string(d, "GetGraph.namespaceName");
                    final String graphName = in.string(d, "GetGraph.graphName");
                    in.done(d, "GetGraph");
                    return new Query.GetGraph(namespace, graphName);
                }
                case ListGraphsDecoder.TEMPLATE_ID:
                {
                    final ListGraphsDecoder d = listGraphs;
                    in.wrap(d, offset, "ListGraphs");
                    final String namespace = in.string(d, "ListGraphs.namespaceName");
                    in.done(d, "ListGraphs");
                    return new Query.ListGraphs(namespace);
                }
                case ListRunsDecoder.TEMPLATE_ID:
                {
                    final ListRunsDecoder d = listRuns;
                    in.wrap(d, offset, "ListRuns");
                    final int page = d.page();
                    final int size = d.size();
                    final String namespace = in.string(d, "ListRuns.namespaceName");
                    in.done(d, "ListRuns");
                    return new Query.ListRuns(namespace, page, size);
                }
                case GetRunGraphDecoder.TEMPLATE_ID:
                {
                    final GetRunGraphDecoder d = getRunGraph;
                    in.wrap(d, offset, "GetRunGraph");
                    final String namespace = in.string(d, "GetRunGraph.namespaceName");
                    final String runId = in.string(d, "GetRunGraph.runId");
                    in.done(d, "GetRunGraph");
                    return new Query.GetRunGraph(namespace, runId);
                }
                case GetNodeDetailsDecoder.TEMPLATE_ID:
                {
                    final GetNodeDetailsDecoder d = getNodeDetails;
                    in.wrap(d, offset, "GetNodeDetails");
                    final String namespace = in.string(d, "GetNodeDetails.namespaceName");
                    final String graphName = in.string(d, "GetNodeDetails.graphName");
                    final String runId = in.string(d, "GetNodeDetails.runId");
                    final String nodeId = in.string(d, "GetNodeDetails.nodeId");
                    in.done(d, "GetNodeDetails");
                    return new Query.GetNodeDetails(namespace, graphName, runId, nodeId);
                }
                case GetStateSecretsDecoder.TEMPLATE_ID:
                {
                    final GetStateSecretsDecoder d = getStateSecrets;
                    in.wrap(d, offset, "GetStateSecrets");
                    final long stateId = d.stateId();
                    final String namespace = in.string(d, "GetStateSecrets.namespaceName");
                    in.done(d, "GetStateSecrets");
                    return new Query.GetStateSecrets(namespace, stateId);
                }
                default:
                    throw WireReader.unknownTemplate(templateId, "a query template id (201-208)");
            }
        }
        catch (final WireReader.Malformed ex)
        {
            return new Query.Invalid(ex.error());
        }
    }
}
