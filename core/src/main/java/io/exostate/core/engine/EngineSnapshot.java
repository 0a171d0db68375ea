package io.exostate.core.engine;

import io.exostate.core.model.FieldKind;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.Status;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TriggerSpec;
import io.exostate.core.template.UnitesSpec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The engine's snapshot format: the complete state as little-endian bytes, in an order fixed by the data
 * (namespaces sorted, then insertion order everywhere), so two engines in the same state write identical bytes.
 * <p>
 * Derived structures are not written; restore rebuilds them: claim queues (from CREATED states, ordered by their
 * (enqueue_after, id) keys), lease timers (from QUEUED states with a lease), cron timers (from the entries' next
 * fire times), ready notifications, run status counts and lineages (a state's parents are its direct parent's
 * lineage plus that parent), and the finished runs awaiting retirement (by finish time, then creation order).
 *
 * <pre>
 *  magic "EXOS" | format version | time | counters (state id, claim token, fanout, entity, run, cron run)
 *  graph versions referenced (sorted by id): id, namespace, graph name, number, created at, errors, spec
 *  namespaces (sorted): name,
 *     registered nodes (insertion order), graphs (insertion order, with cron entries),
 *     runs (creation order): id, seq, graph version, created at, store (absent once retired), manual retry flag,
 *        finished at (0 while pending), retired flag (then its number of states and its 8 status counts),
 *        its states (creation order; none once retired)
 *  claim requests (oldest first): client id, request id, claimed at, (state id, claim token) per state handed out
 * </pre>
 */
final class EngineSnapshot
{
    private static final int MAGIC = 0x534F5845; // "EXOS" little-endian

    private EngineSnapshot()
    {
    }

    static byte[] write(final Engine e)
    {
        // About 140 bytes per state are written: sizing for 144 avoids regrowing (and copying) a buffer of 1 M states.
        final Out out = new Out((int)Math.min(1 << 30, 1024L + e.states.size() * 144L));
        out.putInt(MAGIC);
        out.putInt(Engine.SNAPSHOT_VERSION);
        out.putLong(e.time);
        out.putLong(e.nextStateId);
        out.putLong(e.nextClaimToken);
        out.putLong(e.nextFanoutSeq);
        out.putLong(e.nextEntityId);
        out.putLong(e.nextRunSeq);
        out.putLong(e.nextCronRun);

        final TreeMap<Long, GraphVersion> versions = new TreeMap<>();
        for (final NamespaceRec ns : e.namespaces.values())
        {
            for (final GraphRec g : ns.graphs.values())
            {
                versions.put(g.current.id, g.current);
            }
            for (final RunRec r : ns.runs)
            {
                versions.put(r.version.id, r.version);
            }
        }
        out.putInt(versions.size());
        for (final GraphVersion v : versions.values())
        {
            out.putLong(v.id);
            out.putString(v.graph.namespace);
            out.putString(v.graph.name);
            out.putInt(v.number);
            out.putLong(v.createdAt);
            out.putStrings(v.errors);
            writeSpec(out, v.spec);
        }

        out.putInt(e.namespaces.size());
        for (final NamespaceRec ns : e.namespaces.values())
        {
            out.putString(ns.name);
            out.putInt(ns.nodes.size());
            for (final RegisteredNodeRec r : ns.nodes.values())
            {
                out.putLong(r.id);
                out.putLong(r.createdAt);
                out.putLong(r.updatedAt);
                out.putString(r.runtimeName);
                out.putLong(r.revision);
                writeRegistration(out, r.registration);
            }
            out.putInt(ns.graphs.size());
            for (final GraphRec g : ns.graphs.values())
            {
                out.putLong(g.id);
                out.putString(g.name);
                out.putLong(g.createdAt);
                out.putLong(g.updatedAt);
                out.putInt(g.versionCount);
                out.putLong(g.current.id);
                out.putInt(g.cronEntries.size());
                for (final GraphRec.CronEntry c : g.cronEntries)
                {
                    out.putLong(c.id);
                    out.putLong(c.nextFire);
                    out.putLong(c.fired);
                    out.putLong(c.failed);
                }
            }
            out.putInt(ns.runs.size());
            for (final RunRec r : ns.runs)
            {
                out.putString(r.runId);
                out.putLong(r.seq);
                out.putLong(r.version.id);
                out.putLong(r.createdAt);
                out.putBytes(r.store);
                out.putByte(r.hasManualRetry ? 1 : 0);
                out.putLong(r.finishedAt);
                out.putByte(r.retired ? 1 : 0);
                if (r.retired)
                {
                    out.putInt(r.retiredStateCount);
                    for (final int count : r.statusCounts)
                    {
                        out.putInt(count);
                    }
                }
                out.putInt(r.states.size());
                for (final StateRec s : r.states)
                {
                    writeState(out, s);
                }
            }
        }

        out.putInt(e.claimRequests.size());
        for (ClaimRequests.Entry c = e.claimRequests.oldest(); c != null; c = c.next())
        {
            out.putLong(c.clientId);
            out.putLong(c.requestId);
            out.putLong(c.claimedAt);
            out.putInt(c.count());
            for (int i = 0; i < c.count(); i++)
            {
                out.putLong(c.stateId(i));
                out.putLong(c.token(i));
            }
        }
        return out.toBytes();
    }

