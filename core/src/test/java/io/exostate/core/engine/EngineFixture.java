package io.exostate.core.engine;

import io.exostate.core.model.FieldKind;
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
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small fluent fixture that steps an engine by hand with explicit times: no threads, no sleeps.
 */
public final class EngineFixture
{
    public static final String NS = "ns";

    public final Engine engine;
    public long now = 1_000_000;
    private int runCounter;

    public EngineFixture()
    {
        this(new Engine());
    }

    public EngineFixture(final Engine engine)
    {
        this.engine = engine;
    }

    /** Registers nodes whose inputs and outputs are all plain strings: name, then input fields, then "|" and outputs. */
    public EngineFixture register(final String name, final String... fields)
    {
        return registerIn(NS, name, fields);
    }

    /** {@link #register} in another namespace. */
    public EngineFixture registerIn(final String namespace, final String name, final String... fields)
    {
        return registerWithSecrets(namespace, name, List.of(), fields);
    }

    /** {@link #register} of a node that needs secrets. */
    public EngineFixture registerWithSecrets(
        final String namespace, final String name, final List<String> secrets, final String... fields)
    {
        final List<SchemaField> ins = new ArrayList<>();
        final List<SchemaField> outs = new ArrayList<>();
        boolean outputs = false;
        for (final String f : fields)
        {
            if (f.equals("|"))
            {
                outputs = true;
                continue;
            }
            (outputs ? outs : ins).add(new SchemaField(f, FieldKind.STRING));
        }
        final Replies.Register r = engine.registerNodes(now, namespace, "rt",
            List.of(new NodeRegistration(name, ins, outs, secrets, "{}", "{}")));
        assertThat(r.ok()).as("register %s: %s", name, r).isTrue();
        return this;
    }

    public static NodeTemplateSpec node(final String id, final String nodeName, final Map<String, String> inputs,
        final String... next)
    {
        final List<TemplateInput> ins = new ArrayList<>();
        inputs.forEach((k, v) -> ins.add(TemplateInput.of(k, v)));
        return new NodeTemplateSpec(nodeName, NS, id, ins, next.length == 0 ? null : Arrays.asList(next), null);
    }

    /** A node template whose node is registered in {@code namespace}. */
    public static NodeTemplateSpec nodeIn(final String namespace, final String id, final String nodeName,
        final Map<String, String> inputs, final String... next)
    {
        final List<TemplateInput> ins = new ArrayList<>();
        inputs.forEach((k, v) -> ins.add(TemplateInput.of(k, v)));
        return new NodeTemplateSpec(nodeName, namespace, id, ins, next.length == 0 ? null : Arrays.asList(next), null);
    }

    public static NodeTemplateSpec unite(final String id, final String nodeName, final Map<String, String> inputs,
        final String target, final UniteStrategy strategy, final String... next)
    {
        final List<TemplateInput> ins = new ArrayList<>();
        inputs.forEach((k, v) -> ins.add(TemplateInput.of(k, v)));
        return new NodeTemplateSpec(nodeName, NS, id, ins, next.length == 0 ? null : Arrays.asList(next),
            new UnitesSpec(target, strategy));
    }

    public static GraphSpec graph(final String name, final NodeTemplateSpec... nodes)
    {
        return new GraphSpec(NS, name, List.of(nodes), Map.of(), RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT,
            List.of());
    }

    public static GraphSpec graph(final String name, final RetryPolicySpec retry, final StoreConfigSpec store,
        final List<TriggerSpec> triggers, final NodeTemplateSpec... nodes)
    {
        return new GraphSpec(NS, name, List.of(nodes), Map.of(), retry, store, triggers);
    }

    /** A graph in {@code namespace} with the default policies and no triggers. */
    public static GraphSpec graphIn(final String namespace, final String name, final NodeTemplateSpec... nodes)
    {
        return new GraphSpec(namespace, name, List.of(nodes), Map.of(), RetryPolicySpec.DEFAULT,
            StoreConfigSpec.DEFAULT, List.of());
    }

