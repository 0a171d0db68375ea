package io.exostate.core.codec;

import io.exostate.core.codec.sbe.GetGraphEncoder;
import io.exostate.core.codec.sbe.GetNodeDetailsEncoder;
import io.exostate.core.codec.sbe.GetRunGraphEncoder;
import io.exostate.core.codec.sbe.GetStateSecretsEncoder;
import io.exostate.core.codec.sbe.ListGraphsEncoder;
import io.exostate.core.codec.sbe.ListNamespacesEncoder;
import io.exostate.core.codec.sbe.ListNodesEncoder;
import io.exostate.core.codec.sbe.ListRunsEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes the read queries at an offset of a buffer; each method returns the number of bytes written and allocates
 * nothing. {@link QueryDecoder} reads them back. Not thread safe.
 */
public final class QueryEncoder
{
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ListNamespacesEncoder listNamespaces = new ListNamespacesEncoder();
    private final ListNodesEncoder listNodes = new ListNodesEncoder();
    private final GetGraphEncoder getGraph = new GetGraphEncoder();
    private final ListGraphsEncoder listGraphs = new ListGraphsEncoder();
    private final ListRunsEncoder listRuns = new ListRunsEncoder();
    private final GetRunGraphEncoder getRunGraph = new GetRunGraphEncoder();
    private final GetNodeDetailsEncoder getNodeDetails = new GetNodeDetailsEncoder();
    private final GetStateSecretsEncoder getStateSecrets = new GetStateSecretsEncoder();

    /**
     * Encodes a query record.
     *
     * @throws IllegalArgumentException for {@link Query.Invalid}, which is not a query.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset, final Query query)
    {
        if (query instanceof Query.ListNamespaces)
        {
            return listNamespaces(buffer, offset);
        }
        if (query instanceof Query.ListNodes q)
        {
            return listNodes(buffer, offset, q.namespace());
        }
        if (query instanceof Query.GetGraph q)
        {
            return getGraph(buffer, offset, q.namespace(), q.graphName());
        }
        if (query instanceof Query.ListGraphs q)
        {
            return listGraphs(buffer, offset, q.namespace());
        }
        if (query instanceof Query.ListRuns q)
        {
            return listRuns(buffer, offset, q.namespace(), q.page(), q.size());
        }
        if (query instanceof Query.GetRunGraph q)
        {
            return getRunGraph(buffer, offset, q.namespace(), q.runId());
        }
        if (query instanceof Query.GetNodeDetails q)
        {
            return getNodeDetails(buffer, offset, q.namespace(), q.graphName(), q.runId(), q.nodeId());
        }
        if (query instanceof Query.GetStateSecrets q)
        {
            return getStateSecrets(buffer, offset, q.namespace(), q.stateId());
        }
        throw new IllegalArgumentException("not an encodable query: " + query);
    }

    public int listNamespaces(final MutableDirectBuffer buffer, final int offset)
    {
        return Wire.HEADER_LENGTH + listNamespaces.wrapAndApplyHeader(buffer, offset, header).encodedLength();
    }

    public int listNodes(final MutableDirectBuffer buffer, final int offset, final String namespace)
    {
        final ListNodesEncoder e = listNodes.wrapAndApplyHeader(buffer, offset, header);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int getGraph(
        final MutableDirectBuffer buffer, final int offset, final String namespace, final String graphName)
    {
        final GetGraphEncoder e = getGraph.wrapAndApplyHeader(buffer, offset, header);
        Wire.string(e, namespace);
        Wire.string(e, graphName);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int listGraphs(final MutableDirectBuffer buffer, final int offset, final String namespace)
    {
        final ListGraphsEncoder e = listGraphs.wrapAndApplyHeader(buffer, offset, header);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int listRuns(
        final MutableDirectBuffer buffer, final int offset, final String namespace, final int page, final int size)
    {
        final ListRunsEncoder e = listRuns.wrapAndApplyHeader(buffer, offset, header).page(page).size(size);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int getRunGraph(
        final MutableDirectBuffer buffer, final int offset, final String namespace, final String runId)
    {
        final GetRunGraphEncoder e = getRunGraph.wrapAndApplyHeader(buffer, offset, header);
        Wire.string(e, namespace);
        Wire.string(e, runId);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int getNodeDetails(
        final MutableDirectBuffer buffer,
        final int offset,
        final String namespace,
        final String graphName,
        final String runId,
        final String nodeId)
    {
        final GetNodeDetailsEncoder e = getNodeDetails.wrapAndApplyHeader(buffer, offset, header);
        Wire.string(e, namespace);
        Wire.string(e, graphName);
        Wire.string(e, runId);
        Wire.string(e, nodeId);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int getStateSecrets(
        final MutableDirectBuffer buffer, final int offset, final String namespace, final long stateId)
    {
        final GetStateSecretsEncoder e = getStateSecrets.wrapAndApplyHeader(buffer, offset, header).stateId(stateId);
        Wire.string(e, namespace);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }
}