    private static void writeState(final Out out, final StateRec s)
    {
        out.putLong(s.id);
        out.putInt(s.nodeIdx);
        out.putLong(s.lineage == null ? 0 : s.lineage.state.id);
        out.putLong(s.createdAt);
        out.putLong(s.updatedAt);
        out.putByte(s.status.code());
        out.putInt(s.retryCount);
        out.putLong(s.enqueueAfter);
        out.putLong(s.claimToken);
        out.putLong(s.leaseDeadline);
        out.putLong(s.fanoutSeq);
        out.putNullableString(s.manualFanoutId);
        out.putByte(s.doesUnites ? 1 : 0);
        out.putBytes(s.inputs);
        out.putBytes(s.outputs);
        out.putNullableString(s.error);
        out.putNullableString(s.data);
        out.putLong(s.lastReportToken);
        out.putByte(s.lastReportKind);
        out.putLong(s.lastReportValue);
        final UniteGroup g = s.uniteGroup;
        if (g == null)
        {
            out.putByte(0);
        }
        else
        {
            out.putByte(1);
            out.putInt(g.pending);
            out.putInt(g.blocking);
            out.putLong(g.createdMask);
        }
    }

    static Engine read(final byte[] bytes, final EngineConfig config)
    {
        final In in = new In(bytes);
        if (in.getInt() != MAGIC)
        {
            throw new IllegalArgumentException("not an ExoState engine snapshot (bad magic)");
        }
        final int version = in.getInt();
        if (version != Engine.SNAPSHOT_VERSION)
        {
            throw new IllegalArgumentException("unsupported snapshot version " + version + ", expected " +
                Engine.SNAPSHOT_VERSION);
        }
        final Engine e = new Engine(config);
        e.time = in.getLong();
        e.nextStateId = in.getLong();
        e.nextClaimToken = in.getLong();
        e.nextFanoutSeq = in.getLong();
        e.nextEntityId = in.getLong();
        e.nextRunSeq = in.getLong();
        e.nextCronRun = in.getLong();

        final Map<String, GraphRec> graphsByKey = new LinkedHashMap<>();
        final Map<Long, Object[]> pendingVersions = new LinkedHashMap<>();
        final List<RunRec> finished = new ArrayList<>();
        final int versionCount = in.getInt();
        for (int i = 0; i < versionCount; i++)
        {
            final long id = in.getLong();
            final String ns = in.getString();
            final String graph = in.getString();
            final int number = in.getInt();
            final long createdAt = in.getLong();
            final List<String> errors = in.getStrings();
            final GraphSpec spec = readSpec(in);
            pendingVersions.put(id, new Object[]{ns, graph, number, createdAt, errors, spec});
        }

        // Graph records come later in the stream; versions link to them by (namespace, name).
        final Map<Long, GraphVersion> versions = new LinkedHashMap<>();
        final int nsCount = in.getInt();
        final List<Object[]> runsToRead = new ArrayList<>();
        for (int n = 0; n < nsCount; n++)
        {
            final NamespaceRec ns = e.namespace(in.getString());
            final int nodeCount = in.getInt();
            for (int i = 0; i < nodeCount; i++)
            {
                final long id = in.getLong();
                final long createdAt = in.getLong();
                final long updatedAt = in.getLong();
                final String runtimeName = in.getString();
                final long revision = in.getLong();
                final NodeRegistration reg = readRegistration(in);
                final RegisteredNodeRec r = new RegisteredNodeRec(id, ns.name, reg.name(), createdAt);
                r.updatedAt = updatedAt;
                r.runtimeName = runtimeName;
                r.revision = revision;
                r.registration = reg;
                ns.nodes.put(reg.name(), r);
            }
            final int graphCount = in.getInt();
            for (int i = 0; i < graphCount; i++)
            {
                final long id = in.getLong();
                final String name = in.getString();
                final GraphRec g = new GraphRec(id, ns.name, name, in.getLong());
                g.updatedAt = in.getLong();
                g.versionCount = in.getInt();
                final long currentId = in.getLong();
                graphsByKey.put(ns.name + '\0' + name, g);
                ns.graphs.put(name, g);
                g.current = version(versions, pendingVersions, graphsByKey, currentId);
                final int cronCount = in.getInt();
                for (int c = 0; c < cronCount; c++)
                {
                    final GraphRec.CronEntry entry = new GraphRec.CronEntry(
                        in.getLong(), g, g.current.crons.get(c), in.getLong());
                    entry.fired = in.getLong();
                    entry.failed = in.getLong();
                    g.cronEntries.add(entry);
                    if (entry.nextFire != Long.MAX_VALUE)
                    {
                        e.timers.add(entry.nextFire, TimerQueue.CRON, entry.id, entry);
                    }
                }
            }
            final int runCount = in.getInt();
            for (int i = 0; i < runCount; i++)
            {
                final String runId = in.getString();
                final long seq = in.getLong();
                final GraphVersion v = version(versions, pendingVersions, graphsByKey, in.getLong());
                final long createdAt = in.getLong();
                final byte[] store = in.getBytes();
                final RunRec run = new RunRec(runId, seq, ns.name, v, createdAt, store);
                run.hasManualRetry = in.getByte() == 1;
                run.finishedAt = in.getLong();
                run.retired = in.getByte() == 1;
                if (run.retired)
                {
                    run.retiredStateCount = in.getInt();
                    for (int k = 0; k < run.statusCounts.length; k++)
                    {
                        run.statusCounts[k] = in.getInt();
                    }
                }
                e.runs.put(runId, run);
                ns.runs.add(run);
                final int stateCount = in.getInt();
                for (int k = 0; k < stateCount; k++)
                {
                    readState(in, e, run);
                }
                if (!run.retired && run.finishedAt != 0)
                {
                    finished.add(run);
                }
            }
        }
        // Entries with the same finish time retire together, so the order among them does not matter.
        finished.sort((a, b) -> a.finishedAt != b.finishedAt ? Long.compare(a.finishedAt, b.finishedAt) :
            Long.compare(a.seq, b.seq));
        for (final RunRec r : finished)
        {
            e.finishing.add(r, r.finishedAt);
        }
        readClaimRequests(in, e);
        if (in.remaining() != 0)
        {
            throw new IllegalArgumentException("snapshot has " + in.remaining() + " trailing bytes");
        }
        return e;
    }