    /** A graph with the default store config and no triggers, under {@code retry}. */
    public static GraphSpec graph(final String name, final RetryPolicySpec retry, final NodeTemplateSpec... nodes)
    {
        return graph(name, retry, StoreConfigSpec.DEFAULT, List.of(), nodes);
    }

    /** A graph with the default retry policy and no triggers, under {@code store}. */
    public static GraphSpec graph(final String name, final StoreConfigSpec store, final NodeTemplateSpec... nodes)
    {
        return graph(name, RetryPolicySpec.DEFAULT, store, List.of(), nodes);
    }

    public Replies.Upsert upsert(final GraphSpec spec)
    {
        return engine.upsertGraph(now, spec);
    }

    public EngineFixture upsertValid(final GraphSpec spec)
    {
        final Replies.Upsert r = upsert(spec);
        assertThat(r.ok()).as("upsert: %s", r).isTrue();
        assertThat(r.graph().validationErrors()).isEmpty();
        return this;
    }

    public String trigger(final String graph)
    {
        return trigger(graph, Map.of(), Map.of(), 0);
    }

    public String trigger(final String graph, final Map<String, String> inputs, final Map<String, String> store,
        final long delay)
    {
        final String runId = "run-" + (++runCounter);
        final Replies.Trigger r = engine.trigger(now, NS, graph, runId, inputs, store, delay);
        assertThat(r.ok()).as("trigger: %s", r).isTrue();
        return runId;
    }

    /** One claimed state, copied out of the flyweight. */
    public record Claimed(long id, long token, String identifier, Map<String, String> inputs)
    {
    }

    public List<Claimed> claim(final int max, final long leaseMs, final String... nodeNames)
    {
        final ClaimReply r = engine.claim(now, NS, nodeNames, nodeNames.length, max, leaseMs);
        assertThat(r.ok()).as("claim: %s", r).isTrue();
        final List<Claimed> out = new ArrayList<>();
        for (int i = 0; i < r.count(); i++)
        {
            out.add(new Claimed(r.stateId(i), r.claimToken(i), r.identifier(i), Payloads.decodeMap(r.inputs(i))));
        }
        return out;
    }

    public Claimed claimOne(final String nodeName)
    {
        final List<Claimed> c = claim(1, 0, nodeName);
        assertThat(c).as("a ready %s state", nodeName).hasSize(1);
        return c.get(0);
    }

    @SafeVarargs
    public final Replies.Executed executed(final Claimed c, final Map<String, String>... outputs)
    {
        return engine.executed(now, NS, c.id(), c.token(), List.of(outputs));
    }

    /** One claimed state of {@code nodeName} under a lease of {@code leaseMs} (0: none). */
    public Claimed claimOne(final String nodeName, final long leaseMs)
    {
        final List<Claimed> c = claim(1, leaseMs, nodeName);
        assertThat(c).as("a ready %s state", nodeName).hasSize(1);
        return c.get(0);
    }

    /** Every ready state of these node names (up to 1000), FIFO. */
    public List<Claimed> claimAll(final String... nodeNames)
    {
        return claim(1000, 0, nodeNames);
    }

    public Replies.Errored errored(final Claimed c, final String error)
    {
        return engine.errored(now, NS, c.id(), c.token(), error);
    }

    public Replies.Prune prune(final Claimed c, final String dataJson)
    {
        return engine.prune(now, NS, c.id(), c.token(), dataJson);
    }

    public Replies.Requeue requeue(final Claimed c, final long delayMs)
    {
        return engine.reenqueueAfter(now, NS, c.id(), c.token(), delayMs);
    }

    public Replies.ManualRetry manualRetry(final long stateId, final String fanoutId)
    {
        return engine.manualRetry(now, NS, stateId, fanoutId);
    }

    /** Claims the one ready state of {@code nodeName} and reports it executed with these outputs. */
    @SafeVarargs
    public final Claimed claimAndExecute(final String nodeName, final Map<String, String>... outputs)
    {
        final Claimed c = claimOne(nodeName);
        final Replies.Executed r = executed(c, outputs);
        assertThat(r.ok()).as("executed %s: %s", nodeName, r).isTrue();
        return c;
    }

