package io.exostate.core.codec;

import io.exostate.core.codec.sbe.ClaimReplyEncoder;
import io.exostate.core.codec.sbe.ErroredReplyEncoder;
import io.exostate.core.codec.sbe.ExecutedReplyEncoder;
import io.exostate.core.codec.sbe.GraphReplyEncoder;
import io.exostate.core.codec.sbe.GraphsReplyEncoder;
import io.exostate.core.codec.sbe.HeartbeatReplyEncoder;
import io.exostate.core.codec.sbe.ManualRetryReplyEncoder;
import io.exostate.core.codec.sbe.MessageHeaderEncoder;
import io.exostate.core.codec.sbe.NamespacesReplyEncoder;
import io.exostate.core.codec.sbe.NodeDetailsReplyEncoder;
import io.exostate.core.codec.sbe.NodesReplyEncoder;
import io.exostate.core.codec.sbe.PruneReplyEncoder;
import io.exostate.core.codec.sbe.RegisterReplyEncoder;
import io.exostate.core.codec.sbe.RejectedEncoder;
import io.exostate.core.codec.sbe.RequeueReplyEncoder;
import io.exostate.core.codec.sbe.RunGraphReplyEncoder;
import io.exostate.core.codec.sbe.RunsPageReplyEncoder;
import io.exostate.core.codec.sbe.StateSecretsReplyEncoder;
import io.exostate.core.codec.sbe.StatusCode;
import io.exostate.core.codec.sbe.TickReplyEncoder;
import io.exostate.core.codec.sbe.TriggerReplyEncoder;
import io.exostate.core.codec.sbe.UpsertReplyEncoder;
import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Replies;
import io.exostate.core.engine.Views;
import io.exostate.core.model.Status;
import io.exostate.core.template.FieldError;
import io.exostate.core.template.NodeRegistration;
import org.agrona.MutableDirectBuffer;

import java.util.List;
import java.util.Map;

/**
 * Encodes the engine's replies, and the read views, into SBE messages at an offset of a buffer; each method returns
 * the number of bytes written. A reply that carries a {@link Rejection} is written as a {@code Rejected} message
 * whatever its type. {@link ReplyDecoder} reads them back.
 * <p>
 * <b>Allocation:</b> the replies of the hot commands (claim from the {@link ClaimReply} flyweight, executed,
 * errored, prune, requeue, manual retry, heartbeat, tick) and a rejection without field errors allocate nothing.
 * <p>
 * <b>Limits:</b> a list of a read view longer than 65534 entries (a group's count) is answered with
 * {@code Rejected(LIMIT_EXCEEDED)} instead of throwing: the engine thread must never throw for a large answer.
 * The buffer must have room for the reply: use an {@code ExpandableArrayBuffer} for views and upserts.
 * <p>
 * Not thread safe: one per thread.
 */
public final class ReplyEncoder
{
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final RejectedEncoder rejected = new RejectedEncoder();
    private final RegisterReplyEncoder register = new RegisterReplyEncoder();
    private final UpsertReplyEncoder upsert = new UpsertReplyEncoder();
    private final TriggerReplyEncoder trigger = new TriggerReplyEncoder();
    private final ClaimReplyEncoder claim = new ClaimReplyEncoder();
    private final ExecutedReplyEncoder executed = new ExecutedReplyEncoder();
    private final ErroredReplyEncoder errored = new ErroredReplyEncoder();
    private final PruneReplyEncoder prune = new PruneReplyEncoder();
    private final RequeueReplyEncoder requeue = new RequeueReplyEncoder();
    private final ManualRetryReplyEncoder manualRetry = new ManualRetryReplyEncoder();
    private final HeartbeatReplyEncoder heartbeat = new HeartbeatReplyEncoder();
    private final TickReplyEncoder tick = new TickReplyEncoder();
    private final NamespacesReplyEncoder namespaces = new NamespacesReplyEncoder();
    private final NodesReplyEncoder nodes = new NodesReplyEncoder();
    private final GraphReplyEncoder graph = new GraphReplyEncoder();
    private final GraphsReplyEncoder graphs = new GraphsReplyEncoder();
    private final RunsPageReplyEncoder runsPage = new RunsPageReplyEncoder();
    private final RunGraphReplyEncoder runGraph = new RunGraphReplyEncoder();
    private final NodeDetailsReplyEncoder nodeDetails = new NodeDetailsReplyEncoder();
    private final StateSecretsReplyEncoder stateSecrets = new StateSecretsReplyEncoder();
    private final Bodies bodies = new Bodies();