    private static void readClaimRequests(final In in, final Engine e)
    {
        final int clients = in.getInt();
        long previousAt = Long.MIN_VALUE;
        for (int i = 0; i < clients; i++)
        {
            final long clientId = in.getLong();
            final long requestId = in.getLong();
            final long claimedAt = in.getLong();
            if (clientId == Commands.NO_CLIENT || requestId <= 0 || claimedAt < previousAt ||
                e.claimRequests.get(clientId) != null)
            {
                throw new IllegalArgumentException("snapshot has a bad claim request entry #" + i + ": client " +
                    clientId + ", request " + requestId + ", claimed at " + claimedAt);
            }
            previousAt = claimedAt;
            final ClaimRequests.Entry entry = e.claimRequests.record(clientId, requestId, claimedAt);
            final int count = in.getInt();
            in.need((long)count * 16);
            for (int k = 0; k < count; k++)
            {
                entry.add(in.getLong(), in.getLong());
            }
        }
    }

    private static GraphVersion version(
        final Map<Long, GraphVersion> versions,
        final Map<Long, Object[]> pending,
        final Map<String, GraphRec> graphs,
        final long id)
    {
        GraphVersion v = versions.get(id);
        if (v == null)
        {
            final Object[] p = pending.get(id);
            if (p == null)
            {
                throw new IllegalArgumentException("snapshot references unknown graph version " + id);
            }
            final GraphRec g = graphs.get(p[0] + "\0" + p[1]);
            if (g == null)
            {
                throw new IllegalArgumentException("graph version " + id + " names unknown graph " + p[1]);
            }
            @SuppressWarnings("unchecked") final List<String> errors = (List<String>)p[4];
            v = new GraphVersion(id, g, (Integer)p[2], (GraphSpec)p[5], errors, (Long)p[3]);
            versions.put(id, v);
        }
        return v;
    }

