package io.exostate.core.codec;

import io.exostate.core.codec.sbe.ClaimReplyDecoder;
import io.exostate.core.codec.sbe.ErroredReplyDecoder;
import io.exostate.core.codec.sbe.ExecutedReplyDecoder;
import io.exostate.core.codec.sbe.GraphReplyDecoder;
import io.exostate.core.codec.sbe.GraphsReplyDecoder;
import io.exostate.core.codec.sbe.HeartbeatReplyDecoder;
import io.exostate.core.codec.sbe.ManualRetryReplyDecoder;
import io.exostate.core.codec.sbe.NamespacesReplyDecoder;
import io.exostate.core.codec.sbe.NodeDetailsReplyDecoder;
import io.exostate.core.codec.sbe.NodesReplyDecoder;
import io.exostate.core.codec.sbe.PruneReplyDecoder;
import io.exostate.core.codec.sbe.RegisterReplyDecoder;
import io.exostate.core.codec.sbe.RejectedDecoder;
import io.exostate.core.codec.sbe.RequeueReplyDecoder;
import io.exostate.core.codec.sbe.RunGraphReplyDecoder;
import io.exostate.core.codec.sbe.RunsPageReplyDecoder;
import io.exostate.core.codec.sbe.StateSecretsReplyDecoder;
import io.exostate.core.codec.sbe.TickReplyDecoder;
import io.exostate.core.codec.sbe.TriggerReplyDecoder;
import io.exostate.core.codec.sbe.UpsertReplyDecoder;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.core.template.FieldError;
import io.exostate.core.template.NodeRegistration;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a reply message (what {@link ReplyEncoder} writes) into a record, for clients and tests. Cold path:
 * every call allocates the records it returns.
 * <p>
 * {@link #decode} never throws for bad bytes; it returns one of:
 * <ul>
 * <li>{@link Rejection} for {@code Rejected} (whatever command or query it answers);</li>
 * <li>{@link Replies.Register}, {@link Replies.Upsert}, {@link Replies.Trigger}, {@link Replies.Executed},
 * {@link Replies.Errored}, {@link Replies.Prune}, {@link Replies.Requeue}, {@link Replies.ManualRetry},
 * {@link Replies.Heartbeat}, {@link Replies.Tick}, each with a null rejection;</li>
 * <li>{@link Claimed} for a claim reply;</li>
 * <li>{@link ViewReplies.Namespaces}, {@link ViewReplies.Nodes}, {@link Views.Graph}, {@link ViewReplies.Graphs},
 * {@link Views.RunsPage}, {@link Views.RunGraph}, {@link Views.NodeDetails}, {@link ViewReplies.StateSecrets};</li>
 * <li>{@link DecodeError} when the bytes are not a well-formed reply.</li>
 * </ul>
 * A loc index of a field error decodes as an {@link Integer}. Not thread safe.
 */
public final class ReplyDecoder
{
    private final WireReader in = new WireReader();
    private final Bodies bodies = new Bodies();
    private final RejectedDecoder rejected = new RejectedDecoder();
    private final RegisterReplyDecoder register = new RegisterReplyDecoder();
    private final UpsertReplyDecoder upsert = new UpsertReplyDecoder();
    private final TriggerReplyDecoder trigger = new TriggerReplyDecoder();
    private final ClaimReplyDecoder claim = new ClaimReplyDecoder();
    private final ExecutedReplyDecoder executed = new ExecutedReplyDecoder();
    private final ErroredReplyDecoder errored = new ErroredReplyDecoder();
    private final PruneReplyDecoder prune = new PruneReplyDecoder();
    private final RequeueReplyDecoder requeue = new RequeueReplyDecoder();
    private final ManualRetryReplyDecoder manualRetry = new ManualRetryReplyDecoder();
    private final HeartbeatReplyDecoder heartbeat = new HeartbeatReplyDecoder();
    private final TickReplyDecoder tick = new TickReplyDecoder();
    private final NamespacesReplyDecoder namespaces = new NamespacesReplyDecoder();
    private final NodesReplyDecoder nodes = new NodesReplyDecoder();
    private final GraphReplyDecoder graph = new GraphReplyDecoder();
    private final GraphsReplyDecoder graphs = new GraphsReplyDecoder();
    private final RunsPageReplyDecoder runsPage = new RunsPageReplyDecoder();
    private final RunGraphReplyDecoder runGraph = new RunGraphReplyDecoder();
    private final NodeDetailsReplyDecoder nodeDetails = new NodeDetailsReplyDecoder();
    private final StateSecretsReplyDecoder stateSecrets = new StateSecretsReplyDecoder();

    /** The reply at [offset, offset + length) as a record, or a {@link DecodeError}; see the class javadoc. */
    public Object decode(final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            final int templateId = in.header(buffer, offset, length);
            switch (templateId)
            {
                case RejectedDecoder.TEMPLATE_ID:
                    return rejected(offset);
                case RegisterReplyDecoder.TEMPLATE_ID:
                    return register(buffer, offset);
                case UpsertReplyDecoder.TEMPLATE_ID:
                    return upsert(buffer, offset);
                case TriggerReplyDecoder.TEMPLATE_ID:
                    return trigger(offset);
                case ClaimReplyDecoder.TEMPLATE_ID:
                    return claim(offset);
                case ExecutedReplyDecoder.TEMPLATE_ID:
                    in.wrap(executed, offset, "ExecutedReply");
                    in.done(executed, "ExecutedReply");
                    return Replies.Executed.OK;
                case ErroredReplyDecoder.TEMPLATE_ID:
                    in.wrap(errored, offset, "ErroredReply");
                    in.done(errored, "ErroredReply");
                    return WireReader.bool(errored.retryCreatedRaw(), "ErroredReply.retryCreated") ?
                        Replies.Errored.RETRY_CREATED : Replies.Errored.NO_RETRY;
                case PruneReplyDecoder.TEMPLATE_ID:
                    in.wrap(prune, offset, "PruneReply");
                    in.done(prune, "PruneReply");
                    return new Replies.Prune(null, prune.enqueueAfter());
                case RequeueReplyDecoder.TEMPLATE_ID:
                    in.wrap(requeue, offset, "RequeueReply");
                    in.done(requeue, "RequeueReply");
                    return new Replies.Requeue(null, requeue.enqueueAfter());
                case ManualRetryReplyDecoder.TEMPLATE_ID:
                    in.wrap(manualRetry, offset, "ManualRetryReply");
                    in.done(manualRetry, "ManualRetryReply");
                    return new Replies.ManualRetry(null, manualRetry.newStateId());
                case HeartbeatReplyDecoder.TEMPLATE_ID:
                    in.wrap(heartbeat, offset, "HeartbeatReply");
                    in.done(heartbeat, "HeartbeatReply");
                    return new Replies.Heartbeat(null, heartbeat.leaseDeadline());
                case TickReplyDecoder.TEMPLATE_ID:
                    in.wrap(tick, offset, "TickReply");
                    in.done(tick, "TickReply");
                    return new Replies.Tick(tick.timersFired());
                case NamespacesReplyDecoder.TEMPLATE_ID:
                    return namespaces(offset);
                case NodesReplyDecoder.TEMPLATE_ID:
                    return nodes(buffer, offset);
                case GraphReplyDecoder.TEMPLATE_ID:
                    return graph(buffer, offset);
                case GraphsReplyDecoder.TEMPLATE_ID:
                    return graphs(buffer, offset);
                case RunsPageReplyDecoder.TEMPLATE_ID:
                    return runsPage(offset);
                case RunGraphReplyDecoder.TEMPLATE_ID:
                    return runGraph(offset);
                case NodeDetailsReplyDecoder.TEMPLATE_ID:
                    return nodeDetails(offset);
                case StateSecretsReplyDecoder.TEMPLATE_ID:
                    return stateSecrets(offset);
                default:
                    throw WireReader.unknownTemplate(templateId, "a reply template id (100-111, 301-308)");
            }
        }
        catch (final WireReader.Malformed ex)
        {
            return ex.error();
        }
    }

    private Rejection rejected(final int offset)
    {
        final RejectedDecoder d = rejected;
        in.wrap(d, offset, "Rejected");
        final RejectCode code = rejectCode(d.code());
        final List<FieldError> fieldErrors = new ArrayList<>();
        final int errorCount = in.group(d, RejectedDecoder.FieldErrorsDecoder.sbeBlockLength(), "Rejected.fieldErrors");
        final RejectedDecoder.FieldErrorsDecoder errors = d.fieldErrors();
        for (int i = 0; i < errorCount; i++)
        {
            in.entry(d, errors.actingBlockLength(), "Rejected.fieldErrors");
            errors.next();
            final List<Object> loc = new ArrayList<>();
            final int locCount = in.group(d, RejectedDecoder.FieldErrorsDecoder.LocDecoder.sbeBlockLength(),
                "Rejected.fieldErrors.loc");
            final RejectedDecoder.FieldErrorsDecoder.LocDecoder locDecoder = errors.loc();
            for (int j = 0; j < locCount; j++)
            {
                in.entry(d, locDecoder.actingBlockLength(), "Rejected.fieldErrors.loc");
                locDecoder.next();
                final boolean isIndex = WireReader.bool(locDecoder.isIndexRaw(), "Rejected.fieldErrors.loc.isIndex");
                final String text = in.string(d, "Rejected.fieldErrors.loc.text");
                loc.add(isIndex ? index(text) : text);
            }
            final String type = in.string(d, "Rejected.fieldErrors.errorType");
            final String msg = in.string(d, "Rejected.fieldErrors.msg");
            fieldErrors.add(new FieldError(loc, type, msg));
        }
        final String detail = in.string(d, "Rejected.detail");
        in.done(d, "Rejected");
        return new Rejection(code, detail, fieldErrors);
    }

    private Replies.Register register(final DirectBuffer buffer, final int offset)
    {
        final RegisterReplyDecoder d = register;
        in.wrap(d, offset, "RegisterReply");
        final int count = in.group(d, RegisterReplyDecoder.NodesDecoder.sbeBlockLength(), "RegisterReply.nodes");
        final List<NodeRegistration> list = new ArrayList<>(count);
        final RegisterReplyDecoder.NodesDecoder g = d.nodes();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "RegisterReply.nodes");
            g.next();
            final int length = in.skip(d, "RegisterReply.nodes.registration");
            list.add(bodies.registration(buffer, d.limit() - length, length, "RegisterReply.nodes.registration"));
        }
        final String runtimeName = in.string(d, "RegisterReply.runtimeName");
        in.done(d, "RegisterReply");
        return new Replies.Register(null, runtimeName, list);
    }

    private Replies.Upsert upsert(final DirectBuffer buffer, final int offset)
    {
        final UpsertReplyDecoder d = upsert;
        in.wrap(d, offset, "UpsertReply");
        final int length = in.skip(d, "UpsertReply.graph");
        final Views.Graph view = bodies.graph(buffer, d.limit() - length, length, "UpsertReply.graph");
        in.done(d, "UpsertReply");
        return new Replies.Upsert(null, view);
    }

    private Replies.Trigger trigger(final int offset)
    {
        final TriggerReplyDecoder d = trigger;
        in.wrap(d, offset, "TriggerReply");
        final long rootStateId = d.rootStateId();
        final String runId = in.string(d, "TriggerReply.runId");
        in.done(d, "TriggerReply");
        return new Replies.Trigger(null, runId, rootStateId);
    }

    private Claimed claim(final int offset)
    {
        final ClaimReplyDecoder d = claim;
        in.wrap(d, offset, "ClaimReply");
        final int count = in.group(d, ClaimReplyDecoder.StatesDecoder.sbeBlockLength(), "ClaimReply.states");
        final List<ClaimedState> states = new ArrayList<>(count);
        final ClaimReplyDecoder.StatesDecoder g = d.states();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "ClaimReply.states");
            g.next();
            final long stateId = g.stateId();
            final long claimToken = g.claimToken();
            final long createdAt = g.createdAt();
            final long leaseDeadline = g.leaseDeadline();
            final int retryCount = g.retryCount();
            final String nodeName = in.string(d, "ClaimReply.states.nodeName");
            final String identifier = in.string(d, "ClaimReply.states.identifier");
            final String graphName = in.string(d, "ClaimReply.states.graphName");
            final String runId = in.string(d, "ClaimReply.states.runId");
            final byte[] inputs = in.payloadMapBytes(d, true, "ClaimReply.states.inputs");
            states.add(new ClaimedState(
                stateId, claimToken, createdAt, leaseDeadline, nodeName, identifier, graphName, runId, inputs,
                retryCount));
        }
        in.done(d, "ClaimReply");
        return new Claimed(states);
    }

    private ViewReplies.Namespaces namespaces(final int offset)
    {
        final NamespacesReplyDecoder d = namespaces;
        in.wrap(d, offset, "NamespacesReply");
        final int count = in.group(d, NamespacesReplyDecoder.NamespacesDecoder.sbeBlockLength(),
            "NamespacesReply.namespaces");
        final List<String> list = new ArrayList<>(count);
        final NamespacesReplyDecoder.NamespacesDecoder g = d.namespaces();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "NamespacesReply.namespaces");
            g.next();
            list.add(in.string(d, "NamespacesReply.namespaces.namespaceName"));
        }
        in.done(d, "NamespacesReply");
        return new ViewReplies.Namespaces(list);
    }

    private ViewReplies.Nodes nodes(final DirectBuffer buffer, final int offset)
    {
        final NodesReplyDecoder d = nodes;
        in.wrap(d, offset, "NodesReply");
        final int count = in.group(d, NodesReplyDecoder.NodesDecoder.sbeBlockLength(), "NodesReply.nodes");
        final List<Views.RegisteredNode> list = new ArrayList<>(count);
        final NodesReplyDecoder.NodesDecoder g = d.nodes();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "NodesReply.nodes");
            g.next();
            final long createdAt = g.createdAt();
            final long updatedAt = g.updatedAt();
            final String id = in.string(d, "NodesReply.nodes.id");
            final String namespace = in.string(d, "NodesReply.nodes.namespaceName");
            final String runtimeName = in.string(d, "NodesReply.nodes.runtimeName");
            final int length = in.skip(d, "NodesReply.nodes.registration");
            final NodeRegistration registration =
                bodies.registration(buffer, d.limit() - length, length, "NodesReply.nodes.registration");
            list.add(new Views.RegisteredNode(id, createdAt, updatedAt, namespace, runtimeName, registration));
        }
        in.done(d, "NodesReply");
        return new ViewReplies.Nodes(list);
    }

    private Views.Graph graph(final DirectBuffer buffer, final int offset)
    {
        final GraphReplyDecoder d = graph;
        in.wrap(d, offset, "GraphReply");
        final int length = in.skip(d, "GraphReply.graph");
        final Views.Graph view = bodies.graph(buffer, d.limit() - length, length, "GraphReply.graph");
        in.done(d, "GraphReply");
        return view;
    }

    private ViewReplies.Graphs graphs(final DirectBuffer buffer, final int offset)
    {
        final GraphsReplyDecoder d = graphs;
        in.wrap(d, offset, "GraphsReply");
        final int count = in.group(d, GraphsReplyDecoder.GraphsDecoder.sbeBlockLength(), "GraphsReply.graphs");
        final List<Views.Graph> list = new ArrayList<>(count);
        final GraphsReplyDecoder.GraphsDecoder g = d.graphs();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "GraphsReply.graphs");
            g.next();
            final int length = in.skip(d, "GraphsReply.graphs.graph");
            list.add(bodies.graph(buffer, d.limit() - length, length, "GraphsReply.graphs.graph"));
        }
        in.done(d, "GraphsReply");
        return new ViewReplies.Graphs(list);
    }

    private Views.RunsPage runsPage(final int offset)
    {
        final RunsPageReplyDecoder d = runsPage;
        in.wrap(d, offset, "RunsPageReply");
        final long total = d.total();
        final int page = d.page();
        final int size = d.size();
        final int count = in.group(d, RunsPageReplyDecoder.RunsDecoder.sbeBlockLength(), "RunsPageReply.runs");
        final List<Views.RunSummary> runs = new ArrayList<>(count);
        final RunsPageReplyDecoder.RunsDecoder g = d.runs();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "RunsPageReply.runs");
            g.next();
            final long success = g.successCount();
            final long pending = g.pendingCount();
            final long errored = g.erroredCount();
            final long retried = g.retriedCount();
            final long totalCount = g.totalCount();
            final long createdAt = g.createdAt();
            final String runId = in.string(d, "RunsPageReply.runs.runId");
            final String graphName = in.string(d, "RunsPageReply.runs.graphName");
            final String status = in.string(d, "RunsPageReply.runs.status");
            runs.add(new Views.RunSummary(
                runId, graphName, success, pending, errored, retried, totalCount, status, createdAt));
        }
        final String namespace = in.string(d, "RunsPageReply.namespaceName");
        in.done(d, "RunsPageReply");
        return new Views.RunsPage(namespace, total, page, size, List.copyOf(runs));
    }

    private Views.RunGraph runGraph(final int offset)
    {
        final RunGraphReplyDecoder d = runGraph;
        in.wrap(d, offset, "RunGraphReply");

        final int rootCount = in.group(d, RunGraphReplyDecoder.RootStatesDecoder.sbeBlockLength(),
            "RunGraphReply.rootStates");
        final List<Views.GraphNode> roots = new ArrayList<>(rootCount);
        final RunGraphReplyDecoder.RootStatesDecoder rootsDecoder = d.rootStates();
        for (int i = 0; i < rootCount; i++)
        {
            in.entry(d, rootsDecoder.actingBlockLength(), "RunGraphReply.rootStates");
            rootsDecoder.next();
            final Status status = WireReader.status(rootsDecoder.statusRaw(), "RunGraphReply.rootStates.status");
            final boolean hasError = WireReader.bool(rootsDecoder.hasErrorRaw(), "RunGraphReply.rootStates.hasError");
            roots.add(graphNode(d, status, hasError, "RunGraphReply.rootStates"));
        }

        final int nodeCount = in.group(d, RunGraphReplyDecoder.NodesDecoder.sbeBlockLength(), "RunGraphReply.nodes");
        final List<Views.GraphNode> graphNodes = new ArrayList<>(nodeCount);
        final RunGraphReplyDecoder.NodesDecoder nodesDecoder = d.nodes();
        for (int i = 0; i < nodeCount; i++)
        {
            in.entry(d, nodesDecoder.actingBlockLength(), "RunGraphReply.nodes");
            nodesDecoder.next();
            final Status status = WireReader.status(nodesDecoder.statusRaw(), "RunGraphReply.nodes.status");
            final boolean hasError = WireReader.bool(nodesDecoder.hasErrorRaw(), "RunGraphReply.nodes.hasError");
            graphNodes.add(graphNode(d, status, hasError, "RunGraphReply.nodes"));
        }

        final int edgeCount = in.group(d, RunGraphReplyDecoder.EdgesDecoder.sbeBlockLength(), "RunGraphReply.edges");
        final List<Views.Edge> edges = new ArrayList<>(edgeCount);
        final RunGraphReplyDecoder.EdgesDecoder edgesDecoder = d.edges();
        for (int i = 0; i < edgeCount; i++)
        {
            in.entry(d, edgesDecoder.actingBlockLength(), "RunGraphReply.edges");
            edgesDecoder.next();
            final String source = in.string(d, "RunGraphReply.edges.source");
            final String target = in.string(d, "RunGraphReply.edges.target");
            edges.add(new Views.Edge(source, target));
        }

        final int summaryCount = in.group(d, RunGraphReplyDecoder.ExecutionSummaryDecoder.sbeBlockLength(),
            "RunGraphReply.executionSummary");
        final Map<Status, Integer> summary = new LinkedHashMap<>();
        final RunGraphReplyDecoder.ExecutionSummaryDecoder summaryDecoder = d.executionSummary();
        for (int i = 0; i < summaryCount; i++)
        {
            in.entry(d, summaryDecoder.actingBlockLength(), "RunGraphReply.executionSummary");
            summaryDecoder.next();
            final Status status =
                WireReader.status(summaryDecoder.statusRaw(), "RunGraphReply.executionSummary.status");
            WireReader.putUnique(summary, status, summaryDecoder.stateCount(), "RunGraphReply.executionSummary");
        }

        final String graphName = in.string(d, "RunGraphReply.graphName");
        in.done(d, "RunGraphReply");
        return new Views.RunGraph(List.copyOf(roots), graphName, List.copyOf(graphNodes), List.copyOf(edges), summary);
    }

    private Views.GraphNode graphNode(
        final RunGraphReplyDecoder d, final Status status, final boolean hasError, final String group)
    {
        final String id = in.string(d, group);
        final String nodeName = in.string(d, group);
        final String identifier = in.string(d, group);
        final String error = in.nullableString(d, hasError, group);
        return new Views.GraphNode(id, nodeName, identifier, status, error);
    }

    private Views.NodeDetails nodeDetails(final int offset)
    {
        final NodeDetailsReplyDecoder d = nodeDetails;
        in.wrap(d, offset, "NodeDetailsReply");
        final Status status = WireReader.status(d.statusRaw(), "NodeDetailsReply.status");
        final int retryCount = d.retryCount();
        final boolean doesUnites = WireReader.bool(d.doesUnitesRaw(), "NodeDetailsReply.doesUnites");
        final long enqueueAfter = d.enqueueAfter();
        final long createdAt = d.createdAt();
        final long updatedAt = d.updatedAt();
        final boolean hasInputs = WireReader.bool(d.hasInputsRaw(), "NodeDetailsReply.hasInputs");
        final boolean hasOutputs = WireReader.bool(d.hasOutputsRaw(), "NodeDetailsReply.hasOutputs");
        final boolean hasError = WireReader.bool(d.hasErrorRaw(), "NodeDetailsReply.hasError");
        final boolean hasData = WireReader.bool(d.hasDataRaw(), "NodeDetailsReply.hasData");
        final boolean hasFanoutId = WireReader.bool(d.hasFanoutIdRaw(), "NodeDetailsReply.hasFanoutId");
        final boolean hasManualRetryFanoutId =
            WireReader.bool(d.hasManualRetryFanoutIdRaw(), "NodeDetailsReply.hasManualRetryFanoutId");

        final Map<String, String> parents = new LinkedHashMap<>();
        final int parentCount = in.group(d, NodeDetailsReplyDecoder.ParentsDecoder.sbeBlockLength(),
            "NodeDetailsReply.parents");
        final NodeDetailsReplyDecoder.ParentsDecoder g = d.parents();
        for (int i = 0; i < parentCount; i++)
        {
            in.entry(d, g.actingBlockLength(), "NodeDetailsReply.parents");
            g.next();
            final String identifier = in.string(d, "NodeDetailsReply.parents.identifier");
            final String stateId = in.string(d, "NodeDetailsReply.parents.stateId");
            WireReader.putUnique(parents, identifier, stateId, "NodeDetailsReply.parents");
        }

        final String id = in.string(d, "NodeDetailsReply.id");
        final String nodeName = in.string(d, "NodeDetailsReply.nodeName");
        final String namespace = in.string(d, "NodeDetailsReply.namespaceName");
        final String identifier = in.string(d, "NodeDetailsReply.identifier");
        final String graphName = in.string(d, "NodeDetailsReply.graphName");
        final String runId = in.string(d, "NodeDetailsReply.runId");
        final byte[] inputs = in.payloadMapBytes(d, hasInputs, "NodeDetailsReply.inputs");
        final byte[] outputs = in.payloadMapBytes(d, hasOutputs, "NodeDetailsReply.outputs");
        final String error = in.nullableString(d, hasError, "NodeDetailsReply.errorText");
        final String data = in.nullableString(d, hasData, "NodeDetailsReply.data");
        final String fanoutId = in.nullableString(d, hasFanoutId, "NodeDetailsReply.fanoutId");
        final String manualRetryFanoutId =
            in.nullableString(d, hasManualRetryFanoutId, "NodeDetailsReply.manualRetryFanoutId");
        in.done(d, "NodeDetailsReply");
        return new Views.NodeDetails(id, nodeName, namespace, identifier, graphName, runId, status, inputs, outputs,
            error, data, parents, retryCount, fanoutId, manualRetryFanoutId, doesUnites, enqueueAfter, createdAt,
            updatedAt);
    }

    private ViewReplies.StateSecrets stateSecrets(final int offset)
    {
        final StateSecretsReplyDecoder d = stateSecrets;
        in.wrap(d, offset, "StateSecretsReply");
        final int count = in.group(d, StateSecretsReplyDecoder.SecretsDecoder.sbeBlockLength(),
            "StateSecretsReply.secrets");
        final Map<String, String> secrets = new LinkedHashMap<>();
        final StateSecretsReplyDecoder.SecretsDecoder g = d.secrets();
        for (int i = 0; i < count; i++)
        {
            in.entry(d, g.actingBlockLength(), "StateSecretsReply.secrets");
            g.next();
            final String name = in.string(d, "StateSecretsReply.secrets.name");
            final String value = in.string(d, "StateSecretsReply.secrets.value");
            WireReader.putUnique(secrets, name, value, "StateSecretsReply.secrets");
        }
        in.done(d, "StateSecretsReply");
        return new ViewReplies.StateSecrets(secrets);
    }

    private static RejectCode rejectCode(final int code)
    {
        for (final RejectCode c : RejectCode.values())
        {
            if (c.code() == code)
            {
                return c;
            }
        }
        throw new WireReader.Malformed(DecodeError.Kind.MALFORMED,
            "Expected a known reject code in Rejected.code, but was " + code);
    }

    private static Integer index(final String text)
    {
        final int n = text.length();
        final boolean negative = n > 0 && text.charAt(0) == '-';
        final int start = negative ? 1 : 0;
        if (n == start || n - start > 10)
        {
            throw badIndex(text);
        }
        long value = 0;
        for (int i = start; i < n; i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                throw badIndex(text);
            }
            value = value * 10 + (c - '0');
        }
        value = negative ? -value : value;
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE)
        {
            throw badIndex(text);
        }
        return (int)value;
    }

    private static WireReader.Malformed badIndex(final String text)
    {
        return new WireReader.Malformed(DecodeError.Kind.MALFORMED,
            "Expected a decimal index in Rejected.fieldErrors.loc.text, but was '" + text + "'");
    }
}
