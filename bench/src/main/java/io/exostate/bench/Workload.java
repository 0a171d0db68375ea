package io.exostate.bench;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Engine;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Replies;
import io.exostate.core.model.FieldKind;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.SchemaField;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the engines the benchmarks measure, through the engine's public commands only, with an explicit clock.
 * Cold path: everything here allocates freely and runs in {@code @Setup} methods, never in a measured op.
 * <p>
 * The main workload is the <b>leaf pool</b>: graph {@code fanout} has a root node {@code root} whose
 * {@code next_nodes} are 100 leaf nodes {@code leaf-00 .. leaf-99}, each a distinct registered node name with one
 * input {@code item = ${{ root.outputs.item }}}. One run, once its root is claimed and executed with one output,
 * holds 100 CREATED leaf states, one per node name, so {@code n} runs give {@code 100 n} ready states spread evenly
 * over the 100 node names, at one run (and one SUCCESS root state) per 100 leaves.
 */
final class Workload
{
    static final String NS = "bench";
    static final int NODE_NAMES = 100;
    /** The start of the benchmark clock (epoch ms); every command advances it. */
    static final long T0 = 1_700_000_000_000L;

    final Engine engine = new Engine();
    long now = T0;
    private long runSeq;

    /** Registers {@code name} with string inputs and outputs. */
    void register(final String name, final List<String> inputs, final List<String> outputs)
    {
        final Replies.Register r = engine.registerNodes(++now, NS, "bench-runtime",
            List.of(new NodeRegistration(name, fields(inputs), fields(outputs), List.of(), "{}", "{}")));
        check(r.ok(), r);
    }

    void upsert(final String graphName, final List<NodeTemplateSpec> nodes)
    {
        final GraphSpec spec = new GraphSpec(NS, graphName, nodes, Map.of(), RetryPolicySpec.DEFAULT,
            StoreConfigSpec.DEFAULT, List.of());
        final Replies.Upsert r = engine.upsertGraph(++now, spec);
        check(r.ok() && r.graph().validationErrors().isEmpty(), r);
    }

    static NodeTemplateSpec node(
        final String identifier, final String nodeName, final Map<String, String> inputs, final List<String> next)
    {
        final List<TemplateInput> ins = new ArrayList<>();
        inputs.forEach((k, v) -> ins.add(TemplateInput.of(k, v)));
        return new NodeTemplateSpec(nodeName, NS, identifier, ins, next.isEmpty() ? null : next, null);
    }

    /** Triggers one run of {@code graphName}; returns the root state id. */
    long trigger(final String graphName, final Map<String, String> store)
    {
        final Replies.Trigger r = engine.trigger(++now, NS, graphName, "run-" + (++runSeq), Map.of(), store, 0);
        check(r.ok(), r);
        return r.rootStateId();
    }

    /**
     * Claims every ready state of {@code nodeName} (no lease) and reports each executed with {@code outputs}
     * (an encoded output list). Returns how many states were executed.
     */
    int claimAndExecuteAll(final String nodeName, final byte[] outputs)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(outputs);
        final String[] names = {nodeName};
        final List<long[]> claimed = new ArrayList<>();
        int total = 0;
        while (true)
        {
            claimed.clear();
            final ClaimReply c = engine.claim(++now, NS, names, 1, 4096, 0);
            check(c.ok(), c);
            for (int i = 0; i < c.count(); i++)
            {
                claimed.add(new long[]{c.stateId(i), c.claimToken(i)});
            }
            if (claimed.isEmpty())
            {
                return total;
            }
            for (final long[] idToken : claimed)
            {
                final Replies.Executed r = engine.executed(++now, NS, idToken[0], idToken[1], buffer, 0, outputs.length);
                check(r.ok(), r);
            }
            total += claimed.size();
        }
    }

    /**
     * Claims up to {@code max} ready states of {@code nodeName} without a lease, into {@code ids} and {@code tokens}
     * from index {@code at}; returns how many were claimed.
     */
    int claimAll(final String nodeName, final int max, final long[] ids, final long[] tokens, final int at)
    {
        final String[] names = {nodeName};
        int n = 0;
        while (n < max)
        {
            final ClaimReply c = engine.claim(++now, NS, names, 1, Math.min(4096, max - n), 0);
            check(c.ok(), c);
            if (c.count() == 0)
            {
                break;
            }
            for (int i = 0; i < c.count(); i++)
            {
                ids[at + n] = c.stateId(i);
                tokens[at + n] = c.claimToken(i);
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------------------
    // The leaf pool
    // ------------------------------------------------------------------------------------------------------------

    static String leafName(final int i)
    {
        return String.format("leaf-%02d", i);
    }

    /** Registers root and the 100 leaves and upserts graph {@code fanout}. */
    void defineLeafPool()
    {
        register("root", List.of(), List.of("item"));
        final List<String> leaves = new ArrayList<>();
        for (int i = 0; i < NODE_NAMES; i++)
        {
            register(leafName(i), List.of("item"), List.of("result"));
            leaves.add(leafName(i));
        }
        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        nodes.add(node("root", "root", Map.of(), leaves));
        for (final String leaf : leaves)
        {
            nodes.add(node(leaf, leaf, Map.of("item", "${{ root.outputs.item }}"), List.of()));
        }
        upsert("fanout", nodes);
    }

    /**
     * Adds {@code runs} runs of graph {@code fanout}, each leaving 100 CREATED leaves, in chunks so the root
     * claim queue stays small.
     */
    void addLeafRuns(final int runs)
    {
        final byte[] rootOutput = Payloads.encodeList(List.of(Map.of("item", "item-value")));
        int left = runs;
        while (left > 0)
        {
            final int chunk = Math.min(left, 4096);
            for (int i = 0; i < chunk; i++)
            {
                trigger("fanout", Map.of());
            }
            final int executed = claimAndExecuteAll("root", rootOutput);
            check(executed == chunk, "executed " + executed + " roots of " + chunk);
            left -= chunk;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    /** An encoded output list of {@code count} maps {@code {key: prefix-i}}. */
    static byte[] outputs(final int count, final String key, final String prefix)
    {
        final List<Map<String, String>> maps = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final Map<String, String> m = new LinkedHashMap<>();
            m.put(key, count == 1 ? prefix : prefix + "-" + i);
            maps.add(m);
        }
        return Payloads.encodeList(maps);
    }

    private static List<SchemaField> fields(final List<String> names)
    {
        final List<SchemaField> out = new ArrayList<>();
        for (final String n : names)
        {
            out.add(new SchemaField(n, FieldKind.STRING));
        }
        return out;
    }

    static void check(final boolean ok, final Object what)
    {
        if (!ok)
        {
            throw new IllegalStateException("benchmark setup failed: " + what);
        }
    }
}