    /**
     * Encodes any reply by its type: a {@code Replies} record, {@link ClaimReply}, {@link Claimed}, {@link Rejection},
     * {@link DecodeError}, {@link Views.Graph}, {@link Views.RunsPage}, {@link Views.RunGraph},
     * {@link Views.NodeDetails} or a {@link ViewReplies} record. Cold path (it dispatches on the type).
     *
     * @throws IllegalArgumentException for any other type.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset, final Object reply)
    {
        if (reply instanceof Rejection r)
        {
            return rejected(buffer, offset, r);
        }
        if (reply instanceof DecodeError r)
        {
            return rejected(buffer, offset, r.rejectCode(), r.detail());
        }
        if (reply instanceof Replies.Register r)
        {
            return register(buffer, offset, r);
        }
        if (reply instanceof Replies.Upsert r)
        {
            return upsert(buffer, offset, r);
        }
        if (reply instanceof Replies.Trigger r)
        {
            return trigger(buffer, offset, r);
        }
        if (reply instanceof ClaimReply r)
        {
            return claim(buffer, offset, r);
        }
        if (reply instanceof Claimed r)
        {
            return claimed(buffer, offset, r);
        }
        if (reply instanceof Replies.Executed r)
        {
            return executed(buffer, offset, r);
        }
        if (reply instanceof Replies.Errored r)
        {
            return errored(buffer, offset, r);
        }
        if (reply instanceof Replies.Prune r)
        {
            return prune(buffer, offset, r);
        }
        if (reply instanceof Replies.Requeue r)
        {
            return requeue(buffer, offset, r);
        }
        if (reply instanceof Replies.ManualRetry r)
        {
            return manualRetry(buffer, offset, r);
        }
        if (reply instanceof Replies.Heartbeat r)
        {
            return heartbeat(buffer, offset, r);
        }
        if (reply instanceof Replies.Tick r)
        {
            return tick(buffer, offset, r);
        }
        if (reply instanceof ViewReplies.Namespaces r)
        {
            return namespaces(buffer, offset, r.namespaces());
        }
        if (reply instanceof ViewReplies.Nodes r)
        {
            return nodes(buffer, offset, r.nodes());
        }
        if (reply instanceof Views.Graph r)
        {
            return graph(buffer, offset, r);
        }
        if (reply instanceof ViewReplies.Graphs r)
        {
            return graphs(buffer, offset, r.graphs());
        }
        if (reply instanceof Views.RunsPage r)
        {
            return runsPage(buffer, offset, r);
        }
        if (reply instanceof Views.RunGraph r)
        {
            return runGraph(buffer, offset, r);
        }
        if (reply instanceof Views.NodeDetails r)
        {
            return nodeDetails(buffer, offset, r);
        }
        if (reply instanceof ViewReplies.StateSecrets r)
        {
            return stateSecrets(buffer, offset, r.secrets());
        }
        throw new IllegalArgumentException("not a reply: " + (reply == null ? "null" : reply.getClass().getName()));
    }

    public int rejected(final MutableDirectBuffer buffer, final int offset, final Rejection rejection)
    {
        final RejectedEncoder e = rejected.wrapAndApplyHeader(buffer, offset, header).code(rejection.code().code());
        final List<FieldError> errors = rejection.fieldErrors();
        final RejectedEncoder.FieldErrorsEncoder errorsEncoder =
            e.fieldErrorsCount(Wire.count(errors.size(), "Rejection.fieldErrors"));
        for (final FieldError error : errors)
        {
            errorsEncoder.next();
            final List<Object> loc = error.loc();
            final RejectedEncoder.FieldErrorsEncoder.LocEncoder locEncoder =
                errorsEncoder.locCount(Wire.count(loc.size(), "FieldError.loc"));
            for (final Object part : loc)
            {
                final boolean isIndex = part instanceof Integer || part instanceof Long ||
                    part instanceof Short || part instanceof Byte;
                locEncoder.next().isIndex(Wire.flag(isIndex));
                Wire.string(e, String.valueOf(part));
            }
            Wire.string(e, error.type());
            Wire.string(e, error.msg());
        }
        Wire.string(e, rejection.detail());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** A rejection without field errors; allocation free. */
    public int rejected(
        final MutableDirectBuffer buffer, final int offset, final RejectCode code, final String detail)
    {
        final RejectedEncoder e = rejected.wrapAndApplyHeader(buffer, offset, header).code(code.code());
        e.fieldErrorsCount(0);
        Wire.string(e, detail);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int register(final MutableDirectBuffer buffer, final int offset, final Replies.Register reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        final List<NodeRegistration> registrations = reply.nodes();
        if (registrations.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "RegisterReply.nodes", registrations.size());
        }
        final RegisterReplyEncoder e = register.wrapAndApplyHeader(buffer, offset, header);
        final RegisterReplyEncoder.NodesEncoder nodesEncoder = e.nodesCount(registrations.size());
        for (final NodeRegistration registration : registrations)
        {
            nodesEncoder.next();
            bodies.putRegistration(e, registration);
        }
        Wire.string(e, reply.runtimeName());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int upsert(final MutableDirectBuffer buffer, final int offset, final Replies.Upsert reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        final UpsertReplyEncoder e = upsert.wrapAndApplyHeader(buffer, offset, header);
        bodies.putGraph(e, reply.graph());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int trigger(final MutableDirectBuffer buffer, final int offset, final Replies.Trigger reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        final TriggerReplyEncoder e = trigger.wrapAndApplyHeader(buffer, offset, header)
            .rootStateId(reply.rootStateId());
        Wire.string(e, reply.runId());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Encodes the engine's claim flyweight; allocation free. */
    public int claim(final MutableDirectBuffer buffer, final int offset, final ClaimReply reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        final int count = reply.count();
        if (count > Wire.MAX_GROUP_COUNT)
        {
            // The command decoder refuses a claim max above the limit, so only an engine bug gets here.
            return tooMany(buffer, offset, "ClaimReply.states", count);
        }
        final ClaimReplyEncoder e = claim.wrapAndApplyHeader(buffer, offset, header);
        final ClaimReplyEncoder.StatesEncoder states = e.statesCount(count);
        for (int i = 0; i < count; i++)
        {
            states.next()
                .stateId(reply.stateId(i))
                .claimToken(reply.claimToken(i))
                .createdAt(reply.createdAt(i))
                .leaseDeadline(reply.leaseDeadline(i))
                .retryCount(reply.retryCount(i));
            Wire.string(e, reply.nodeName(i));
            Wire.string(e, reply.identifier(i));
            Wire.string(e, reply.graphName(i));
            Wire.string(e, reply.runId(i));
            Wire.bytes(e, reply.inputs(i));
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    /** Encodes decoded claimed states again (a proxy, a test). */
    public int claimed(final MutableDirectBuffer buffer, final int offset, final Claimed reply)
    {
        final List<ClaimedState> list = reply.states();
        if (list.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "ClaimReply.states", list.size());
        }
        final ClaimReplyEncoder e = claim.wrapAndApplyHeader(buffer, offset, header);
        final ClaimReplyEncoder.StatesEncoder states = e.statesCount(list.size());
        for (final ClaimedState s : list)
        {
            states.next()
                .stateId(s.stateId())
                .claimToken(s.claimToken())
                .createdAt(s.createdAt())
                .leaseDeadline(s.leaseDeadline())
                .retryCount(s.retryCount());
            Wire.string(e, s.nodeName());
            Wire.string(e, s.identifier());
            Wire.string(e, s.graphName());
            Wire.string(e, s.runId());
            Wire.bytes(e, s.inputs());
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int executed(final MutableDirectBuffer buffer, final int offset, final Replies.Executed reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + executed.wrapAndApplyHeader(buffer, offset, header).encodedLength();
    }

    public int errored(final MutableDirectBuffer buffer, final int offset, final Replies.Errored reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + errored.wrapAndApplyHeader(buffer, offset, header)
            .retryCreated(Wire.flag(reply.retryCreated()))
            .encodedLength();
    }

    public int prune(final MutableDirectBuffer buffer, final int offset, final Replies.Prune reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + prune.wrapAndApplyHeader(buffer, offset, header)
            .enqueueAfter(reply.enqueueAfter())
            .encodedLength();
    }

    public int requeue(final MutableDirectBuffer buffer, final int offset, final Replies.Requeue reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + requeue.wrapAndApplyHeader(buffer, offset, header)
            .enqueueAfter(reply.enqueueAfter())
            .encodedLength();
    }

    public int manualRetry(final MutableDirectBuffer buffer, final int offset, final Replies.ManualRetry reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + manualRetry.wrapAndApplyHeader(buffer, offset, header)
            .newStateId(reply.newStateId())
            .encodedLength();
    }

    public int heartbeat(final MutableDirectBuffer buffer, final int offset, final Replies.Heartbeat reply)
    {
        if (reply.rejection() != null)
        {
            return rejected(buffer, offset, reply.rejection());
        }
        return Wire.HEADER_LENGTH + heartbeat.wrapAndApplyHeader(buffer, offset, header)
            .leaseDeadline(reply.leaseDeadline())
            .encodedLength();
    }

    public int tick(final MutableDirectBuffer buffer, final int offset, final Replies.Tick reply)
    {
        return Wire.HEADER_LENGTH + tick.wrapAndApplyHeader(buffer, offset, header)
            .timersFired(reply.timersFired())
            .encodedLength();
    }

    public int namespaces(final MutableDirectBuffer buffer, final int offset, final List<String> list)
    {
        if (list.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "NamespacesReply.namespaces", list.size());
        }
        final NamespacesReplyEncoder e = namespaces.wrapAndApplyHeader(buffer, offset, header);
        final NamespacesReplyEncoder.NamespacesEncoder g = e.namespacesCount(list.size());
        for (final String namespace : list)
        {
            g.next();
            Wire.string(e, namespace);
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int nodes(final MutableDirectBuffer buffer, final int offset, final List<Views.RegisteredNode> list)
    {
        if (list.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "NodesReply.nodes", list.size());
        }
        final NodesReplyEncoder e = nodes.wrapAndApplyHeader(buffer, offset, header);
        final NodesReplyEncoder.NodesEncoder g = e.nodesCount(list.size());
        for (final Views.RegisteredNode node : list)
        {
            g.next().createdAt(node.createdAt()).updatedAt(node.updatedAt());
            Wire.string(e, node.id());
            Wire.string(e, node.namespace());
            Wire.string(e, node.runtimeName());
            bodies.putRegistration(e, node.registration());
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int graph(final MutableDirectBuffer buffer, final int offset, final Views.Graph view)
    {
        final GraphReplyEncoder e = graph.wrapAndApplyHeader(buffer, offset, header);
        bodies.putGraph(e, view);
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int graphs(final MutableDirectBuffer buffer, final int offset, final List<Views.Graph> list)
    {
        if (list.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "GraphsReply.graphs", list.size());
        }
        final GraphsReplyEncoder e = graphs.wrapAndApplyHeader(buffer, offset, header);
        final GraphsReplyEncoder.GraphsEncoder g = e.graphsCount(list.size());
        for (final Views.Graph view : list)
        {
            g.next();
            bodies.putGraph(e, view);
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int runsPage(final MutableDirectBuffer buffer, final int offset, final Views.RunsPage page)
    {
        final List<Views.RunSummary> runs = page.runs();
        if (runs.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "RunsPageReply.runs", runs.size());
        }
        final RunsPageReplyEncoder e = runsPage.wrapAndApplyHeader(buffer, offset, header)
            .total(page.total())
            .page(page.page())
            .size(page.size());
        final RunsPageReplyEncoder.RunsEncoder g = e.runsCount(runs.size());
        for (final Views.RunSummary run : runs)
        {
            g.next()
                .successCount(run.successCount())
                .pendingCount(run.pendingCount())
                .erroredCount(run.erroredCount())
                .retriedCount(run.retriedCount())
                .totalCount(run.totalCount())
                .createdAt(run.createdAt());
            Wire.string(e, run.runId());
            Wire.string(e, run.graphName());
            Wire.string(e, run.status());
        }
        Wire.string(e, page.namespace());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int runGraph(final MutableDirectBuffer buffer, final int offset, final Views.RunGraph view)
    {
        final List<Views.GraphNode> roots = view.rootStates();
        final List<Views.GraphNode> graphNodes = view.nodes();
        final List<Views.Edge> edges = view.edges();
        final Map<Status, Integer> summary = view.executionSummary();
        if (roots.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "RunGraphReply.rootStates", roots.size());
        }
        if (graphNodes.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "RunGraphReply.nodes", graphNodes.size());
        }
        if (edges.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "RunGraphReply.edges", edges.size());
        }

        final RunGraphReplyEncoder e = runGraph.wrapAndApplyHeader(buffer, offset, header);
        final RunGraphReplyEncoder.RootStatesEncoder rootsEncoder = e.rootStatesCount(roots.size());
        for (final Views.GraphNode node : roots)
        {
            rootsEncoder.next().status(statusCode(node.status())).hasError(Wire.flag(node.error() != null));
            graphNode(e, node);
        }
        final RunGraphReplyEncoder.NodesEncoder nodesEncoder = e.nodesCount(graphNodes.size());
        for (final Views.GraphNode node : graphNodes)
        {
            nodesEncoder.next().status(statusCode(node.status())).hasError(Wire.flag(node.error() != null));
            graphNode(e, node);
        }
        final RunGraphReplyEncoder.EdgesEncoder edgesEncoder = e.edgesCount(edges.size());
        for (final Views.Edge edge : edges)
        {
            edgesEncoder.next();
            Wire.string(e, edge.source());
            Wire.string(e, edge.target());
        }
        final RunGraphReplyEncoder.ExecutionSummaryEncoder summaryEncoder =
            e.executionSummaryCount(Wire.count(summary.size(), "RunGraph.executionSummary"));
        for (final Map.Entry<Status, Integer> entry : summary.entrySet())
        {
            summaryEncoder.next().status(statusCode(entry.getKey())).stateCount(entry.getValue());
        }
        Wire.string(e, view.graphName());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int nodeDetails(final MutableDirectBuffer buffer, final int offset, final Views.NodeDetails view)
    {
        final NodeDetailsReplyEncoder e = nodeDetails.wrapAndApplyHeader(buffer, offset, header)
            .status(statusCode(view.status()))
            .retryCount(view.retryCount())
            .doesUnites(Wire.flag(view.doesUnites()))
            .enqueueAfter(view.enqueueAfter())
            .createdAt(view.createdAt())
            .updatedAt(view.updatedAt())
            .hasInputs(Wire.flag(view.inputs() != null))
            .hasOutputs(Wire.flag(view.outputs() != null))
            .hasError(Wire.flag(view.error() != null))
            .hasData(Wire.flag(view.data() != null))
            .hasFanoutId(Wire.flag(view.fanoutId() != null))
            .hasManualRetryFanoutId(Wire.flag(view.manualRetryFanoutId() != null));
        final Map<String, String> parents = view.parents() == null ? Map.of() : view.parents();
        final NodeDetailsReplyEncoder.ParentsEncoder g =
            e.parentsCount(Wire.count(parents.size(), "NodeDetails.parents"));
        for (final Map.Entry<String, String> parent : parents.entrySet())
        {
            g.next();
            Wire.string(e, parent.getKey());
            Wire.string(e, parent.getValue());
        }
        Wire.string(e, view.id());
        Wire.string(e, view.nodeName());
        Wire.string(e, view.namespace());
        Wire.string(e, view.identifier());
        Wire.string(e, view.graphName());
        Wire.string(e, view.runId());
        Wire.bytes(e, view.inputs());
        Wire.bytes(e, view.outputs());
        Wire.nullableString(e, view.error());
        Wire.nullableString(e, view.data());
        Wire.nullableString(e, view.fanoutId());
        Wire.nullableString(e, view.manualRetryFanoutId());
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    public int stateSecrets(final MutableDirectBuffer buffer, final int offset, final Map<String, String> secrets)
    {
        if (secrets.size() > Wire.MAX_GROUP_COUNT)
        {
            return tooMany(buffer, offset, "StateSecretsReply.secrets", secrets.size());
        }
        final StateSecretsReplyEncoder e = stateSecrets.wrapAndApplyHeader(buffer, offset, header);
        final StateSecretsReplyEncoder.SecretsEncoder g = e.secretsCount(secrets.size());
        for (final Map.Entry<String, String> secret : secrets.entrySet())
        {
            g.next();
            Wire.string(e, secret.getKey());
            Wire.string(e, secret.getValue());
        }
        return Wire.HEADER_LENGTH + e.encodedLength();
    }

    private static void graphNode(final RunGraphReplyEncoder e, final Views.GraphNode node)
    {
        Wire.string(e, node.id());
        Wire.string(e, node.nodeName());
        Wire.string(e, node.identifier());
        Wire.nullableString(e, node.error());
    }

    private static StatusCode statusCode(final Status status)
    {
        return StatusCode.get((short)status.code());
    }

    private int tooMany(final MutableDirectBuffer buffer, final int offset, final String group, final int size)
    {
        return rejected(buffer, offset, RejectCode.LIMIT_EXCEEDED,
            "Expected at most " + Wire.MAX_GROUP_COUNT + " entries in " + group + ", but there are " + size);
    }
}