    private static void readState(final In in, final Engine e, final RunRec run)
    {
        final long id = in.getLong();
        final int nodeIdx = in.getInt();
        final long parentId = in.getLong();
        Lineage lineage = null;
        if (parentId != 0)
        {
            final StateRec parent = e.states.get(parentId);
            if (parent == null)
            {
                throw new IllegalArgumentException("state " + id + " names unknown parent " + parentId);
            }
            lineage = parent.childLineage();
        }
        final StateRec s = new StateRec(id, run, nodeIdx, in.getLong(), lineage);
        s.updatedAt = in.getLong();
        s.status = Status.fromCode(in.getByte());
        s.retryCount = in.getInt();
        s.enqueueAfter = in.getLong();
        s.claimToken = in.getLong();
        s.leaseDeadline = in.getLong();
        s.fanoutSeq = in.getLong();
        s.manualFanoutId = in.getNullableString();
        s.doesUnites = in.getByte() == 1;
        s.inputs = in.getBytes();
        s.outputs = in.getBytes();
        s.error = in.getNullableString();
        s.data = in.getNullableString();
        s.lastReportToken = in.getLong();
        s.lastReportKind = in.getByte();
        s.lastReportValue = in.getLong();
        if (in.getByte() == 1)
        {
            final UniteGroup g = new UniteGroup();
            g.pending = in.getInt();
            g.blocking = in.getInt();
            g.createdMask = in.getLong();
            s.uniteGroup = g;
        }
        e.states.put(id, s);
        run.states.add(s);
        run.statusCounts[s.status.code()]++;
        if (s.status == Status.CREATED)
        {
            e.namespace(s.namespace()).queue(s.nodeName()).add(s);
            if (s.enqueueAfter > e.time)
            {
                e.readyTimers.add(s.enqueueAfter, TimerQueue.READY, s.id, s);
            }
        }
        else if (s.status == Status.QUEUED && s.leaseDeadline != 0)
        {
            e.timers.add(s.leaseDeadline, TimerQueue.LEASE, s.id, s);
        }
    }

    private static void writeRegistration(final Out out, final NodeRegistration r)
    {
        out.putString(r.name());
        writeFields(out, r.inputs());
        writeFields(out, r.outputs());
        out.putStrings(r.secrets());
        out.putString(r.inputsSchemaJson());
        out.putString(r.outputsSchemaJson());
    }

    private static NodeRegistration readRegistration(final In in)
    {
        final String name = in.getString();
        final List<SchemaField> inputs = readFields(in);
        final List<SchemaField> outputs = readFields(in);
        final List<String> secrets = in.getStrings();
        return new NodeRegistration(name, inputs, outputs, secrets, in.getString(), in.getString());
    }