    /** The full view of a state. */
    public Views.NodeDetails state(final long stateId)
    {
        final Views.NodeDetails d = engine.state(stateId);
        assertThat(d).as("state %d", stateId).isNotNull();
        return d;
    }

    public Status status(final long stateId)
    {
        return state(stateId).status();
    }

    /** The runs-listing line of a run of namespace {@link #NS}. */
    public Views.RunSummary runSummary(final String runId)
    {
        final Engine.Read<Views.RunsPage> page = engine.runs(NS, 1, 10_000);
        assertThat(page.ok()).isTrue();
        for (final Views.RunSummary r : page.value().runs())
        {
            if (r.runId().equals(runId))
            {
                return r;
            }
        }
        throw new AssertionError("run " + runId + " is not listed");
    }

    /**
     * Runs a command (or a read) that must be refused and checks that it changed nothing: the engine's snapshot bytes
     * are the same before and after. Returns the rejection. Run it at the time of the previous command, so the clock
     * stays put.
     */
    public Rejection rejectedWithoutChange(final Supplier<Object> command)
    {
        final byte[] before = engine.snapshot();
        final Object reply = command.get();
        final Rejection rejection =
            reply instanceof Engine.Read<?> read ? read.rejection() : Replies.rejectionOf(reply);
        assertThat(rejection).as("a rejection, but got %s", reply).isNotNull();
        assertSameSnapshot(before, engine.snapshot(), rejection);
        return rejection;
    }

    /** Runs a command and checks that it changed nothing (a repeated report); returns its reply. */
    public <T> T withoutChange(final Supplier<T> command)
    {
        final byte[] before = engine.snapshot();
        final T reply = command.get();
        assertSameSnapshot(before, engine.snapshot(), reply);
        return reply;
    }

    private static void assertSameSnapshot(final byte[] before, final byte[] after, final Object reply)
    {
        assertThat(Arrays.mismatch(before, after))
            .as("%s changed the engine's snapshot (%d bytes before, %d after): first difference at byte",
                reply, before.length, after.length)
            .isEqualTo(-1);
    }

    /** Encodes a list of already encoded output maps (see {@link Payloads}), e.g. maps holding raw JSON values. */
    public static byte[] outputList(final byte[]... maps)
    {
        int len = 4;
        for (final byte[] m : maps)
        {
            len += 4 + m.length;
        }
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[len]);
        buf.putInt(0, maps.length);
        int pos = 4;
        for (final byte[] m : maps)
        {
            buf.putInt(pos, m.length);
            buf.putBytes(pos + 4, m);
            pos += 4 + m.length;
        }
        return buf.byteArray();
    }

    /**
     * A value shaped like a secret the edge encrypted (decision 11): the URL-safe base64 of a 12-byte nonce, the
     * text and a 16-byte tag. The engine never decrypts; it only has to look encrypted to graph validation.
     */
    public static String encrypted(final String text)
    {
        final byte[] plain = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final byte[] sealed = new byte[12 + plain.length + 16];
        System.arraycopy(plain, 0, sealed, 12, plain.length);
        return java.util.Base64.getUrlEncoder().encodeToString(sealed);
    }

    public static Map<String, String> map(final String... kv)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    public EngineFixture advance(final long ms)
    {
        now += ms;
        return this;
    }

    /** The states of a run, in creation order. */
    public List<Views.NodeDetails> states(final String runId)
    {
        final List<Views.NodeDetails> out = new ArrayList<>();
        for (final long id : engine.runStateIds(runId))
        {
            out.add(engine.state(id));
        }
        return out;
    }

    public List<Views.NodeDetails> states(final String runId, final String identifier)
    {
        final List<Views.NodeDetails> out = new ArrayList<>();
        for (final Views.NodeDetails d : states(runId))
        {
            if (d.identifier().equals(identifier))
            {
                out.add(d);
            }
        }
        return out;
    }

    public List<Status> statuses(final String runId, final String identifier)
    {
        final List<Status> out = new ArrayList<>();
        for (final Views.NodeDetails d : states(runId, identifier))
        {
            out.add(d.status());
        }
        return out;
    }
}
