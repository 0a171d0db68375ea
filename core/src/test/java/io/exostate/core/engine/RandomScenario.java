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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates a random command log for one engine, one command at a time, from a seed. It drives engine A: it reads
 * A's replies (claim tokens, run ids) and A's read side (a run's states) to aim most reports at real claims, so runs
 * progress through fanouts, unites, retries, leases and cron, while a steady share of commands is invalid on purpose
 * (unknown ids, stale tokens, wrong namespaces, negative delays, malformed outputs, unknown graphs, duplicate run
 * ids, oversized claims, invalid templates, inconsistent claim request ids). Most claims carry a request id of one of
 * a few clients: a client's next request, a resend of its latest (the engine answers the first batch) or an older one.
 * <p>
 * Reading A never changes it (the fresh-engine replay in {@link EngineReplayTest} would notice). Times never go
 * backwards and sometimes jump minutes or hours, so leases expire, retries become due and cron fires.
 * <p>
 * Every generated graph meant to be valid is asserted VALID by the engine's validator, so a generator bug cannot
 * quietly turn the scenario into a stream of rejections.
 */
final class RandomScenario
{
    /**
     * Small limits, so batch, fanout, payload and timer limits are hit as often as the happy path, and a 20-minute
     * run retention, so that the occasional jumps of minutes and hours retire finished runs (and commands then name
     * states that left memory).
     */
    static final EngineConfig TIGHT = new EngineConfig(8, 6, 512, 2, 30_000, 20 * 60_000);

    private static final String[] NAMESPACES = {"alpha", "beta"};
    private static final String[] WRONG_NAMESPACES = {"ghost", "", "ALPHA", "alpha ", "gamma"};
    private static final String[] NODE_NAMES = {"Fetch", "Split", "Work", "Merge", "Store", "Notify", "Audit"};
    private static final String[] INPUT_FIELDS = {"a", "b", "c", "d"};
    private static final String[] OUTPUT_FIELDS = {"x", "y", "z"};
    private static final String[] STORE_KEYS = {"k1", "k2", "k3", "k4"};
    private static final String[] CRONS = {"* * * * *", "*/2 * * * *", "*/5 * * * *", "0 * * * *", "15,45 * * * *"};
    private static final String SECRET_NAME = "token";
    /** The runtimes that claim with a request id (any non-zero 64-bit value is a client id). */
    private static final long[] CLIENT_IDS = {0x5EED_C11E_0001L, -2, Long.MIN_VALUE};
    private static final String SECRET = secretValue();

    private final long seed;
    private final Random rnd;
    private final EngineConfig config;
    private long now = 1_700_000_000_000L;
    private int counter;
    private int bootstrap;
    private int hugePayloads;
    /** The last upsert built to be valid: the engine must find it VALID. */
    private ReplayCommand expectValid;

    /** namespace -> node name -> the registration the engine has (what the generator last sent). */
    private final Map<String, LinkedHashMap<String, NodeRegistration>> registry = new LinkedHashMap<>();
    /** (namespace, name) -> the last upserted template and whether the engine found it VALID. */
    private final LinkedHashMap<String, GraphInfo> graphs = new LinkedHashMap<>();
    private final List<String> runIds = new ArrayList<>();
    /** Claims the generator believes are current (the state QUEUED under this token). */
    private final List<Claimed> open = new ArrayList<>();
    /** Claims already reported, expired or superseded: for repeats and stale tokens. */
    private final List<Claimed> closed = new ArrayList<>();
    private final List<Long> knownStates = new ArrayList<>();
    /** Per client of {@link #CLIENT_IDS}: the highest request id sent, and the tokens its latest new claim got. */
    private final long[] lastRequestIds = new long[CLIENT_IDS.length];
    private final List<List<Long>> lastClaimTokens = new ArrayList<>();
    /** The client of the claim just generated (-1: none) and whether it repeats that client's latest request. */
    private int claimClient = -1;
    private boolean claimIsRepeat;
    private int repeatsAnswered;

    private static final class GraphInfo
    {
        final String namespace;
        final String name;
        GraphSpec spec;
        boolean valid;

        GraphInfo(final String namespace, final String name)
        {
            this.namespace = namespace;
            this.name = name;
        }
    }

    private record Claimed(String namespace, long stateId, long token, String nodeName)
    {
    }

    private record Target(String namespace, long stateId, long token, String nodeName)
    {
    }

    RandomScenario(final long seed, final EngineConfig config)
    {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.config = config;
        for (final String ns : NAMESPACES)
        {
            registry.put(ns, new LinkedHashMap<>());
        }
        for (int i = 0; i < CLIENT_IDS.length; i++)
        {
            lastClaimTokens.add(List.of());
        }
    }

    /** Every third seed runs with {@link #TIGHT} limits. */
    static EngineConfig configFor(final long seed)
    {
        return Math.floorMod(seed, 3) == 2 ? TIGHT : EngineConfig.DEFAULT;
    }

    /**
     * How many claims repeated their client's latest request and were answered states that request had been handed
     * (the engine's deduplication at work, not a fresh claim).
     */
    int repeatsAnswered()
    {
        return repeatsAnswered;
    }

    /** The run ids triggered so far (cron runs aside). */
    List<String> runIds()
    {
        return runIds;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Generation
    // ------------------------------------------------------------------------------------------------------------

    /** The next command, given engine A as it is now (A is only read). */
    ReplayCommand next(final Engine a)
    {
        if (bootstrap < 6)
        {
            return bootstrapCommand(bootstrap++);
        }
        advanceTime();
        final int r = rnd.nextInt(1000);
        if (r < 70)
        {
            return trigger();
        }
        if (r < 330)
        {
            return claim();
        }
        if (r < 560)
        {
            return executed(a);
        }
        if (r < 630)
        {
            final Target t = target(a);
            return new ReplayCommand.Errored(now, t.namespace, t.stateId, t.token,
                rnd.nextInt(40) == 0 ? null : "boom-" + rnd.nextInt(1000));
        }
        if (r < 655)
        {
            final Target t = target(a);
            return new ReplayCommand.Prune(now, t.namespace, t.stateId, t.token,
                rnd.nextInt(40) == 0 ? null : "{\"reason\":" + rnd.nextInt(100) + "}");
        }
        if (r < 700)
        {
            return requeue(a);
        }
        if (r < 740)
        {
            final Target t = target(a);
            return new ReplayCommand.Heartbeat(now, t.namespace, t.stateId, t.token, heartbeatLease());
        }
        if (r < 765)
        {
            return manualRetry(a);
        }
        if (r < 940)
        {
            return new ReplayCommand.Tick(now);
        }
        if (r < 955)
        {
            return register();
        }
        if (r < 975)
        {
            return upsertValid(randomNamespace(), rnd.nextInt(3) == 0 ? null : existingGraphName());
        }
        if (r < 990)
        {
            return upsertInvalid();
        }
        return rareCommand();
    }

    /** Learns from A's reply: claimed states and tokens, run ids, graph validity. Called before the next command. */
    void observe(final ReplayCommand cmd, final Object reply, final Engine a)
    {
        if (reply instanceof ClaimReply r && r.ok())
        {
            final ReplayCommand.Claim c = (ReplayCommand.Claim)cmd;
            observeRequestId(r);
            for (int i = 0; i < r.count(); i++)
            {
                final long id = r.stateId(i);
                if (isOpen(id, r.claimToken(i)))
                {
                    continue; // a repeat's answer: the generator knows this claim already
                }
                for (int k = open.size() - 1; k >= 0; k--)
                {
                    if (open.get(k).stateId == id)
                    {
                        retire(open.remove(k));
                    }
                }
                open.add(new Claimed(c.namespace(), id, r.claimToken(i), r.nodeName(i)));
                remember(id);
            }
            while (open.size() > 300)
            {
                retire(open.remove(rnd.nextInt(open.size())));
            }
        }
        else if (reply instanceof Replies.Trigger t && t.ok())
        {
            runIds.add(t.runId());
            remember(t.rootStateId());
        }
        else if (reply instanceof Replies.ManualRetry m && m.ok())
        {
            remember(m.newStateId());
        }
        else if (reply instanceof Replies.Upsert u && u.ok())
        {
            final GraphSpec spec = ((ReplayCommand.Upsert)cmd).spec();
            final GraphInfo g = graphs.computeIfAbsent(u.graph().namespace() + '\0' + u.graph().name(),
                k -> new GraphInfo(u.graph().namespace(), u.graph().name()));
            g.spec = spec;
            g.valid = u.graph().valid();
        }
    }

    private void observeRequestId(final ClaimReply r)
    {
        if (claimClient < 0 || r.count() == 0)
        {
            return;
        }
        final List<Long> tokens = new ArrayList<>(r.count());
        for (int i = 0; i < r.count(); i++)
        {
            tokens.add(r.claimToken(i));
        }
        if (claimIsRepeat && lastClaimTokens.get(claimClient).containsAll(tokens))
        {
            repeatsAnswered++;
        }
        else
        {
            lastClaimTokens.set(claimClient, tokens);
        }
    }

    private boolean isOpen(final long stateId, final long token)
    {
        for (final Claimed c : open)
        {
            if (c.stateId == stateId && c.token == token)
            {
                return true;
            }
        }
        return false;
    }

    private void remember(final long stateId)
    {
        if (knownStates.size() < 4000)
        {
            knownStates.add(stateId);
        }
        else
        {
            knownStates.set(rnd.nextInt(knownStates.size()), stateId);
        }
    }

    private void retire(final Claimed c)
    {
        if (closed.size() < 300)
        {
            closed.add(c);
        }
        else
        {
            closed.set(rnd.nextInt(closed.size()), c);
        }
    }

    private void advanceTime()
    {
        final int r = rnd.nextInt(1000);
        final long dt;
        if (r < 300)
        {
            dt = 0;
        }
        else if (r < 800)
        {
            dt = 1 + rnd.nextInt(300);
        }
        else if (r < 970)
        {
            dt = 1_000 + rnd.nextInt(20_000);
        }
        else if (r < 997)
        {
            dt = 60_000 + rnd.nextInt(600_000);
        }
        else
        {
            dt = 3_600_000 + rnd.nextInt(7_200_000);
        }
        now += dt;
    }

    private ReplayCommand bootstrapCommand(final int step)
    {
        switch (step)
        {
            case 0:
                return registerAll("alpha", NODE_NAMES.length);
            case 1:
                return registerAll("beta", 4);
            case 2:
            case 3:
            case 4:
                return upsertValid("alpha", null);
            default:
                return upsertValid("beta", null);
        }
    }

    private ReplayCommand registerAll(final String ns, final int count)
    {
        final List<NodeRegistration> regs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final NodeRegistration reg = randomRegistration(NODE_NAMES[i]);
            regs.add(reg);
            registry.get(ns).put(reg.name(), reg);
        }
        return new ReplayCommand.Register(now, ns, "rt-" + ns, List.copyOf(regs));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Registrations and graphs
    // ------------------------------------------------------------------------------------------------------------

    private NodeRegistration randomRegistration(final String name)
    {
        final List<SchemaField> inputs = new ArrayList<>();
        for (final String f : subset(INPUT_FIELDS, rnd.nextInt(4)))
        {
            inputs.add(new SchemaField(f, FieldKind.STRING));
        }
        final List<SchemaField> outputs = new ArrayList<>();
        for (final String f : subset(OUTPUT_FIELDS, 1 + rnd.nextInt(3)))
        {
            outputs.add(new SchemaField(f, FieldKind.STRING));
        }
        if (rnd.nextInt(8) == 0)
        {
            outputs.add(new SchemaField("blob", FieldKind.NOT_STRING));
        }
        final List<String> secrets = rnd.nextInt(5) == 0 ? List.of(SECRET_NAME) : List.of();
        return new NodeRegistration(name, inputs, outputs, secrets, "{\"type\":\"object\",\"v\":" + counter++ + "}",
            "{\"type\":\"object\"}");
    }

    private ReplayCommand register()
    {
        final int r = rnd.nextInt(100);
        if (r < 2)
        {
            return new ReplayCommand.Register(now, randomNamespace(), "rt", null);
        }
        if (r < 4)
        {
            return new ReplayCommand.Register(now, null, "rt", List.of());
        }
        if (r < 6)
        {
            return new ReplayCommand.Register(now, randomNamespace(), "rt-empty", List.of());
        }
        final String ns = randomNamespace();
        final List<NodeRegistration> regs = new ArrayList<>();
        final int n = 1 + rnd.nextInt(3);
        final Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < n; i++)
        {
            names.add(NODE_NAMES[rnd.nextInt(NODE_NAMES.length)]);
        }
        for (final String name : names)
        {
            final NodeRegistration reg = randomRegistration(name);
            regs.add(reg);
            registry.get(ns).put(name, reg);
        }
        return new ReplayCommand.Register(now, ns, "rt-" + rnd.nextInt(3), List.copyOf(regs));
    }

    private String existingGraphName()
    {
        if (graphs.isEmpty())
        {
            return null;
        }
        final List<GraphInfo> all = new ArrayList<>(graphs.values());
        return all.get(rnd.nextInt(all.size())).name;
    }

    private ReplayCommand upsertValid(final String ns, final String existingName)
    {
        final String name = existingName != null ? existingName : "g" + (counter++);
        final GraphSpec spec = randomValidGraph(ns, name);
        expectValid = new ReplayCommand.Upsert(now, spec);
        return expectValid;
    }

    /** Asserts that a graph the generator built to be valid came out VALID. */
    void checkValid(final ReplayCommand cmd, final Object reply, final int index)
    {
        if (cmd == expectValid)
        {
            final ReplayCommand.Upsert u = (ReplayCommand.Upsert)cmd;
            final Replies.Upsert r = (Replies.Upsert)reply;
            if (!r.ok() || !r.graph().valid())
            {
                throw new AssertionError("seed " + seed + ", command #" + index +
                    ": the generator built an invalid graph (a generator bug): " + reply + "\nspec: " + u.spec());
            }
        }
    }

    private GraphSpec randomValidGraph(final String ns, final String name)
    {
        final int n = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 9 : 6);
        final int[] parent = new int[n];
        final boolean[] isUnite = new boolean[n];
        final List<List<Integer>> next = new ArrayList<>();
        final String[] nodeNs = new String[n];
        final String[] nodeName = new String[n];
        final String[] ids = new String[n];
        for (int i = 0; i < n; i++)
        {
            next.add(new ArrayList<>());
            ids[i] = (rnd.nextBoolean() ? "n" : "step_") + i;
        }
        parent[0] = -1;
        for (int i = 1; i < n; i++)
        {
            if (i >= 2 && rnd.nextInt(100) < 35)
            {
                // A unite node: listed by some non-root node L, uniting one of L's strict ancestors.
                final int lister = 1 + rnd.nextInt(i - 1);
                final List<Integer> ancestors = ancestors(parent, lister);
                parent[i] = ancestors.get(rnd.nextInt(ancestors.size()));
                isUnite[i] = true;
                next.get(lister).add(i);
            }
            else
            {
                parent[i] = rnd.nextInt(i);
                next.get(parent[i]).add(i);
            }
        }
        // The parents the validator allows a placeholder to name (SPEC §10.2): a regular node's parents are its
        // parent's parents plus the parent, except that a unite parent passes on its target's lineage without itself;
        // a unite node's parents are its target's parents plus the target.
        final List<List<Integer>> allowed = new ArrayList<>();
        allowed.add(List.of());
        for (int i = 1; i < n; i++)
        {
            final int p = parent[i];
            final List<Integer> a = new ArrayList<>(allowed.get(p));
            if (isUnite[i] || !isUnite[p])
            {
                a.add(p);
            }
            allowed.add(a);
        }
        for (int i = 0; i < n; i++)
        {
            nodeNs[i] = i > 0 && rnd.nextInt(8) == 0 ? otherNamespace(ns) : ns;
            final List<String> registered = new ArrayList<>(registry.get(nodeNs[i]).keySet());
            nodeName[i] = registered.get(rnd.nextInt(registered.size()));
        }

        final List<String> required = subset(STORE_KEYS, rnd.nextInt(3));
        final LinkedHashMap<String, String> defaults = new LinkedHashMap<>();
        for (final String k : subset(STORE_KEYS, rnd.nextInt(3)))
        {
            defaults.put(k, "dv-" + k + (rnd.nextInt(5) == 0 ? "-ü€" : ""));
        }
        final List<String> storeKeys = new ArrayList<>(new LinkedHashSet<>(required));
        for (final String k : defaults.keySet())
        {
            if (!storeKeys.contains(k))
            {
                storeKeys.add(k);
            }
        }

        boolean needsSecret = false;
        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final NodeRegistration reg = registry.get(nodeNs[i]).get(nodeName[i]);
            needsSecret |= !reg.secrets().isEmpty();
            final List<TemplateInput> inputs = new ArrayList<>();
            for (final SchemaField f : reg.inputs())
            {
                inputs.add(TemplateInput.of(f.name(), templateValue(allowed.get(i), ids, nodeNs, nodeName, storeKeys)));
            }
            if (rnd.nextInt(10) == 0)
            {
                inputs.add(TemplateInput.of("unused", "literal"));
            }
            Collections.shuffle(inputs, rnd);
            final List<String> nextIds = new ArrayList<>();
            for (final int c : next.get(i))
            {
                nextIds.add(ids[c]);
            }
            final List<String> nextNodes = nextIds.isEmpty() && rnd.nextBoolean() ? null : nextIds;
            final UnitesSpec unites = isUnite[i] ? new UnitesSpec(ids[parent[i]],
                rnd.nextBoolean() ? UniteStrategy.ALL_SUCCESS : UniteStrategy.ALL_DONE) : null;
            nodes.add(new NodeTemplateSpec(nodeName[i], nodeNs[i], ids[i], inputs, nextNodes, unites));
        }
        // Template order is not tree order: shuffle all but keep the root anywhere (it is found by in-degree).
        Collections.shuffle(nodes, rnd);

        final Map<String, String> secrets = needsSecret || rnd.nextInt(4) == 0 ? Map.of(SECRET_NAME, SECRET) : Map.of();
        final List<TriggerSpec> triggers = new ArrayList<>();
        if (rnd.nextInt(4) == 0)
        {
            triggers.add(TriggerSpec.cron(CRONS[rnd.nextInt(CRONS.length)]));
            if (rnd.nextInt(3) == 0)
            {
                triggers.add(TriggerSpec.cron(CRONS[rnd.nextInt(CRONS.length)]));
            }
        }
        return new GraphSpec(ns, name, nodes, secrets, randomRetryPolicy(), new StoreConfigSpec(required, defaults),
            triggers);
    }

    private RetryPolicySpec randomRetryPolicy()
    {
        final RetryStrategy strategy = RetryStrategy.values()[rnd.nextInt(RetryStrategy.values().length)];
        final Long maxDelay = rnd.nextBoolean() ? null : 100L + rnd.nextInt(20_000);
        return new RetryPolicySpec(rnd.nextInt(4), strategy, 1 + rnd.nextInt(3_000), 1 + rnd.nextInt(3), maxDelay);
    }

    private static List<Integer> ancestors(final int[] parent, final int node)
    {
        final List<Integer> out = new ArrayList<>();
        for (int p = parent[node]; p >= 0; p = parent[p])
        {
            out.add(p);
        }
        return out;
    }

    /** A template value: literals, store placeholders and outputs of the allowed {@code ancestors}. */
    private String templateValue(
        final List<Integer> ancestors, final String[] ids, final String[] nodeNs, final String[] nodeName,
        final List<String> storeKeys)
    {
        final StringBuilder sb = new StringBuilder();
        final int parts = rnd.nextInt(4);
        if (parts == 0 || rnd.nextBoolean())
        {
            sb.append("lit").append(rnd.nextInt(100));
        }
        for (int p = 0; p < parts; p++)
        {
            final boolean useStore = ancestors.isEmpty() || rnd.nextInt(3) == 0;
            if (useStore)
            {
                if (storeKeys.isEmpty())
                {
                    continue;
                }
                final String k = storeKeys.get(rnd.nextInt(storeKeys.size()));
                sb.append(rnd.nextBoolean() ? "${{ store." + k + " }}" : "${{store." + k + "}}");
            }
            else
            {
                final int a = ancestors.get(rnd.nextInt(ancestors.size()));
                final NodeRegistration reg = registry.get(nodeNs[a]).get(nodeName[a]);
                final List<String> strings = new ArrayList<>();
                for (final SchemaField f : reg.outputs())
                {
                    if (f.kind() == FieldKind.STRING)
                    {
                        strings.add(f.name());
                    }
                }
                sb.append("${{ ").append(ids[a]).append(".outputs.").append(strings.get(rnd.nextInt(strings.size())))
                    .append(" }}");
            }
            if (rnd.nextBoolean())
            {
                sb.append(rnd.nextBoolean() ? "-" : "/sep/");
            }
        }
        return sb.toString();
    }

    /**
     * A template that the validator must refuse (a 422 or 400 rejection) or store as INVALID: derived from a valid
     * one by one mutation. Sometimes it replaces a valid graph of the same name, which then stops triggering.
     */
    private ReplayCommand upsertInvalid()
    {
        final String ns = randomNamespace();
        final String name = rnd.nextInt(3) == 0 && existingGraphName() != null ? existingGraphName() : "bad" + counter++;
        final GraphSpec base = randomValidGraph(ns, name);
        final List<NodeTemplateSpec> nodes = new ArrayList<>(base.nodes());
        final int k = rnd.nextInt(nodes.size());
        final NodeTemplateSpec victim = nodes.get(k);
        RetryPolicySpec retry = base.retryPolicy();
        StoreConfigSpec store = base.storeConfig();
        List<TriggerSpec> triggers = base.triggers();
        Map<String, String> secrets = base.secrets();
        String graphName = base.name();
        switch (rnd.nextInt(15))
        {
            case 0: // an extra edge: a cycle, a root that is also a child, or (pointing down) a legal second parent
            {
                final String back = nodes.get(rnd.nextInt(nodes.size())).identifier();
                nodes.set(k, withNext(victim, back));
                break;
            }
            case 1:
                nodes.set(k, withNext(victim, "nowhere"));
                break;
            case 2: // depends on a node that is not a parent (itself, or any node: the root has no parents)
                nodes.set(k, withInput(victim, TemplateInput.of("a", "${{ " + victim.identifier() + ".outputs.x }}")));
                break;
            case 3:
                nodes.add(new NodeTemplateSpec(victim.nodeName(), victim.namespace(), victim.identifier(),
                    victim.inputs(), null, null));
                break;
            case 4:
                nodes.set(k, new NodeTemplateSpec("  ", victim.namespace(), victim.identifier(), victim.inputs(),
                    victim.nextNodes(), victim.unites()));
                break;
            case 5:
            {
                final int bad = rnd.nextInt(4);
                retry = new RetryPolicySpec(bad == 0 ? -1 : 1, retry.strategy(), bad == 1 ? 0 : 5, bad == 2 ? 0 : 2,
                    bad == 3 ? -3L : null);
                break;
            }
            case 6:
                store = new StoreConfigSpec(List.of("a.b", "k1", "k1"), Map.of(" ", "x"));
                break;
            case 7:
                nodes.set(k, new NodeTemplateSpec(victim.nodeName(), victim.namespace(), victim.identifier(),
                    victim.inputs(), victim.nextNodes(),
                    new UnitesSpec(rnd.nextBoolean() ? "missing" : victim.identifier(), UniteStrategy.ALL_DONE)));
                break;
            case 8: // a registered input left out of the template: stored INVALID
            {
                final List<TemplateInput> ins = new ArrayList<>(victim.inputs());
                ins.clear();
                nodes.set(k, new NodeTemplateSpec(victim.nodeName(), victim.namespace(), victim.identifier(), ins,
                    victim.nextNodes(), victim.unites()));
                nodes.add(new NodeTemplateSpec("Ghost", victim.namespace(), "ghost_node", List.of(), null,
                    new UnitesSpec(nodes.get(0).identifier(), UniteStrategy.ALL_DONE)));
                break;
            }
            case 9: // an unregistered node: stored INVALID
                nodes.set(k, new NodeTemplateSpec("Unregistered", victim.namespace(), victim.identifier(),
                    victim.inputs(), victim.nextNodes(), victim.unites()));
                break;
            case 10:
                nodes.set(k, withInput(victim, new TemplateInput("a", "42", false)));
                break;
            case 11:
                nodes.set(k, withInput(victim, TemplateInput.of("a", rnd.nextBoolean() ? "${{ oops" : "${{ x.y }}")));
                break;
            case 12:
                triggers = List.of(new TriggerSpec(rnd.nextBoolean() ? "WEBHOOK" : "CRON", "* * * * *"));
                if (triggers.get(0).type().equals("CRON"))
                {
                    secrets = Map.of("s", "short");
                }
                break;
            case 13: // a second root
                nodes.add(new NodeTemplateSpec(victim.nodeName(), victim.namespace(), "orphan", victim.inputs(), null,
                    null));
                break;
            default:
                graphName = rnd.nextBoolean() ? " " : graphName;
                if (!graphName.isBlank())
                {
                    return new ReplayCommand.Upsert(now, null);
                }
                break;
        }
        return new ReplayCommand.Upsert(now, new GraphSpec(ns, graphName, nodes, secrets, retry, store, triggers));
    }

    private static NodeTemplateSpec withNext(final NodeTemplateSpec n, final String next)
    {
        final List<String> nextNodes = new ArrayList<>(n.nextNodes() == null ? List.of() : n.nextNodes());
        nextNodes.add(next);
        return new NodeTemplateSpec(n.nodeName(), n.namespace(), n.identifier(), n.inputs(), nextNodes, n.unites());
    }

    private static NodeTemplateSpec withInput(final NodeTemplateSpec n, final TemplateInput input)
    {
        final List<TemplateInput> inputs = new ArrayList<>();
        for (final TemplateInput in : n.inputs())
        {
            if (!in.key().equals(input.key()))
            {
                inputs.add(in);
            }
        }
        inputs.add(input);
        return new NodeTemplateSpec(n.nodeName(), n.namespace(), n.identifier(), inputs, n.nextNodes(), n.unites());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Runs and claims
    // ------------------------------------------------------------------------------------------------------------

    private ReplayCommand trigger()
    {
        final List<GraphInfo> valid = new ArrayList<>();
        for (final GraphInfo g : graphs.values())
        {
            if (g.valid)
            {
                valid.add(g);
            }
        }
        final List<GraphInfo> pool = valid.isEmpty() || rnd.nextInt(12) == 0 ? new ArrayList<>(graphs.values()) : valid;
        final GraphInfo g = pool.isEmpty() ? null : pool.get(rnd.nextInt(pool.size()));
        String ns = g == null ? "alpha" : g.namespace;
        String graph = g == null ? "none" : g.name;
        final int r = rnd.nextInt(100);
        if (r < 3)
        {
            graph = "nope";
        }
        else if (r < 4)
        {
            graph = null;
        }
        else if (r < 7)
        {
            ns = wrongNamespace();
        }
        String runId = "run-" + seed + "-" + counter++;
        final int d = rnd.nextInt(100);
        if (d < 3 && !runIds.isEmpty())
        {
            runId = runIds.get(rnd.nextInt(runIds.size()));
        }
        else if (d < 4)
        {
            runId = rnd.nextBoolean() ? "" : null;
        }

        final Map<String, String> inputs = new LinkedHashMap<>();
        final Map<String, String> store = new LinkedHashMap<>();
        if (g != null && g.spec != null)
        {
            if (rnd.nextInt(5) == 0)
            {
                final NodeTemplateSpec root = rootOf(g.spec);
                for (final TemplateInput in : root.inputs())
                {
                    if (rnd.nextBoolean())
                    {
                        continue;
                    }
                    final int v = rnd.nextInt(10);
                    inputs.put(in.key(), v < 5 ? "override-" + v : v < 7 ? "${{ store.k" + (1 + rnd.nextInt(4)) + " }}" :
                        v < 8 ? "${{ n1.outputs.x }}" : v < 9 ? "${{ broken" : "${{ }}");
                }
                if (rnd.nextBoolean())
                {
                    inputs.put("not_an_input", "ignored");
                }
            }
            for (final String k : g.spec.storeConfig().requiredKeys())
            {
                if (rnd.nextInt(25) != 0)
                {
                    store.put(k, "sv-" + k + "-" + rnd.nextInt(10));
                }
            }
            if (rnd.nextInt(3) == 0)
            {
                store.put(STORE_KEYS[rnd.nextInt(STORE_KEYS.length)], rnd.nextInt(6) == 0 ? "naïve ✓" : "extra");
            }
        }
        final int dd = rnd.nextInt(100);
        final long delay = dd < 70 ? 0 : dd < 95 ? 1 + rnd.nextInt(30_000) : dd < 99 ? -1 - rnd.nextInt(1000) :
            rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        return new ReplayCommand.Trigger(now, ns, graph, runId, inputs, store, delay);
    }

    private static NodeTemplateSpec rootOf(final GraphSpec spec)
    {
        final Set<String> children = new LinkedHashSet<>();
        for (final NodeTemplateSpec n : spec.nodes())
        {
            if (n.nextNodes() != null)
            {
                children.addAll(n.nextNodes());
            }
            if (n.unites() != null)
            {
                children.add(n.identifier());
            }
        }
        for (final NodeTemplateSpec n : spec.nodes())
        {
            if (!children.contains(n.identifier()))
            {
                return n;
            }
        }
        return spec.nodes().get(0);
    }

    private ReplayCommand claim()
    {
        final String ns = rnd.nextInt(100) < 94 ? randomNamespace() : wrongNamespace();
        final List<String> registered = new ArrayList<>(registry.getOrDefault(ns, new LinkedHashMap<>()).keySet());
        final List<String> names = new ArrayList<>();
        final int want = 1 + rnd.nextInt(3);
        for (int i = 0; i < want && !registered.isEmpty(); i++)
        {
            names.add(registered.get(rnd.nextInt(registered.size())));
        }
        if (registered.isEmpty() || rnd.nextInt(10) == 0)
        {
            names.add(rnd.nextInt(4) == 0 ? "Ghost" : NODE_NAMES[rnd.nextInt(NODE_NAMES.length)]);
        }
        if (rnd.nextInt(60) == 0)
        {
            names.add(null);
        }
        List<String> nodeNames = Collections.unmodifiableList(names);
        int nodeCount = names.size();
        final int c = rnd.nextInt(100);
        if (c < 4)
        {
            nodeCount = Math.max(0, names.size() - 1);
        }
        else if (c < 7)
        {
            nodeCount = names.size() + 1;
        }
        else if (c < 8)
        {
            nodeCount = -1;
        }
        else if (c < 9)
        {
            nodeNames = null;
            nodeCount = rnd.nextBoolean() ? 0 : 2;
        }
        final int m = rnd.nextInt(100);
        final int max;
        if (m < 82)
        {
            max = 1 + rnd.nextInt(4);
        }
        else if (m < 88)
        {
            max = 5 + rnd.nextInt(20);
        }
        else if (m < 91)
        {
            max = 0;
        }
        else if (m < 93)
        {
            max = -1 - rnd.nextInt(5);
        }
        else if (m < 96)
        {
            max = config.maxClaimBatch() + 1 + rnd.nextInt(10);
        }
        else if (m < 97)
        {
            max = rnd.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        }
        else
        {
            max = config.maxClaimBatch();
        }
        final int l = rnd.nextInt(100);
        final long lease = l < 45 ? 0 : l < 70 ? 1 + rnd.nextInt(5_000) : l < 96 ? 5_000 + rnd.nextInt(60_000) :
            l < 99 ? -1 - rnd.nextInt(1000) : rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        final long[] ids = requestId();
        return new ReplayCommand.Claim(now, ns, nodeNames, nodeCount, max, lease, ids[0], ids[1]);
    }

    /**
     * A claim's (client id, request id): none, a client's next request, a repeat of its latest (a resend), an older
     * one (a resend overtaken by the next claim), or on purpose a pair the engine must refuse.
     */
    private long[] requestId()
    {
        claimClient = -1;
        claimIsRepeat = false;
        final int m = rnd.nextInt(100);
        if (m < 40)
        {
            return new long[]{Commands.NO_CLIENT, 0};
        }
        if (m < 97)
        {
            final int c = rnd.nextInt(CLIENT_IDS.length);
            claimClient = c;
            final int k = rnd.nextInt(100);
            final long last = lastRequestIds[c];
            if (last == 0 || k < 55)
            {
                lastRequestIds[c] = last + 1;
                return new long[]{CLIENT_IDS[c], last + 1};
            }
            if (k < 85 || last == 1)
            {
                claimIsRepeat = true;
                return new long[]{CLIENT_IDS[c], last};
            }
            return new long[]{CLIENT_IDS[c], Math.max(1, last - 1 - rnd.nextInt(3))};
        }
        return rnd.nextBoolean() ?
            new long[]{Commands.NO_CLIENT, 1 + rnd.nextInt(5)} :
            new long[]{CLIENT_IDS[rnd.nextInt(CLIENT_IDS.length)], -rnd.nextInt(3)};
    }

    /** A report target: mostly a live claim, sometimes a finished one, a random state, or an unknown id. */
    private Target target(final Engine a)
    {
        final int r = rnd.nextInt(100);
        Target t = null;
        if (r < 75)
        {
            t = openClaim(a);
        }
        else if (r < 86 && !closed.isEmpty())
        {
            final Claimed c = closed.get(rnd.nextInt(closed.size()));
            t = new Target(c.namespace, c.stateId, c.token, c.nodeName);
        }
        else if (r < 94)
        {
            t = randomState(a, rnd.nextBoolean() ? Commands.NO_TOKEN : 1 + rnd.nextInt(50));
        }
        if (t == null)
        {
            final int u = rnd.nextInt(4);
            final long id = u == 0 ? 0 : u == 1 ? -7 : 1_000_000_000L + rnd.nextInt(1000);
            return new Target(randomNamespace(), id, 1 + rnd.nextInt(100), "Work");
        }
        // Vary the token and the namespace of an otherwise good target.
        final int v = rnd.nextInt(100);
        long token = t.token;
        if (v < 8)
        {
            token = Commands.NO_TOKEN;
        }
        else if (v < 12)
        {
            token = t.token + 1;
        }
        else if (v < 15 && !closed.isEmpty())
        {
            token = closed.get(rnd.nextInt(closed.size())).token;
        }
        else if (v < 16)
        {
            token = -t.token;
        }
        String ns = t.namespace;
        if (rnd.nextInt(100) < 6)
        {
            ns = rnd.nextBoolean() ? otherNamespace(ns) : wrongNamespace();
        }
        return new Target(ns, t.stateId, token, t.nodeName);
    }

    private Target openClaim(final Engine a)
    {
        for (int attempt = 0; attempt < 4 && !open.isEmpty(); attempt++)
        {
            final int i = rnd.nextInt(open.size());
            final Claimed c = open.get(i);
            final Views.NodeDetails d = a.state(c.stateId);
            if (d == null || d.status() != Status.QUEUED)
            {
                retire(open.remove(i));
                continue;
            }
            return new Target(c.namespace, c.stateId, c.token, c.nodeName);
        }
        return null;
    }

    private Target randomState(final Engine a, final long token)
    {
        if (knownStates.isEmpty() && runIds.isEmpty())
        {
            return null;
        }
        long id;
        if (!runIds.isEmpty() && rnd.nextBoolean())
        {
            final long[] ids = a.runStateIds(runIds.get(rnd.nextInt(runIds.size())));
            if (ids.length == 0)
            {
                return null;
            }
            id = ids[rnd.nextInt(ids.length)];
        }
        else if (!knownStates.isEmpty())
        {
            id = knownStates.get(rnd.nextInt(knownStates.size()));
        }
        else
        {
            return null;
        }
        final Views.NodeDetails d = a.state(id);
        if (d == null)
        {
            return null;
        }
        return new Target(d.namespace(), id, token, d.nodeName());
    }

    private ReplayCommand requeue(final Engine a)
    {
        Target t = null;
        if (rnd.nextInt(4) == 0)
        {
            // A CREATED state (decision 14: re-enqueue applies to CREATED states too), without a token.
            for (int attempt = 0; attempt < 4 && t == null; attempt++)
            {
                final Target s = randomState(a, Commands.NO_TOKEN);
                if (s != null && a.state(s.stateId).status() == Status.CREATED)
                {
                    t = s;
                }
            }
        }
        if (t == null)
        {
            t = target(a);
        }
        final int d = rnd.nextInt(100);
        final long delay = d < 92 ? 1 + rnd.nextInt(20_000) : d < 95 ? 0 : d < 98 ? -1 - rnd.nextInt(500) :
            rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        return new ReplayCommand.Requeue(now, t.namespace, t.stateId, t.token, delay);
    }

    private long heartbeatLease()
    {
        final int l = rnd.nextInt(100);
        if (l < 92)
        {
            return 1 + rnd.nextInt(30_000);
        }
        if (l == 99)
        {
            return rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return l < 96 ? 0 : -1 - rnd.nextInt(1000);
    }

    private ReplayCommand manualRetry(final Engine a)
    {
        final Target t = rnd.nextInt(10) == 0 ? target(a) : randomState(a, Commands.NO_TOKEN);
        if (t == null)
        {
            return new ReplayCommand.ManualRetry(now, randomNamespace(), 999_999_999L, "f");
        }
        final int f = rnd.nextInt(100);
        final String fanoutId;
        if (f < 30 && t.stateId > 0 && a.state(t.stateId) != null)
        {
            fanoutId = a.state(t.stateId).fanoutId();
        }
        else if (f < 50)
        {
            // The id the engine will generate for a later state: a manual id may collide with it (retryExists).
            fanoutId = Ids.fanoutId(a.nextFanoutSeq + rnd.nextInt(8));
        }
        else if (f < 94)
        {
            fanoutId = "manual-" + counter++;
        }
        else if (f < 97)
        {
            fanoutId = "";
        }
        else
        {
            fanoutId = null;
        }
        return new ReplayCommand.ManualRetry(now, t.namespace, t.stateId, fanoutId);
    }

    /** Commands that are rare on purpose: huge payloads, more than 64 unites on one target, a null spec. */
    private ReplayCommand rareCommand()
    {
        final int r = rnd.nextInt(4);
        if (r == 0)
        {
            return new ReplayCommand.Upsert(now, null);
        }
        if (r == 1)
        {
            // 65 unite nodes on one target: the engine cannot track more than 64 per target.
            final String ns = randomNamespace();
            final List<String> registered = new ArrayList<>(registry.get(ns).keySet());
            String noInputs = null;
            for (final String name : registered)
            {
                if (registry.get(ns).get(name).inputs().isEmpty() && registry.get(ns).get(name).secrets().isEmpty())
                {
                    noInputs = name;
                }
            }
            if (noInputs == null)
            {
                return new ReplayCommand.Tick(now);
            }
            final List<String> uniteIds = new ArrayList<>();
            final List<NodeTemplateSpec> nodes = new ArrayList<>();
            for (int i = 0; i < 65; i++)
            {
                uniteIds.add("u" + i);
            }
            nodes.add(new NodeTemplateSpec(noInputs, ns, "root", List.of(), List.of("mid"), null));
            nodes.add(new NodeTemplateSpec(noInputs, ns, "mid", List.of(), uniteIds, null));
            for (final String id : uniteIds)
            {
                nodes.add(new NodeTemplateSpec(noInputs, ns, id, List.of(), null,
                    new UnitesSpec("root", UniteStrategy.ALL_DONE)));
            }
            return new ReplayCommand.Upsert(now, new GraphSpec(ns, "wide" + counter++, nodes, Map.of(),
                RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of()));
        }
        // An oversized output payload for a live claim (a few per scenario: each is maxPayloadBytes + 1 bytes).
        if (hugePayloads++ >= 3)
        {
            return new ReplayCommand.Tick(now);
        }
        final Target t = openClaimOrUnknown();
        final byte[] huge = new byte[config.maxPayloadBytes() + 1];
        return new ReplayCommand.Executed(now, t.namespace, t.stateId, t.token, huge, 0);
    }

    private Target openClaimOrUnknown()
    {
        if (!open.isEmpty())
        {
            final Claimed c = open.get(rnd.nextInt(open.size()));
            return new Target(c.namespace, c.stateId, c.token, c.nodeName);
        }
        return new Target("alpha", 123_456_789L, 1, "Work");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Outputs
    // ------------------------------------------------------------------------------------------------------------

    private ReplayCommand executed(final Engine a)
    {
        final Target t = target(a);
        final int padding = rnd.nextInt(4) == 0 ? rnd.nextInt(9) : 0;
        return new ReplayCommand.Executed(now, t.namespace, t.stateId, t.token, outputs(t), padding);
    }

    private byte[] outputs(final Target t)
    {
        final Map<String, NodeRegistration> regs = registry.get(t.namespace);
        final NodeRegistration reg = regs == null ? null : regs.get(t.nodeName);
        final int c = rnd.nextInt(100);
        final int n = c < 8 ? 0 : c < 72 ? 1 : c < 95 ? 2 + rnd.nextInt(3) : 5 + rnd.nextInt(8);
        final List<byte[]> maps = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final LinkedHashMap<String, String> m = new LinkedHashMap<>();
            final Set<String> json = new LinkedHashSet<>();
            final List<SchemaField> fields = reg == null ? List.of() : reg.outputs();
            for (final SchemaField f : fields)
            {
                if (rnd.nextInt(40) == 0)
                {
                    continue; // a declared output the runtime left out
                }
                if (f.kind() != FieldKind.STRING || rnd.nextInt(60) == 0)
                {
                    m.put(f.name(), "{\"n\":" + rnd.nextInt(10) + "}");
                    json.add(f.name());
                }
                else
                {
                    m.put(f.name(), outputValue());
                }
            }
            if (rnd.nextInt(20) == 0)
            {
                m.put("extra", "e" + rnd.nextInt(10));
            }
            maps.add(Payloads.encodeMap(m, json));
        }
        final byte[] good = encodeList(maps);
        return rnd.nextInt(100) < 5 ? malformed(good) : good;
    }

    private String outputValue()
    {
        final int r = rnd.nextInt(20);
        if (r == 0)
        {
            return "";
        }
        if (r == 1)
        {
            return "ünï-✓-" + rnd.nextInt(100);
        }
        if (r == 2 && config.maxPayloadBytes() < 4096)
        {
            return "L".repeat(200 + rnd.nextInt(200));
        }
        return "v" + rnd.nextInt(1000);
    }

    private static byte[] encodeList(final List<byte[]> maps)
    {
        int len = 4;
        for (final byte[] m : maps)
        {
            len += 4 + m.length;
        }
        final ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(maps.size());
        for (final byte[] m : maps)
        {
            b.putInt(m.length).put(m);
        }
        return b.array();
    }

    /** Structurally broken output bytes: every variant must be refused as INVALID_REQUEST, never thrown. */
    private byte[] malformed(final byte[] good)
    {
        final ByteBuffer b;
        switch (rnd.nextInt(11))
        {
            case 0:
                return Arrays.copyOf(good, Math.max(0, good.length - 1 - rnd.nextInt(Math.max(1, good.length))));
            case 1:
            {
                final byte[] out = good.clone();
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(0, ByteBuffer.wrap(out)
                    .order(ByteOrder.LITTLE_ENDIAN).getInt(0) + 1);
                return out;
            }
            case 2:
                return le(-1 - rnd.nextInt(5));
            case 3:
            {
                final byte[] out = Arrays.copyOf(good, good.length + 1 + rnd.nextInt(3));
                out[good.length] = 9;
                return out;
            }
            case 4:
            {
                final byte[] out = new byte[rnd.nextInt(17)];
                rnd.nextBytes(out);
                return out;
            }
            case 5:
                return new byte[0];
            case 6: // one output whose map length runs past the end (and overflows int arithmetic)
                b = ByteBuffer.allocate(8 + rnd.nextInt(2) * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(1).putInt(rnd.nextBoolean() ? Integer.MAX_VALUE - rnd.nextInt(8) : 1 << 20);
                return b.array();
            case 7: // a map whose key length is huge
                b = ByteBuffer.allocate(4 + 4 + 4 + 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(1).putInt(10).putInt(1).putInt(rnd.nextBoolean() ? Integer.MAX_VALUE : Integer.MAX_VALUE - 9);
                return b.array();
            case 8: // an unknown value kind
            {
                final byte[] map = ByteBuffer.allocate(4 + 4 + 1 + 1 + 4 + 1).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(1).putInt(1).put((byte)'k').put((byte)(2 + rnd.nextInt(100))).putInt(1).put((byte)'v')
                    .array();
                return encodeList(List.of(map));
            }
            case 9: // a negative map length
                b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(1).putInt(-4).putInt(0);
                return b.array();
            default: // a map with a negative entry count
            {
                final byte[] map = le(-2);
                return encodeList(List.of(map));
            }
        }
    }

    private static byte[] le(final int v)
    {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    private String randomNamespace()
    {
        return rnd.nextInt(4) == 0 ? NAMESPACES[1] : NAMESPACES[0];
    }

    private static String otherNamespace(final String ns)
    {
        return NAMESPACES[0].equals(ns) ? NAMESPACES[1] : NAMESPACES[0];
    }

    private String wrongNamespace()
    {
        return WRONG_NAMESPACES[rnd.nextInt(WRONG_NAMESPACES.length)];
    }

    private List<String> subset(final String[] from, final int size)
    {
        final List<String> all = new ArrayList<>(Arrays.asList(from));
        Collections.shuffle(all, rnd);
        return new ArrayList<>(all.subList(0, Math.min(size, all.size())));
    }

    private static String secretValue()
    {
        final byte[] raw = "exostate-replay-test-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
        return Base64.getUrlEncoder().encodeToString(raw);
    }
}
