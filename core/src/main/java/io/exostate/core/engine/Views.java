package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TriggerSpec;

import java.util.List;
import java.util.Map;

/**
 * Read-side results (routes #2, #4, #6, #7, #15–#18). They are immutable copies: safe to hand to another thread.
 * Times are epoch milliseconds (UTC); the edge renders them as ISO-8601 without zone (decision 10). Maps of
 * inputs and outputs stay encoded ({@link Payloads}) because outputs may hold raw JSON values the edge renders.
 */
public final class Views
{
    private Views()
    {
    }

    /** A registered node (route #4). {@code id} is rendered like a state id. */
    public record RegisteredNode(
        String id, long createdAt, long updatedAt, String namespace, String runtimeName, NodeRegistration registration)
    {
    }

    /** A graph template, its current version (routes #5, #6, #7). */
    public record Graph(
        String namespace,
        String name,
        String id,
        int version,
        List<NodeTemplateSpec> nodes,
        Map<String, String> encryptedSecrets,
        RetryPolicySpec retryPolicy,
        StoreConfigSpec storeConfig,
        List<TriggerSpec> triggers,
        String validationStatus,
        List<String> validationErrors,
        long createdAt,
        long updatedAt)
    {
        public boolean valid()
        {
            return "VALID".equals(validationStatus);
        }
    }

    /** One line of the runs listing (route #16). */
    public record RunSummary(
        String runId,
        String graphName,
        long successCount,
        long pendingCount,
        long erroredCount,
        long retriedCount,
        long totalCount,
        String status,
        long createdAt)
    {
    }

    /** Route #16. */
    public record RunsPage(String namespace, long total, int page, int size, List<RunSummary> runs)
    {
    }

    /** A state as the graph-structure route shows it (route #17). */
    public record GraphNode(String id, String nodeName, String identifier, Status status, String error)
    {
    }

    public record Edge(String source, String target)
    {
    }

    /** Route #17. {@code executionSummary} has all 8 statuses in {@link Status} order. */
    public record RunGraph(
        List<GraphNode> rootStates,
        String graphName,
        List<GraphNode> nodes,
        List<Edge> edges,
        Map<Status, Integer> executionSummary)
    {
    }

    /** Route #18, and the full view of a state for tests and tools. {@code parents} is ordered root first. */
    public record NodeDetails(
        String id,
        String nodeName,
        String namespace,
        String identifier,
        String graphName,
        String runId,
        Status status,
        byte[] inputs,
        byte[] outputs,
        String error,
        String data,
        Map<String, String> parents,
        int retryCount,
        String fanoutId,
        String manualRetryFanoutId,
        boolean doesUnites,
        long enqueueAfter,
        long createdAt,
        long updatedAt)
    {
        public Map<String, String> inputsMap()
        {
            return Payloads.decodeMap(inputs);
        }

        public Map<String, String> outputsMap()
        {
            return Payloads.decodeMap(outputs);
        }
    }
}
