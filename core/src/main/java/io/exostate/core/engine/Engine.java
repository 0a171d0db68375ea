package io.exostate.core.engine;

import io.exostate.core.model.Status;
import io.exostate.core.template.CronExpression;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.GraphValidator;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.TemplateSyntaxException;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The deterministic workflow engine: a pure, single-threaded function of the ordered command stream.
 * <p>
 * <b>Threading:</b> one writer. Only the engine thread (the single-node loop, or Ratis's apply thread) calls
 * commands; reads must run on the same thread or through a command.
 * <p>
 * <b>Determinism:</b> the engine never reads a clock or a random source. Time arrives with each command and
 * never goes backwards; ids, claim tokens and fanout ids come from counters; retry jitter is seeded by
 * (run, state, attempt); nothing observable depends on hash-map order (runs, states, registrations and graphs
 * are kept in insertion-ordered structures, timers and claim queues ordered by their own data, the memory of
 * deduplicated claims in the order it was written).
 * <p>
 * <b>Allocation:</b> claim and executed on a leaf allocate only the payload they store (the output map); the claim
 * reply is a reused flyweight and successful report replies are shared constants.
 * <p>
 * <b>Rejections</b> change nothing: every check runs before the first mutation.
 */
public final class Engine implements Commands
{
    private static final java.nio.ByteOrder LE = Payloads.LE;

    /** Snapshot format version: bump it when the layout changes. */
    public static final int SNAPSHOT_VERSION = 3;

    final EngineConfig config;
    private EngineListener listener = EngineListener.NONE;

    long time;
    long nextStateId = 1;
    long nextClaimToken = 1;
    long nextFanoutSeq = 1;
    long nextEntityId = 1;
    long nextRunSeq = 1;
    long nextCronRun = 1;

    final Long2ObjectHashMap<StateRec> states = new Long2ObjectHashMap<>();
    final HashMap<String, RunRec> runs = new HashMap<>();
    final TreeMap<String, NamespaceRec> namespaces = new TreeMap<>();
    /** Lease and cron timers: they change state, so their order is exact and they are derivable from a snapshot. */
    final TimerQueue timers = new TimerQueue(true);
    /** Ready notifications for delayed states: they change nothing, duplicates are harmless. */
    final TimerQueue readyTimers = new TimerQueue(false);
    /** Each client's latest deduplicated claim, forgotten after {@link EngineConfig#claimRequestWindowMs()}. */
    final ClaimRequests claimRequests = new ClaimRequests();
    /**
     * Runs in the order they finished, each with the time it finished, for retirement after
     * {@link EngineConfig#runRetentionMs()}. An entry is stale when its run got pending work again since (a manual
     * retry): the run is queued again when it finishes again. Derivable from a snapshot (sorted by finish time).
     */
    final FinishedRuns finishing = new FinishedRuns();
    private long retiredRuns;

    private final ClaimReply claimReply = new ClaimReply();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(512);
    private final ArrayList<StateRec> dirtyGroups = new ArrayList<>();
    private final ArrayList<StateRec> current = new ArrayList<>();
    private final ArrayList<byte[]> planned = new ArrayList<>();
    private final ArrayList<byte[]> outputs = new ArrayList<>();
    private ClaimQueue[] claimQueues = new ClaimQueue[8];
    private long commandSeq;
    private String resolveError;

    public Engine()
    {
        this(EngineConfig.DEFAULT);
    }

    public Engine(final EngineConfig config)
    {
        this.config = config;
    }

    /** Sets the host's listener (transitions for the journal, ready work for long-poll claims). */
    public void listener(final EngineListener listener)
    {
        this.listener = listener == null ? EngineListener.NONE : listener;
    }

    /** The time of the last applied command (epoch ms). */
    public long time()
    {
        return time;
    }

    /**
     * The earliest deadline at which the engine has something to do without other traffic: a lease expiry, a cron
     * occurrence, a delayed state becoming claimable (so a host can tell long-poll claimers), or finished runs due to
     * retire (rounded up to a second). Long.MAX_VALUE if none. A host sends {@link #tick} when it passes.
     */
    public long nextDeadline()
    {
        final long timer = Math.min(timers.nextDeadline(), readyTimers.nextDeadline());
        return finishing.isEmpty() ? timer : Math.min(timer, retirementDeadline(finishing.oldestTime()));
    }

    /**
     * When the run that finished at {@code at} is due to retire, rounded up to a whole second, so that an idle host
     * ticks about once a second while finished runs wait to leave memory (a backlog larger than one command retires
     * keeps the deadline due); Long.MAX_VALUE when never.
     */
    private long retirementDeadline(final long at)
    {
        final long retention = config.runRetentionMs();
        if (at > Long.MAX_VALUE - retention - 1_000)
        {
            return Long.MAX_VALUE;
        }
        final long due = at + retention;
        return (due + 999) / 1_000 * 1_000;
    }

    /** The number of states held in memory. */
    public int stateCount()
    {
        return states.size();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Command framing: every command advances time, fires due timers, applies, then runs the unite checks.
    // ------------------------------------------------------------------------------------------------------------

    private int begin(final long now)
    {
        if (now > time)
        {
            time = now;
        }
        commandSeq++;
        claimRequests.expire(time, config.claimRequestWindowMs());
        retireRuns();
        return fireTimers();
    }

    /**
     * Retires the runs that finished at least the retention window ago and have not been reopened since, at most
     * {@link EngineConfig#maxTimersPerCommand()} per command (the rest with the next ones: no pause after a burst).
     */
    private void retireRuns()
    {
        final long retention = config.runRetentionMs();
        int budget = config.maxTimersPerCommand();
        while (budget-- > 0 && !finishing.isEmpty() && time - finishing.oldestTime() >= retention)
        {
            final long at = finishing.oldestTime();
            final RunRec run = finishing.removeOldest();
            if (!run.retired && run.finishedAt == at && run.pending() == 0)
            {
                retire(run);
            }
        }
    }

    /** SPEC decision 13: the run's states, payloads and store leave the heap; its counts and summary stay. */
    private void retire(final RunRec run)
    {
        final ArrayList<StateRec> list = run.states;
        for (int i = 0; i < list.size(); i++)
        {
            states.remove(list.get(i).id);
        }
        run.retiredStateCount = list.size();
        run.states = new ArrayList<>(0);
        run.store = null;
        run.retired = true;
        retiredRuns++;
    }

    /** Runs retired by this engine since it started (or was restored): a counter for metrics and tests. */
    public long retiredRuns()
    {
        return retiredRuns;
    }

    private void finish()
    {
        processDirtyGroups();
    }

    private int fireTimers()
    {
        while (readyTimers.size() > 0 && readyTimers.peekDeadline() <= time)
        {
            final StateRec s = (StateRec)readyTimers.peekRef();
            readyTimers.poll();
            if (s.status == Status.CREATED && s.heapIndex >= 0 && s.enqueueAfter <= time && states.get(s.id) == s)
            {
                notifyReady(queueOf(s));
            }
        }

        int fired = 0;
        final int max = config.maxTimersPerCommand();
        while (fired < max && timers.size() > 0 && timers.peekDeadline() <= time)
        {
            final int kind = timers.peekKind();
            final Object ref = timers.peekRef();
            timers.poll();
            fired++;
            if (kind == TimerQueue.LEASE)
            {
                expireLease((StateRec)ref);
            }
            else if (kind == TimerQueue.CRON)
            {
                fireCron((GraphRec.CronEntry)ref);
            }
            else
            {
                throw new IllegalStateException("unknown timer kind " + kind);
            }
        }
        return fired;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------------------------------------------------

    @Override
    public Replies.Register registerNodes(
        final long now, final String namespace, final String runtimeName, final List<NodeRegistration> nodes)
    {
        begin(now);
        if (namespace == null || runtimeName == null || nodes == null)
        {
            finish();
            return new Replies.Register(
                new Rejection(RejectCode.INVALID_REQUEST, "namespace, runtime_name and nodes are required"), null, null);
        }
        final NamespaceRec ns = namespace(namespace);
        for (final NodeRegistration reg : nodes)
        {
            RegisteredNodeRec rec = ns.nodes.get(reg.name());
            if (rec == null)
            {
                rec = new RegisteredNodeRec(nextEntityId++, namespace, reg.name(), time);
                ns.nodes.put(reg.name(), rec);
            }
            rec.runtimeName = runtimeName;
            rec.registration = reg;
            rec.updatedAt = time;
            rec.revision++;
        }
        finish();
        return new Replies.Register(null, runtimeName, List.copyOf(nodes));
    }

    @Override
    public Replies.Upsert upsertGraph(final long now, final GraphSpec spec)
    {
        begin(now);
        try
        {
            if (spec == null)
            {
                return new Replies.Upsert(new Rejection(RejectCode.INVALID_REQUEST, "graph template is required"), null);
            }
            final GraphValidator.Result result = GraphValidator.validate(spec, this::registration);
            if (!result.fieldErrors().isEmpty())
            {
                return new Replies.Upsert(
                    new Rejection(RejectCode.INVALID_REQUEST, "Request body validation failed", result.fieldErrors()), null);
            }
            if (result.modelError() != null)
            {
                return new Replies.Upsert(new Rejection(RejectCode.INVALID_GRAPH, result.modelError()), null);
            }
            final GraphSpec normalized = result.normalized();
            // Look up without creating: the version below can still be refused, and a refusal changes nothing.
            final NamespaceRec existing = namespaces.get(normalized.namespace());
            GraphRec g = existing == null ? null : existing.graphs.get(normalized.name());
            final boolean created = g == null;
            if (created)
            {
                g = new GraphRec(nextEntityId, normalized.namespace(), normalized.name(), time);
            }
            final GraphVersion version;
            try
            {
                version = new GraphVersion(
                    nextEntityId + (created ? 1 : 0), g, g.versionCount + 1, normalized, result.validationErrors(), time);
            }
            catch (final IllegalArgumentException ex)
            {
                return new Replies.Upsert(new Rejection(RejectCode.LIMIT_EXCEEDED, ex.getMessage()), null);
            }

            // Decided: mutate from here on.
            nextEntityId += created ? 2 : 1;
            if (created)
            {
                namespace(normalized.namespace()).graphs.put(g.name, g);
            }
            g.versionCount++;
            g.current = version;
            g.updatedAt = time;
            rescheduleCron(g);
            return new Replies.Upsert(null, graphView(g));
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.Trigger trigger(
        final long now,
        final String namespace,
        final String graphName,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        begin(now);
        try
        {
            if (startDelayMs < 0)
            {
                return new Replies.Trigger(new Rejection(RejectCode.INVALID_REQUEST,
                    "start_delay: Input should be greater than or equal to 0"), null, 0);
            }
            if (namespace == null || graphName == null)
            {
                return new Replies.Trigger(new Rejection(RejectCode.INVALID_REQUEST, "namespace and graph are required"),
                    null, 0);
            }
            if (runId == null || runId.isEmpty())
            {
                return new Replies.Trigger(new Rejection(RejectCode.INVALID_REQUEST, "run id is required"), null, 0);
            }
            if (runs.containsKey(runId))
            {
                return new Replies.Trigger(new Rejection(RejectCode.DUPLICATE_RUN, "Run " + runId + " exists already"),
                    null, 0);
            }
            final NamespaceRec ns = namespaces.get(namespace);
            final GraphRec g = ns == null ? null : ns.graphs.get(graphName);
            if (g == null)
            {
                return new Replies.Trigger(new Rejection(RejectCode.GRAPH_NOT_FOUND,
                    "Graph template not found for namespace " + namespace + " and graph " + graphName), null, 0);
            }
            final Object outcome = startRun(g, runId, inputs == null ? Map.of() : inputs,
                store == null ? Map.of() : store, startDelayMs);
            if (outcome instanceof Rejection r)
            {
                return new Replies.Trigger(r, null, 0);
            }
            return new Replies.Trigger(null, runId, ((StateRec)outcome).id);
        }
        finally
        {
            finish();
        }
    }

    /** Creates a run and its root state, or returns the rejection. Shared by trigger and cron. */
    private Object startRun(
        final GraphRec g,
        final String runId,
        final Map<String, String> inputs,
        final Map<String, String> store,
        final long startDelayMs)
    {
        final GraphVersion v = g.current;
        if (!v.valid)
        {
            return new Rejection(RejectCode.GRAPH_NOT_VALID, "Graph template is not valid");
        }
        final int root = v.root;
        final CompiledInput[] templateInputs = v.inputs[root];
        final ExpandableArrayBuffer buf = scratch;
        int pos = 4;
        buf.putInt(0, templateInputs.length, LE);
        for (final CompiledInput templateInput : templateInputs)
        {
            CompiledInput in = templateInput;
            final String override = inputs.get(in.key);
            if (override != null)
            {
                try
                {
                    in = CompiledInput.compile(in.key, override, v.indexOf);
                }
                catch (final TemplateSyntaxException ex)
                {
                    return new Rejection(RejectCode.INVALID_INPUT, "Invalid input: " + ex.getMessage());
                }
            }
            pos += putUtf8(buf, pos, in.keyUtf8);
            buf.putByte(pos++, Payloads.KIND_STRING);
            final int lenAt = pos;
            pos += 4;
            buf.putBytes(pos, in.headUtf8);
            pos += in.headUtf8.length;
            for (int p = 0; p < in.partCount(); p++)
            {
                if (in.partNode[p] != CompiledInput.STORE)
                {
                    return new Rejection(RejectCode.INVALID_INPUT,
                        "Invalid input: 400: Root node can have only store identifier as dependent but got " +
                        in.partIdentifier[p]);
                }
                String value = store.get(in.partField[p]);
                if (value == null)
                {
                    value = v.storeDefaults.get(in.partField[p]);
                }
                if (value == null)
                {
                    return new Rejection(RejectCode.INVALID_INPUT, "Invalid input: 400: Dependent " + in.partField[p] +
                        " not found in store for root node " + v.identifiers[root]);
                }
                pos += buf.putStringWithoutLengthUtf8(pos, value);
                buf.putBytes(pos, in.tailUtf8[p]);
                pos += in.tailUtf8[p].length;
            }
            buf.putInt(lenAt, pos - lenAt - 4, LE);
        }
        final List<String> missing = new ArrayList<>();
        for (final String k : v.requiredKeys)
        {
            if (!store.containsKey(k))
            {
                missing.add(k);
            }
        }
        if (!missing.isEmpty())
        {
            return new Rejection(RejectCode.MISSING_STORE_KEYS, "Missing store keys: " + pythonSet(missing));
        }
        final byte[] rootInputs = new byte[pos];
        buf.getBytes(0, rootInputs);

        final RunRec run = new RunRec(runId, nextRunSeq++, g.namespace, v, time, Payloads.encodeMap(store));
        runs.put(runId, run);
        namespace(g.namespace).runs.add(run);
        final StateRec rootState = newState(run, root, null, rootInputs, saturatingAdd(time, startDelayMs), Status.CREATED);
        rootState.fanoutSeq = nextFanoutSeq++;
        enqueue(rootState);
        return rootState;
    }

    @Override
    public ClaimReply claim(
        final long now,
        final String namespace,
        final String[] nodeNames,
        final int nodeCount,
        final int max,
        final long leaseMs,
        final long clientId,
        final long requestId)
    {
        begin(now);
        final ClaimReply reply = claimReply;
        reply.reset();
        if (max > config.maxClaimBatch())
        {
            reply.reject(new Rejection(RejectCode.LIMIT_EXCEEDED,
                "Expected a claim batch of at most " + config.maxClaimBatch() + " states, but got " + max));
            finish();
            return reply;
        }
        if (leaseMs < 0 || nodeCount < 0 || (nodeCount > 0 && (nodeNames == null || nodeNames.length < nodeCount)))
        {
            reply.reject(new Rejection(RejectCode.INVALID_REQUEST, "Expected a lease >= 0 and node names, but got lease " +
                leaseMs + " and " + nodeCount + " node names"));
            finish();
            return reply;
        }
        if (clientId == NO_CLIENT ? requestId != 0 : requestId <= 0)
        {
            reply.reject(new Rejection(RejectCode.INVALID_REQUEST, clientId == NO_CLIENT ?
                "Expected request id 0 in a claim without a client id, but got " + requestId :
                "Expected a request id > 0 in a claim of client " + clientId + ", but got " + requestId));
            finish();
            return reply;
        }
        final ClaimRequests.Entry remembered = clientId == NO_CLIENT ? null : claimRequests.get(clientId);
        if (remembered != null && requestId <= remembered.requestId)
        {
            // A repeat of the client's latest request hands out nothing new: it answers what the first one handed
            // out and the client still holds. An older request is stale: the client has moved on, it gets nothing.
            if (requestId == remembered.requestId)
            {
                answerRepeat(reply, remembered, namespace);
            }
            finish();
            return reply;
        }
        final NamespaceRec ns = namespace == null ? null : namespaces.get(namespace);
        if (ns == null || max <= 0 || nodeCount == 0)
        {
            finish();
            return reply;
        }
        if (claimQueues.length < nodeCount)
        {
            claimQueues = new ClaimQueue[Math.max(nodeCount, claimQueues.length * 2)];
        }
        int queueCount = 0;
        for (int i = 0; i < nodeCount; i++)
        {
            final ClaimQueue q = ns.queues.get(nodeNames[i]);
            if (q != null && !contains(claimQueues, queueCount, q))
            {
                claimQueues[queueCount++] = q;
            }
        }
        while (reply.count() < max)
        {
            ClaimQueue best = null;
            for (int i = 0; i < queueCount; i++)
            {
                final ClaimQueue q = claimQueues[i];
                if (q.isEmpty() || q.peekEnqueueAfter() > time)
                {
                    continue;
                }
                if (best == null || q.peekEnqueueAfter() < best.peekEnqueueAfter() ||
                    (q.peekEnqueueAfter() == best.peekEnqueueAfter() && q.peekId() < best.peekId()))
                {
                    best = q;
                }
            }
            if (best == null)
            {
                break;
            }
            final StateRec s = best.poll();
            final long token = nextClaimToken++;
            s.claimToken = token;
            s.leaseDeadline = leaseMs > 0 ? saturatingAdd(time, leaseMs) : 0;
            transition(s, Status.QUEUED, token);
            if (s.leaseDeadline != 0)
            {
                timers.add(s.leaseDeadline, TimerQueue.LEASE, s.id, s);
            }
            addClaimed(reply, s);
        }
        for (int i = 0; i < queueCount; i++)
        {
            claimQueues[i] = null;
        }
        // Only a claim that handed out states is remembered: one that found nothing changed nothing, and may be
        // applied again as it is (the host re-issues a parked long-poll claim's bytes when work arrives).
        if (clientId != NO_CLIENT && reply.count() > 0)
        {
            final ClaimRequests.Entry e = claimRequests.record(clientId, requestId, time);
            for (int i = 0; i < reply.count(); i++)
            {
                e.add(reply.stateId(i), reply.claimToken(i));
            }
        }
        finish();
        return reply;
    }

    /**
     * The states of a remembered request that are still claimed under the tokens it handed out, in claim order, as
     * they are now (a heartbeat may have moved a lease deadline). States of another namespace than the repeat's are
     * left out: a session sees only its own namespace.
     */
    private void answerRepeat(final ClaimReply reply, final ClaimRequests.Entry e, final String namespace)
    {
        for (int i = 0; i < e.count(); i++)
        {
            final StateRec s = states.get(e.stateId(i));
            if (s != null && s.status == Status.QUEUED && s.claimToken == e.token(i) &&
                s.namespace().equals(namespace))
            {
                addClaimed(reply, s);
            }
        }
    }

    private static void addClaimed(final ClaimReply reply, final StateRec s)
    {
        reply.add(s.id, s.claimToken, s.createdAt, s.leaseDeadline, s.nodeName(), s.identifier(),
            s.run.version.graph.name, s.run.runId, s.inputs, s.retryCount);
    }

    @Override
    public Replies.Executed executed(
        final long now,
        final String namespace,
        final long stateId,
        final long claimToken,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        begin(now);
        try
        {
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.Executed(stateNotFound());
            }
            if (isRepeat(s, claimToken, StateRec.REPORT_EXECUTED))
            {
                return Replies.Executed.OK;
            }
            final Rejection r = checkQueued(s, claimToken, "State is not queued");
            if (r != null)
            {
                return new Replies.Executed(r);
            }
            if (length > config.maxPayloadBytes())
            {
                return new Replies.Executed(new Rejection(RejectCode.LIMIT_EXCEEDED,
                    "Expected outputs of at most " + config.maxPayloadBytes() + " bytes, but got " + length));
            }
            final int n;
            try
            {
                n = Payloads.listCount(buffer, offset, length);
            }
            catch (final IllegalArgumentException ex)
            {
                return new Replies.Executed(new Rejection(RejectCode.INVALID_REQUEST, "Malformed outputs: " + ex.getMessage()));
            }
            if (n > config.maxOutputs())
            {
                return new Replies.Executed(new Rejection(RejectCode.LIMIT_EXCEEDED,
                    "Expected at most " + config.maxOutputs() + " outputs, but got " + n));
            }

            // Copy the outputs out of the command buffer (the payload the state keeps).
            outputs.clear();
            if (n == 0)
            {
                outputs.add(Payloads.EMPTY_MAP);
            }
            else
            {
                int pos = offset + 4;
                for (int i = 0; i < n; i++)
                {
                    final int len = buffer.getInt(pos, LE);
                    final byte[] out = new byte[len];
                    buffer.getBytes(pos + 4, out);
                    outputs.add(out);
                    pos += 4 + len;
                }
            }

            // Plan the next states before changing anything: next-state creation is all-or-nothing.
            final RunRec run = s.run;
            final GraphVersion v = run.version;
            final int[] next = v.nextNodes[s.nodeIdx];
            planned.clear();
            String error = null;
            for (int c = 0; c < next.length && error == null; c++)
            {
                final int target = v.unitesTarget[next[c]];
                if (target >= 0 && Lineage.find(s.lineage, target) == null)
                {
                    error = "Unit identifier not found in parents: " + v.identifiers[target];
                }
            }
            for (int c = 0; c < next.length && error == null; c++)
            {
                final int child = next[c];
                if (v.unitesTarget[child] >= 0)
                {
                    continue;
                }
                final GraphVersion.ChildPlan plan = childPlan(v, child);
                if (plan.error != null)
                {
                    error = plan.error;
                    break;
                }
                for (int i = 0; i < outputs.size(); i++)
                {
                    final byte[] in = resolveInputs(plan, v, child, run, s.nodeIdx, outputs.get(i), s.lineage);
                    if (in == null)
                    {
                        error = resolveError;
                        break;
                    }
                    planned.add(in);
                }
            }

            // Apply.
            s.outputs = outputs.get(0);
            recordReport(s, claimToken, StateRec.REPORT_EXECUTED, 0);
            transition(s, Status.EXECUTED, claimToken);
            current.clear();
            current.add(s);
            for (int i = 1; i < outputs.size(); i++)
            {
                final StateRec extra = newState(run, s.nodeIdx, s.lineage, s.inputs, time, Status.EXECUTED);
                extra.fanoutSeq = nextFanoutSeq++;
                extra.outputs = outputs.get(i);
                current.add(extra);
            }
            if (error != null)
            {
                for (int i = 0; i < current.size(); i++)
                {
                    final StateRec cs = current.get(i);
                    cs.error = error;
                    transition(cs, Status.NEXT_CREATED_ERROR, claimToken);
                }
            }
            else
            {
                int k = 0;
                for (int c = 0; c < next.length; c++)
                {
                    final int child = next[c];
                    if (v.unitesTarget[child] >= 0)
                    {
                        continue;
                    }
                    for (int i = 0; i < current.size(); i++)
                    {
                        final StateRec cs = current.get(i);
                        final StateRec ch = newState(run, child, cs.childLineage(), planned.get(k++), time, Status.CREATED);
                        ch.fanoutSeq = nextFanoutSeq++;
                        enqueue(ch);
                    }
                }
                for (int i = 0; i < current.size(); i++)
                {
                    transition(current.get(i), Status.SUCCESS, claimToken);
                }
            }
            current.clear();
            planned.clear();
            outputs.clear();
            return Replies.Executed.OK;
        }
        finally
        {
            finish();
        }
    }

    /** Convenience for tests and cold paths: encodes the outputs and reports them. */
    public Replies.Executed executed(
        final long now, final String namespace, final long stateId, final long claimToken,
        final List<Map<String, String>> outputs)
    {
        final byte[] bytes = Payloads.encodeList(outputs);
        return executed(now, namespace, stateId, claimToken, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Override
    public Replies.Errored errored(
        final long now, final String namespace, final long stateId, final long claimToken, final String error)
    {
        begin(now);
        try
        {
            if (error == null)
            {
                return new Replies.Errored(new Rejection(RejectCode.INVALID_REQUEST, "error: Field required"), false);
            }
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.Errored(stateNotFound(), false);
            }
            if (isRepeat(s, claimToken, StateRec.REPORT_ERRORED))
            {
                return s.lastReportValue == 1 ? Replies.Errored.RETRY_CREATED : Replies.Errored.NO_RETRY;
            }
            final Rejection r = checkQueued(s, claimToken,
                s.status == Status.EXECUTED ? "State is already executed" : "State is not queued or executed");
            if (r != null)
            {
                return new Replies.Errored(r, false);
            }
            final RunRec run = s.run;
            final GraphVersion v = run.version;
            final boolean retry = s.retryCount < v.maxRetries;
            if (retry)
            {
                final int attempt = s.retryCount + 1;
                if (!retryExists(s, attempt))
                {
                    final long delay = RetryDelays.computeDelay(v.retryStrategy, v.backoffFactor, v.exponent, v.maxDelay,
                        attempt, RetryDelays.jitterSeed(run.seq, s.id, attempt));
                    final StateRec rs = newState(run, s.nodeIdx, s.lineage, s.inputs, saturatingAdd(time, delay),
                        Status.CREATED);
                    rs.retryCount = attempt;
                    rs.fanoutSeq = s.fanoutSeq;
                    rs.manualFanoutId = s.manualFanoutId;
                    rs.doesUnites = s.doesUnites;
                    enqueue(rs);
                }
            }
            s.error = error;
            recordReport(s, claimToken, StateRec.REPORT_ERRORED, retry ? 1 : 0);
            transition(s, retry ? Status.RETRY_CREATED : Status.ERRORED, claimToken);
            return retry ? Replies.Errored.RETRY_CREATED : Replies.Errored.NO_RETRY;
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.Prune prune(
        final long now, final String namespace, final long stateId, final long claimToken, final String dataJson)
    {
        begin(now);
        try
        {
            if (dataJson == null)
            {
                return new Replies.Prune(new Rejection(RejectCode.INVALID_REQUEST, "data: Field required"), 0);
            }
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.Prune(stateNotFound(), 0);
            }
            if (isRepeat(s, claimToken, StateRec.REPORT_PRUNE))
            {
                return new Replies.Prune(null, s.lastReportValue);
            }
            final Rejection r = checkQueued(s, claimToken, "State is not queued");
            if (r != null)
            {
                return new Replies.Prune(r, 0);
            }
            s.data = dataJson;
            recordReport(s, claimToken, StateRec.REPORT_PRUNE, s.enqueueAfter);
            transition(s, Status.PRUNED, claimToken);
            return new Replies.Prune(null, s.enqueueAfter);
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.Requeue reenqueueAfter(
        final long now, final String namespace, final long stateId, final long claimToken, final long delayMs)
    {
        begin(now);
        try
        {
            if (delayMs <= 0)
            {
                return new Replies.Requeue(
                    new Rejection(RejectCode.INVALID_REQUEST, "enqueue_after: Input should be greater than 0"), 0);
            }
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.Requeue(stateNotFound(), 0);
            }
            if (isRepeat(s, claimToken, StateRec.REPORT_REQUEUE))
            {
                return new Replies.Requeue(null, s.lastReportValue);
            }
            if (claimToken != NO_TOKEN && claimToken != s.claimToken)
            {
                return new Replies.Requeue(staleToken(s, claimToken), 0);
            }
            if (s.status != Status.QUEUED && s.status != Status.CREATED)
            {
                return new Replies.Requeue(new Rejection(RejectCode.WRONG_STATUS, "State is not queued"), 0);
            }
            if (claimToken != NO_TOKEN && (s.status != Status.QUEUED || claimToken != s.claimToken))
            {
                return new Replies.Requeue(staleToken(s, claimToken), 0);
            }
            if (s.status == Status.CREATED)
            {
                queueOf(s).remove(s);
            }
            s.enqueueAfter = saturatingAdd(time, delayMs);
            recordReport(s, claimToken, StateRec.REPORT_REQUEUE, s.enqueueAfter);
            transition(s, Status.CREATED, claimToken);
            enqueue(s);
            return new Replies.Requeue(null, s.enqueueAfter);
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.ManualRetry manualRetry(final long now, final String namespace, final long stateId, final String fanoutId)
    {
        begin(now);
        try
        {
            if (fanoutId == null)
            {
                return new Replies.ManualRetry(new Rejection(RejectCode.INVALID_REQUEST, "fanout_id: Field required"), 0);
            }
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.ManualRetry(stateNotFound(), 0);
            }
            final RunRec run = s.run;
            for (int i = 0; i < run.states.size(); i++)
            {
                final StateRec x = run.states.get(i);
                if (x.nodeIdx == s.nodeIdx && x.retryCount == 0 && fanoutId.equals(x.fanoutId()))
                {
                    return new Replies.ManualRetry(
                        new Rejection(RejectCode.DUPLICATE_RETRY, "Duplicate retry state detected"), 0);
                }
            }
            final StateRec ns = newState(run, s.nodeIdx, s.lineage, s.inputs, time, Status.CREATED);
            ns.manualFanoutId = fanoutId;
            ns.doesUnites = s.doesUnites;
            run.hasManualRetry = true;
            enqueue(ns);
            if (s.status == Status.CREATED)
            {
                queueOf(s).remove(s);
            }
            if (s.status != Status.RETRY_CREATED)
            {
                transition(s, Status.RETRY_CREATED, NO_TOKEN);
            }
            return new Replies.ManualRetry(null, ns.id);
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.Heartbeat heartbeat(
        final long now, final String namespace, final long stateId, final long claimToken, final long leaseMs)
    {
        begin(now);
        try
        {
            if (leaseMs <= 0)
            {
                return new Replies.Heartbeat(
                    new Rejection(RejectCode.INVALID_REQUEST, "Expected a lease > 0 ms, but got " + leaseMs), 0);
            }
            final StateRec s = lookup(namespace, stateId);
            if (s == null)
            {
                return new Replies.Heartbeat(stateNotFound(), 0);
            }
            if (claimToken == NO_TOKEN || claimToken != s.claimToken)
            {
                return new Replies.Heartbeat(staleToken(s, claimToken), 0);
            }
            if (s.status != Status.QUEUED)
            {
                return new Replies.Heartbeat(new Rejection(RejectCode.WRONG_STATUS, "State is not queued"), 0);
            }
            final long deadline = Math.max(s.leaseDeadline, saturatingAdd(time, leaseMs));
            if (deadline != s.leaseDeadline)
            {
                timers.remove(s);
                s.leaseDeadline = deadline;
                timers.add(deadline, TimerQueue.LEASE, s.id, s);
            }
            return new Replies.Heartbeat(null, deadline);
        }
        finally
        {
            finish();
        }
    }

    @Override
    public Replies.Tick tick(final long now)
    {
        final int fired = begin(now);
        finish();
        return new Replies.Tick(fired);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Timers
    // ------------------------------------------------------------------------------------------------------------

    private void expireLease(final StateRec s)
    {
        if (s.status != Status.QUEUED || s.leaseDeadline == 0 || s.leaseDeadline > time)
        {
            throw new IllegalStateException("lease timer out of step for state " + s.id + ": " + s.status +
                " deadline " + s.leaseDeadline + " at " + time);
        }
        final long token = s.claimToken;
        s.leaseDeadline = 0;
        // The old token is dead: a report naming it is stale; the next claim hands out a new one.
        s.claimToken = 0;
        transition(s, Status.CREATED, token);
        enqueue(s);
    }

    private void rescheduleCron(final GraphRec g)
    {
        // Clean-up is scoped to this graph (and so to its namespace): decision 1.
        for (final GraphRec.CronEntry e : g.cronEntries)
        {
            timers.remove(e);
        }
        g.cronEntries.clear();
        if (!g.current.valid)
        {
            return;
        }
        for (final CronExpression expr : g.current.crons)
        {
            final long next = expr.nextAfter(time);
            final GraphRec.CronEntry e = new GraphRec.CronEntry(nextEntityId++, g, expr, next);
            g.cronEntries.add(e);
            if (next != Long.MAX_VALUE)
            {
                timers.add(next, TimerQueue.CRON, e.id, e);
            }
        }
    }

    private void fireCron(final GraphRec.CronEntry e)
    {
        // One run however many occurrences were missed (decision 12): the next one is computed from now.
        final long seq = nextCronRun++;
        final String runId = new UUID(0x6578_6f73_7461_4000L | (e.graph.id & 0xFFF), 0x8000_0000_0000_0000L | seq)
            .toString();
        final Object outcome = runs.containsKey(runId) ?
            new Rejection(RejectCode.DUPLICATE_RUN, runId) : startRun(e.graph, runId, Map.of(), Map.of(), 0);
        if (outcome instanceof Rejection)
        {
            e.failed++;
        }
        else
        {
            e.fired++;
        }
        e.nextFire = e.expression.nextAfter(time);
        if (e.nextFire != Long.MAX_VALUE)
        {
            timers.add(e.nextFire, TimerQueue.CRON, e.id, e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The one door for status changes, state creation and queueing
    // ------------------------------------------------------------------------------------------------------------

    private StateRec newState(
        final RunRec run, final int nodeIdx, final Lineage lineage, final byte[] inputs, final long enqueueAfter,
        final Status status)
    {
        final StateRec s = new StateRec(nextStateId++, run, nodeIdx, time, lineage);
        s.inputs = inputs;
        s.enqueueAfter = enqueueAfter;
        s.status = status;
        states.put(s.id, s);
        run.states.add(s);
        run.statusCounts[status.code()]++;
        if (status.isPending())
        {
            run.finishedAt = 0;
        }
        if (run.version.hasUnites)
        {
            updateGroups(s, null, status);
        }
        listener.onTransition(s.id, run.runId, null, status, time, NO_TOKEN);
        return s;
    }

    private void transition(final StateRec s, final Status to, final long token)
    {
        final Status from = s.status;
        if (from == Status.QUEUED && s.leaseDeadline != 0)
        {
            timers.remove(s);
            s.leaseDeadline = 0;
        }
        s.status = to;
        s.updatedAt = time;
        final RunRec run = s.run;
        run.statusCounts[from.code()]--;
        run.statusCounts[to.code()]++;
        if (to.isPending())
        {
            run.finishedAt = 0;
        }
        else if (from.isPending() && run.pending() == 0)
        {
            run.finishedAt = time;
            finishing.add(run, time);
        }
        if (run.version.hasUnites)
        {
            updateGroups(s, from, to);
        }
        listener.onTransition(s.id, run.runId, from, to, time, token);
    }

    private void updateGroups(final StateRec s, final Status from, final Status to)
    {
        final int pendingDelta = (to.isPending() ? 1 : 0) - (from != null && from.isPending() ? 1 : 0);
        final int blockingDelta = (to.blocksAllSuccess() ? 1 : 0) - (from != null && from.blocksAllSuccess() ? 1 : 0);
        final GraphVersion v = s.run.version;
        for (Lineage l = s.lineage; l != null; l = l.prev)
        {
            if (v.unitesOf[l.nodeIdx].length == 0)
            {
                continue;
            }
            final StateRec t = l.state;
            UniteGroup g = t.uniteGroup;
            if (g == null)
            {
                g = new UniteGroup();
                t.uniteGroup = g;
            }
            g.pending += pendingDelta;
            g.blocking += blockingDelta;
            if (!to.isPending() && !g.dirty)
            {
                g.dirty = true;
                dirtyGroups.add(t);
            }
        }
    }

    private void processDirtyGroups()
    {
        for (int i = 0; i < dirtyGroups.size(); i++)
        {
            final StateRec t = dirtyGroups.get(i);
            final UniteGroup g = t.uniteGroup;
            g.dirty = false;
            final GraphVersion v = t.run.version;
            final int[] unites = v.unitesOf[t.nodeIdx];
            // Decide every unite node of this instance before creating any: a unite state is itself a descendant of
            // T, so creating the first would count against the others that the same event satisfied.
            long satisfied = 0;
            for (int k = 0; k < unites.length; k++)
            {
                final long bit = 1L << k;
                if ((g.createdMask & bit) == 0 &&
                    (v.uniteStrategy[unites[k]] == io.exostate.core.model.UniteStrategy.ALL_DONE ?
                        g.pending == 0 : g.blocking == 0))
                {
                    satisfied |= bit;
                }
            }
            g.createdMask |= satisfied;
            for (int k = 0; k < unites.length; k++)
            {
                if ((satisfied & (1L << k)) != 0)
                {
                    createUnite(t, unites[k]);
                }
            }
        }
        dirtyGroups.clear();
    }

    /**
     * Creates unite node {@code u} for target instance {@code t}: its parents are T's lineage plus T, and its
     * placeholders resolve against T's outputs (SPEC §5.1 step 6). When its inputs cannot be resolved (an output
     * field the runtime did not send, a store key with no value) the state is created ERRORED with the message,
     * so the failure is visible on the run instead of silently blocking it.
     */
    private void createUnite(final StateRec t, final int u)
    {
        final RunRec run = t.run;
        final GraphVersion v = run.version;
        final GraphVersion.ChildPlan plan = childPlan(v, u);
        byte[] in = null;
        String error = plan.error;
        if (error == null)
        {
            in = resolveInputs(plan, v, u, run, t.nodeIdx, t.outputs, t.lineage);
            error = in == null ? resolveError : null;
        }
        final StateRec us = newState(run, u, t.childLineage(), in == null ? Payloads.EMPTY_MAP : in, time,
            error == null ? Status.CREATED : Status.ERRORED);
        us.fanoutSeq = nextFanoutSeq++;
        us.doesUnites = true;
        if (error == null)
        {
            enqueue(us);
        }
        else
        {
            us.error = error;
        }
    }

    private void enqueue(final StateRec s)
    {
        final ClaimQueue q = queueOf(s);
        q.add(s);
        if (s.enqueueAfter <= time)
        {
            notifyReady(q);
        }
        else
        {
            readyTimers.add(s.enqueueAfter, TimerQueue.READY, s.id, s);
        }
    }

    private void notifyReady(final ClaimQueue q)
    {
        if (q.notifiedAt != commandSeq)
        {
            q.notifiedAt = commandSeq;
            listener.onWorkReady(q.namespace, q.nodeName);
        }
    }

    private ClaimQueue queueOf(final StateRec s)
    {
        return namespace(s.namespace()).queue(s.nodeName());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Input resolution (SPEC §3.2)
    // ------------------------------------------------------------------------------------------------------------

    /**
     * The child plan of node {@code child}: its registered input fields, each with its template input. Rebuilt when
     * the registration changed since the plan was made.
     */
    private GraphVersion.ChildPlan childPlan(final GraphVersion v, final int child)
    {
        final RegisteredNodeRec reg = registeredNode(v.namespaces[child], v.nodeNames[child]);
        final GraphVersion.ChildPlan cached = v.childPlans[child];
        if (cached != null && cached.registration == reg && (reg == null || cached.revision == reg.revision))
        {
            return cached;
        }
        final GraphVersion.ChildPlan plan;
        if (reg == null)
        {
            plan = new GraphVersion.ChildPlan(null, 0, "Registered node not found for node name: " + v.nodeNames[child] +
                " and namespace: " + v.namespaces[child], null);
        }
        else
        {
            final List<SchemaField> fields = reg.registration.inputs();
            final CompiledInput[] ins = new CompiledInput[fields.size()];
            String error = null;
            for (int i = 0; i < fields.size(); i++)
            {
                final CompiledInput in = v.input(child, fields.get(i).name());
                if (in == null)
                {
                    error = "Field '" + fields.get(i).name() + "' not found in inputs for template '" +
                        v.identifiers[child] + "'";
                    break;
                }
                ins[i] = in;
            }
            plan = new GraphVersion.ChildPlan(reg, reg.revision, error, error == null ? ins : null);
        }
        v.childPlans[child] = plan;
        return plan;
    }

    /**
     * Resolves the inputs of a child of {@code parentIdx} (the node that just executed, whose outputs are
     * {@code parentOutputs} and lineage {@code lineage}). Returns the encoded map, or null with
     * {@link #resolveError} set.
     */
    private byte[] resolveInputs(
        final GraphVersion.ChildPlan plan,
        final GraphVersion v,
        final int child,
        final RunRec run,
        final int parentIdx,
        final byte[] parentOutputs,
        final Lineage lineage)
    {
        final ExpandableArrayBuffer buf = scratch;
        final CompiledInput[] fields = plan.fields;
        buf.putInt(0, fields.length, LE);
        int pos = 4;
        for (final CompiledInput in : fields)
        {
            pos += putUtf8(buf, pos, in.keyUtf8);
            buf.putByte(pos++, Payloads.KIND_STRING);
            final int lenAt = pos;
            pos += 4;
            buf.putBytes(pos, in.headUtf8);
            pos += in.headUtf8.length;
            for (int p = 0; p < in.partCount(); p++)
            {
                final int node = in.partNode[p];
                final byte[] source;
                final int at;
                if (node == CompiledInput.STORE)
                {
                    final int found = Payloads.find(run.store, in.partFieldUtf8[p]);
                    if (found >= 0)
                    {
                        source = run.store;
                        at = found;
                    }
                    else
                    {
                        final byte[] def = v.storeDefaultsUtf8.get(in.partField[p]);
                        if (def == null)
                        {
                            resolveError = "Store value not found for field '" + in.partField[p] + "' in namespace '" +
                                run.namespace + "' and graph '" + v.graph.name + "'";
                            return null;
                        }
                        buf.putBytes(pos, def);
                        pos += def.length;
                        source = null;
                        at = -1;
                    }
                }
                else if (node == parentIdx)
                {
                    at = Payloads.find(parentOutputs, in.partFieldUtf8[p]);
                    if (at < 0)
                    {
                        resolveError = "Output field '" + in.partField[p] + "' not found on current state '" +
                            v.identifiers[parentIdx] + "' for template '" + v.identifiers[child] + "'";
                        return null;
                    }
                    source = parentOutputs;
                }
                else
                {
                    final StateRec ancestor = node < 0 ? null : Lineage.find(lineage, node);
                    if (ancestor == null)
                    {
                        resolveError = "Identifier '" + in.partIdentifier[p] + "' not found in parents for template '" +
                            v.identifiers[child] + "'";
                        return null;
                    }
                    at = Payloads.find(ancestor.outputs, in.partFieldUtf8[p]);
                    if (at < 0)
                    {
                        resolveError = "Output field '" + in.partField[p] + "' not found on state '" +
                            in.partIdentifier[p] + "' for template '" + v.identifiers[child] + "'";
                        return null;
                    }
                    source = ancestor.outputs;
                }
                if (source != null)
                {
                    if (source[at - 1] != Payloads.KIND_STRING)
                    {
                        resolveError = "Output field '" + in.partField[p] + "' of '" + in.partIdentifier[p] +
                            "' is not a string, so it cannot be placed in template '" + v.identifiers[child] + "'";
                        return null;
                    }
                    final int vl = Payloads.getInt(source, at);
                    buf.putBytes(pos, source, at + 4, vl);
                    pos += vl;
                }
                buf.putBytes(pos, in.tailUtf8[p]);
                pos += in.tailUtf8[p].length;
            }
            buf.putInt(lenAt, pos - lenAt - 4, LE);
        }
        final byte[] out = new byte[pos];
        buf.getBytes(0, out);
        return out;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------------------------

    private StateRec lookup(final String namespace, final long stateId)
    {
        final StateRec s = stateId > 0 ? states.get(stateId) : null;
        return s == null || !s.namespace().equals(namespace) ? null : s;
    }

    private static Rejection stateNotFound()
    {
        return new Rejection(RejectCode.STATE_NOT_FOUND, "State not found");
    }

    private static boolean isRepeat(final StateRec s, final long token, final byte kind)
    {
        return token != NO_TOKEN && s.lastReportToken == token && s.lastReportKind == kind;
    }

    private static void recordReport(final StateRec s, final long token, final byte kind, final long value)
    {
        s.lastReportToken = token;
        s.lastReportKind = kind;
        s.lastReportValue = value;
    }

    private static Rejection checkQueued(final StateRec s, final long token, final String notQueued)
    {
        // A token that is not the state's current claim is stale whatever the status (an expired lease leaves the
        // state CREATED): the runtime must learn that its claim is gone, not that it sent a wrong request.
        if (token != NO_TOKEN && token != s.claimToken)
        {
            return staleToken(s, token);
        }
        if (s.status != Status.QUEUED)
        {
            return new Rejection(RejectCode.WRONG_STATUS, notQueued);
        }
        return null;
    }

    private static Rejection staleToken(final StateRec s, final long token)
    {
        return new Rejection(RejectCode.STALE_TOKEN, "Expected the claim token of state " + Ids.stateId(s.id) +
            (s.status == Status.QUEUED ? " (" + s.claimToken + ")" : " (none: the state is " + s.status + ")") +
            ", but got " + token);
    }

    private boolean retryExists(final StateRec s, final int attempt)
    {
        // Only a manual retry can reuse a fanout id, so only then can the (fanout, retry count) key collide.
        if (!s.run.hasManualRetry)
        {
            return false;
        }
        final String fanout = s.fanoutId();
        for (final StateRec x : s.run.states)
        {
            if (x.nodeIdx == s.nodeIdx && x.retryCount == attempt && fanout.equals(x.fanoutId()))
            {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Read side
    // ------------------------------------------------------------------------------------------------------------

    /** Route #2: the distinct non-empty namespaces of registered nodes, sorted. */
    public List<String> namespaces()
    {
        final List<String> out = new ArrayList<>();
        for (final NamespaceRec ns : namespaces.values())
        {
            if (!ns.name.isEmpty() && !ns.nodes.isEmpty())
            {
                out.add(ns.name);
            }
        }
        return out;
    }

    /** Route #4. */
    public List<Views.RegisteredNode> registeredNodes(final String namespace)
    {
        final NamespaceRec ns = namespaces.get(namespace);
        final List<Views.RegisteredNode> out = new ArrayList<>();
        if (ns != null)
        {
            for (final RegisteredNodeRec r : ns.nodes.values())
            {
                out.add(new Views.RegisteredNode(Ids.stateId(r.id), r.createdAt, r.updatedAt, r.namespace,
                    r.runtimeName, r.registration));
            }
        }
        return out;
    }

    /** Route #6: the graph, or null when it does not exist. */
    public Views.Graph graph(final String namespace, final String name)
    {
        final NamespaceRec ns = namespaces.get(namespace);
        final GraphRec g = ns == null ? null : ns.graphs.get(name);
        return g == null ? null : graphView(g);
    }

    /** Route #7. */
    public List<Views.Graph> graphs(final String namespace)
    {
        final NamespaceRec ns = namespaces.get(namespace);
        final List<Views.Graph> out = new ArrayList<>();
        if (ns != null)
        {
            for (final GraphRec g : ns.graphs.values())
            {
                out.add(graphView(g));
            }
        }
        return out;
    }

    private static Views.Graph graphView(final GraphRec g)
    {
        final GraphVersion v = g.current;
        return new Views.Graph(g.namespace, g.name, Ids.stateId(g.id), v.number, v.spec.nodes(), v.spec.secrets(),
            v.spec.retryPolicy(), v.spec.storeConfig(), v.spec.triggers(), v.valid ? "VALID" : "INVALID", v.errors,
            g.createdAt, g.updatedAt);
    }

    /**
     * Route #16: runs of a namespace, newest first (creation order breaks ties). Page and size must be ≥ 1
     * (decision 1: 422 otherwise, returned as a rejection).
     */
    public Read<Views.RunsPage> runs(final String namespace, final int page, final int size)
    {
        if (page < 1 || size < 1)
        {
            return Read.rejected(new Rejection(RejectCode.INVALID_REQUEST,
                (page < 1 ? "page" : "size") + ": Input should be greater than or equal to 1"));
        }
        final NamespaceRec ns = namespaces.get(namespace);
        final List<Views.RunSummary> out = new ArrayList<>();
        long total = 0;
        if (ns != null)
        {
            total = ns.runs.size();
            final long skip = (long)(page - 1) * size;
            for (long i = ns.runs.size() - 1 - skip; i >= 0 && out.size() < size; i--)
            {
                final RunRec r = ns.runs.get((int)i);
                final int[] c = r.statusCounts;
                out.add(new Views.RunSummary(r.runId, r.version.graph.name,
                    c[Status.SUCCESS.code()] + c[Status.PRUNED.code()], r.pending(), r.errored(),
                    c[Status.RETRY_CREATED.code()], r.stateCount(), r.status(), r.createdAt));
            }
        }
        return Read.of(new Views.RunsPage(namespace, total, page, size, out));
    }

    /** Route #17: the graph structure of a run (empty when the run is unknown in this namespace). */
    public Views.RunGraph runGraph(final String namespace, final String runId)
    {
        final RunRec run = runs.get(runId);
        final List<Views.GraphNode> roots = new ArrayList<>();
        final List<Views.GraphNode> nodes = new ArrayList<>();
        final List<Views.Edge> edges = new ArrayList<>();
        final Map<Status, Integer> summary = new java.util.EnumMap<>(Status.class);
        for (final Status st : Status.values())
        {
            summary.put(st, 0);
        }
        String graphName = "";
        if (run != null && run.retired && run.namespace.equals(namespace))
        {
            // Retired (decision 13): its states left the heap; the counts remain. Their history is in the journal.
            graphName = run.version.graph.name;
            for (final Status st : Status.values())
            {
                summary.put(st, run.statusCounts[st.code()]);
            }
        }
        else if (run != null)
        {
            for (final StateRec s : run.states)
            {
                if (!s.namespace().equals(namespace))
                {
                    continue;
                }
                graphName = run.version.graph.name;
                final Views.GraphNode n = new Views.GraphNode(Ids.stateId(s.id), s.nodeName(), s.identifier(), s.status,
                    s.error);
                nodes.add(n);
                summary.merge(s.status, 1, Integer::sum);
                if (s.lineage == null)
                {
                    roots.add(n);
                }
                else if (s.lineage.state.namespace().equals(namespace))
                {
                    edges.add(new Views.Edge(Ids.stateId(s.lineage.state.id), Ids.stateId(s.id)));
                }
            }
        }
        return new Views.RunGraph(roots, graphName, nodes, edges, summary);
    }

    /** Route #18. */
    public Read<Views.NodeDetails> nodeDetails(
        final String namespace, final String graphName, final String runId, final String nodeId)
    {
        final long id = Ids.parseStateId(nodeId);
        if (id < 0)
        {
            return Read.rejected(new Rejection(RejectCode.INVALID_NODE_ID, "Invalid node ID format: " + nodeId));
        }
        final StateRec s = id == 0 ? null : states.get(id);
        if (s == null || !s.namespace().equals(namespace) || !s.run.runId.equals(runId) ||
            !s.run.version.graph.name.equals(graphName))
        {
            final RunRec run = runs.get(runId);
            final String retired = run != null && run.retired && run.namespace.equals(namespace) ?
                " (the run finished more than " +
                config.runRetentionMs() / 1000 + " s ago and its states left memory; the journal keeps its history)" :
                "";
            return Read.rejected(new Rejection(RejectCode.NODE_NOT_FOUND,
                "Node " + nodeId + " not found in run " + runId + " for graph " + graphName + retired));
        }
        return Read.of(details(s));
    }

    /** A state's full view by id, or null (tests and tools). */
    public Views.NodeDetails state(final long stateId)
    {
        final StateRec s = states.get(stateId);
        return s == null ? null : details(s);
    }

    /** The ids of a run's states in creation order (tests and tools); empty when unknown. */
    public long[] runStateIds(final String runId)
    {
        final RunRec run = runs.get(runId);
        if (run == null)
        {
            return new long[0];
        }
        final long[] ids = new long[run.states.size()];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = run.states.get(i).id;
        }
        return ids;
    }

    private static Views.NodeDetails details(final StateRec s)
    {
        final java.util.LinkedHashMap<String, String> parents = new java.util.LinkedHashMap<>();
        final List<Lineage> chain = new ArrayList<>();
        for (Lineage l = s.lineage; l != null; l = l.prev)
        {
            chain.add(l);
        }
        final GraphVersion v = s.run.version;
        for (int i = chain.size() - 1; i >= 0; i--)
        {
            parents.put(v.identifiers[chain.get(i).nodeIdx], Ids.stateId(chain.get(i).state.id));
        }
        return new Views.NodeDetails(Ids.stateId(s.id), s.nodeName(), s.namespace(), s.identifier(), v.graph.name,
            s.run.runId, s.status, s.inputs, s.outputs == null ? Payloads.EMPTY_MAP : s.outputs, s.error, s.data,
            parents, s.retryCount, s.fanoutId(), s.manualFanoutId == null ? "" : s.manualFanoutId, s.doesUnites,
            s.enqueueAfter, s.createdAt, s.updatedAt);
    }

    /**
     * Route #15: the encrypted secrets of the state's graph as it is now (the edge decrypts them), or a 404
     * {@code State not found} rejection (decision 1). Secrets are the current ones, not those of the run's version:
     * a rotated secret must reach work already in flight, as in Exosphere.
     */
    public Read<Map<String, String>> stateSecrets(final String namespace, final long stateId)
    {
        final StateRec s = lookup(namespace, stateId);
        if (s == null)
        {
            return Read.rejected(stateNotFound());
        }
        return Read.of(s.run.version.graph.current.spec.secrets());
    }

    /** A read's result or its rejection. */
    public record Read<T>(Rejection rejection, T value)
    {
        static <T> Read<T> of(final T value)
        {
            return new Read<>(null, value);
        }

        static <T> Read<T> rejected(final Rejection rejection)
        {
            return new Read<>(rejection, null);
        }

        public boolean ok()
        {
            return rejection == null;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Snapshots
    // ------------------------------------------------------------------------------------------------------------

    /** Writes the complete engine state as versioned bytes (see {@link EngineSnapshot}). */
    public byte[] snapshot()
    {
        return EngineSnapshot.write(this);
    }

    /** Restores an engine from {@link #snapshot()} bytes. */
    public static Engine restore(final byte[] snapshot, final EngineConfig config)
    {
        return EngineSnapshot.read(snapshot, config);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    NamespaceRec namespace(final String name)
    {
        NamespaceRec ns = namespaces.get(name);
        if (ns == null)
        {
            ns = new NamespaceRec(name);
            namespaces.put(name, ns);
        }
        return ns;
    }

    private RegisteredNodeRec registeredNode(final String namespace, final String name)
    {
        final NamespaceRec ns = namespaces.get(namespace);
        return ns == null ? null : ns.nodes.get(name);
    }

    private NodeRegistration registration(final String namespace, final String name)
    {
        final RegisteredNodeRec r = registeredNode(namespace, name);
        return r == null ? null : r.registration;
    }

    private static boolean contains(final ClaimQueue[] qs, final int n, final ClaimQueue q)
    {
        for (int i = 0; i < n; i++)
        {
            if (qs[i] == q)
            {
                return true;
            }
        }
        return false;
    }

    private static int putUtf8(final ExpandableArrayBuffer buf, final int pos, final byte[] utf8)
    {
        buf.putInt(pos, utf8.length, LE);
        buf.putBytes(pos + 4, utf8);
        return 4 + utf8.length;
    }

    static long saturatingAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Renders names like a Python set literal: {@code {'a', 'b'}}. */
    static String pythonSet(final List<String> items)
    {
        final StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < items.size(); i++)
        {
            sb.append(i == 0 ? "" : ", ").append('\'').append(items.get(i)).append('\'');
        }
        return sb.append('}').toString();
    }
}
