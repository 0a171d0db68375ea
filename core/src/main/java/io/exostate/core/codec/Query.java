package io.exostate.core.codec;

import java.util.Objects;

/**
 * A read query (routes #2, #4, #6, #7, #15-#18), as {@link QueryDecoder} returns it. Queries change nothing and are
 * not journaled; the host answers one from the engine's state with the matching {@link ReplyEncoder} method, or with
 * {@code Rejected}. {@link Invalid} stands for bytes that are not a well-formed query.
 */
public sealed interface Query
{
    /** Route #2; answered with {@link ReplyEncoder#namespaces}. */
    record ListNamespaces() implements Query
    {
    }

    /** Route #4; answered with {@link ReplyEncoder#nodes}. */
    record ListNodes(String namespace) implements Query
    {
        public ListNodes
        {
            Objects.requireNonNull(namespace, "namespace");
        }
    }

    /** Route #6; answered with {@link ReplyEncoder#graph} or Rejected(GRAPH_NOT_FOUND). */
    record GetGraph(String namespace, String graphName) implements Query
    {
        public GetGraph
        {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(graphName, "graphName");
        }
    }

    /** Route #7; answered with {@link ReplyEncoder#graphs}. */
    record ListGraphs(String namespace) implements Query
    {
        public ListGraphs
        {
            Objects.requireNonNull(namespace, "namespace");
        }
    }

    /** Route #16; answered with {@link ReplyEncoder#runsPage}, or Rejected(INVALID_REQUEST) for page or size < 1. */
    record ListRuns(String namespace, int page, int size) implements Query
    {
        public ListRuns
        {
            Objects.requireNonNull(namespace, "namespace");
        }
    }

    /** Route #17; answered with {@link ReplyEncoder#runGraph}. */
    record GetRunGraph(String namespace, String runId) implements Query
    {
        public GetRunGraph
        {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(runId, "runId");
        }
    }

    /**
     * Route #18; {@code nodeId} is the path text as sent (the engine answers INVALID_NODE_ID for a malformed one).
     * Answered with {@link ReplyEncoder#nodeDetails} or Rejected.
     */
    record GetNodeDetails(String namespace, String graphName, String runId, String nodeId) implements Query
    {
        public GetNodeDetails
        {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(graphName, "graphName");
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(nodeId, "nodeId");
        }
    }

    /** Route #15; answered with {@link ReplyEncoder#stateSecrets} or Rejected(STATE_NOT_FOUND). */
    record GetStateSecrets(String namespace, long stateId) implements Query
    {
        public GetStateSecrets
        {
            Objects.requireNonNull(namespace, "namespace");
        }
    }

    /** Bytes that are not a well-formed query: answer with {@code Rejected} built from the error. */
    record Invalid(DecodeError error) implements Query
    {
        public Invalid
        {
            Objects.requireNonNull(error, "error");
        }
    }
}