    private static void writeFields(final Out out, final List<SchemaField> fields)
    {
        out.putInt(fields.size());
        for (final SchemaField f : fields)
        {
            out.putString(f.name());
            out.putByte(f.kind().ordinal());
        }
    }

    private static List<SchemaField> readFields(final In in)
    {
        final int n = in.getInt();
        final List<SchemaField> fields = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            fields.add(new SchemaField(in.getString(), FieldKind.fromCode(in.getByte())));
        }
        return fields;
    }

    private static void writeSpec(final Out out, final GraphSpec spec)
    {
        out.putString(spec.namespace());
        out.putString(spec.name());
        out.putInt(spec.nodes().size());
        for (final NodeTemplateSpec n : spec.nodes())
        {
            out.putString(n.nodeName());
            out.putString(n.namespace());
            out.putString(n.identifier());
            out.putInt(n.inputs().size());
            for (final TemplateInput in : n.inputs())
            {
                out.putString(in.key());
                out.putString(in.value());
                out.putByte(in.isString() ? 1 : 0);
            }
            if (n.nextNodes() == null)
            {
                out.putByte(0);
            }
            else
            {
                out.putByte(1);
                out.putStrings(n.nextNodes());
            }
            if (n.unites() == null)
            {
                out.putByte(0);
            }
            else
            {
                out.putByte(1);
                out.putString(n.unites().identifier());
                out.putByte(n.unites().strategy().ordinal());
            }
        }
        out.putInt(spec.secrets().size());
        for (final Map.Entry<String, String> s : spec.secrets().entrySet())
        {
            out.putString(s.getKey());
            out.putString(s.getValue());
        }
        final RetryPolicySpec rp = spec.retryPolicy();
        out.putLong(rp.maxRetries());
        out.putByte(rp.strategy().ordinal());
        out.putLong(rp.backoffFactor());
        out.putLong(rp.exponent());
        out.putByte(rp.maxDelay() == null ? 0 : 1);
        out.putLong(rp.maxDelay() == null ? 0 : rp.maxDelay());
        out.putStrings(spec.storeConfig().requiredKeys());
        out.putInt(spec.storeConfig().defaultValues().size());
        for (final Map.Entry<String, String> d : spec.storeConfig().defaultValues().entrySet())
        {
            out.putString(d.getKey());
            out.putString(d.getValue());
        }
        out.putInt(spec.triggers().size());
        for (final TriggerSpec t : spec.triggers())
        {
            out.putString(t.type());
            out.putString(t.expression());
        }
    }

    private static GraphSpec readSpec(final In in)
    {
        final String namespace = in.getString();
        final String name = in.getString();
        final int nodeCount = in.getInt();
        final List<NodeTemplateSpec> nodes = new ArrayList<>(nodeCount);
        for (int i = 0; i < nodeCount; i++)
        {
            final String nodeName = in.getString();
            final String ns = in.getString();
            final String identifier = in.getString();
            final int inputCount = in.getInt();
            final List<TemplateInput> inputs = new ArrayList<>(inputCount);
            for (int k = 0; k < inputCount; k++)
            {
                inputs.add(new TemplateInput(in.getString(), in.getString(), in.getByte() == 1));
            }
            final List<String> next = in.getByte() == 1 ? in.getStrings() : null;
            final UnitesSpec unites = in.getByte() == 1 ?
                new UnitesSpec(in.getString(), UniteStrategy.fromCode(in.getByte())) : null;
            nodes.add(new NodeTemplateSpec(nodeName, ns, identifier, inputs, next, unites));
        }
        final Map<String, String> secrets = new LinkedHashMap<>();
        final int secretCount = in.getInt();
        for (int i = 0; i < secretCount; i++)
        {
            secrets.put(in.getString(), in.getString());
        }
        final long maxRetries = in.getLong();
        final RetryStrategy strategy = RetryStrategy.fromCode(in.getByte());
        final long backoff = in.getLong();
        final long exponent = in.getLong();
        final boolean hasMaxDelay = in.getByte() == 1;
        final long maxDelay = in.getLong();
        final RetryPolicySpec rp = new RetryPolicySpec(maxRetries, strategy, backoff, exponent,
            hasMaxDelay ? maxDelay : null);
        final List<String> required = in.getStrings();
        final Map<String, String> defaults = new LinkedHashMap<>();
        final int defaultCount = in.getInt();
        for (int i = 0; i < defaultCount; i++)
        {
            defaults.put(in.getString(), in.getString());
        }
        final int triggerCount = in.getInt();
        final List<TriggerSpec> triggers = new ArrayList<>(triggerCount);
        for (int i = 0; i < triggerCount; i++)
        {
            triggers.add(new TriggerSpec(in.getString(), in.getString()));
        }
        return new GraphSpec(namespace, name, nodes, secrets, rp, new StoreConfigSpec(required, defaults), triggers);
    }

    /** A growable little-endian writer. */
    private static final class Out
    {
        private final ExpandableArrayBuffer buf;
        private int pos;

        Out(final int initialCapacity)
        {
            buf = new ExpandableArrayBuffer(Math.max(64, initialCapacity));
        }

        void putByte(final int v)
        {
            buf.putByte(pos, (byte)v);
            pos += 1;
        }

        void putInt(final int v)
        {
            buf.putInt(pos, v, java.nio.ByteOrder.LITTLE_ENDIAN);
            pos += 4;
        }

        void putLong(final long v)
        {
            buf.putLong(pos, v, java.nio.ByteOrder.LITTLE_ENDIAN);
            pos += 8;
        }

        void putString(final String s)
        {
            final int len = buf.putStringWithoutLengthUtf8(pos + 4, s);
            putInt(len);
            pos += len;
        }

        void putNullableString(final String s)
        {
            if (s == null)
            {
                putInt(-1);
            }
            else
            {
                putString(s);
            }
        }

        void putStrings(final List<String> list)
        {
            putInt(list.size());
            for (final String s : list)
            {
                putString(s);
            }
        }

        void putBytes(final byte[] b)
        {
            if (b == null)
            {
                putInt(-1);
                return;
            }
            putInt(b.length);
            buf.putBytes(pos, b);
            pos += b.length;
        }

        byte[] toBytes()
        {
            final byte[] out = new byte[pos];
            buf.getBytes(0, out);
            return out;
        }
    }

    /** The matching reader: every read is bounds-checked, so corrupt bytes fail with an exception, not garbage. */
    private static final class In
    {
        private final UnsafeBuffer buf;
        private final int limit;
        private int pos;

        In(final byte[] bytes)
        {
            buf = new UnsafeBuffer(bytes);
            limit = bytes.length;
        }

        private void need(final long n)
        {
            if (n < 0 || pos + n > limit)
            {
                throw new IllegalArgumentException("snapshot truncated at " + pos + " (need " + n + " bytes)");
            }
        }

        int remaining()
        {
            return limit - pos;
        }

        byte getByte()
        {
            need(1);
            return buf.getByte(pos++);
        }

        int getInt()
        {
            need(4);
            final int v = buf.getInt(pos, java.nio.ByteOrder.LITTLE_ENDIAN);
            pos += 4;
            return v;
        }

        long getLong()
        {
            need(8);
            final long v = buf.getLong(pos, java.nio.ByteOrder.LITTLE_ENDIAN);
            pos += 8;
            return v;
        }

        String getString()
        {
            final int len = getInt();
            need(len);
            final String s = buf.getStringWithoutLengthUtf8(pos, len);
            pos += len;
            return s;
        }

        String getNullableString()
        {
            need(4);
            if (buf.getInt(pos, java.nio.ByteOrder.LITTLE_ENDIAN) == -1)
            {
                pos += 4;
                return null;
            }
            return getString();
        }

        List<String> getStrings()
        {
            final int n = getInt();
            need(n);
            final List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                list.add(getString());
            }
            return list;
        }

        byte[] getBytes()
        {
            final int len = getInt();
            if (len == -1)
            {
                return null;
            }
            need(len);
            final byte[] b = new byte[len];
            buf.getBytes(pos, b);
            pos += len;
            return b;
        }
    }
}
