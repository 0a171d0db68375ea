package io.exostate.core.codec;

import io.exostate.core.engine.ClaimReply;
import io.exostate.core.engine.Payloads;
import io.exostate.core.engine.Rejection;
import io.exostate.core.engine.Views;
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

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sample values that exercise every optional and nested part of the schema. */
final class Fixtures
{
    /** Text that takes every UTF-8 width: ASCII, 2, 3 and 4 bytes. */
    static final String UNICODE = "n\u00e9\u20ac\ud83d\ude00-\u00fc";

    private Fixtures()
    {
    }

    static List<NodeRegistration> registrations()
    {
        return List.of(
            new NodeRegistration(
                "Fetch" + UNICODE,
                List.of(new SchemaField("url", FieldKind.STRING), new SchemaField("n", FieldKind.NOT_STRING),
                    new SchemaField("x", FieldKind.UNTYPED)),
                List.of(new SchemaField("body", FieldKind.STRING)),
                List.of("API_KEY", "TOKEN"),
                "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"}}}",
                "{\"type\":\"object\"}"),
            new NodeRegistration("Empty", List.of(), List.of(), List.of(), "{}", ""));
    }

    static GraphSpec graphSpec()
    {
        final Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("API_KEY", "bm9uY2UtY2lwaGVy");
        secrets.put("TOKEN", "dGFn");
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("region", "eu");
        defaults.put("mode", UNICODE);
        return new GraphSpec(
            "ns",
            "graph-" + UNICODE,
            List.of(
                new NodeTemplateSpec("Fetch", "ns", "fetch",
                    List.of(TemplateInput.of("url", "${{ store.url }}"), new TemplateInput("n", "3", false)),
                    List.of("parse", "log"), null),
                new NodeTemplateSpec("Parse", "ns", "parse", List.of(), List.of(), null),
                new NodeTemplateSpec("Log", "ns", "log", List.of(TemplateInput.of("x", "")), null,
                    new UnitesSpec("fetch", UniteStrategy.ALL_DONE)),
                new NodeTemplateSpec("Join", "other", "join", List.of(), null,
                    new UnitesSpec("", UniteStrategy.ALL_SUCCESS))),
            secrets,
            new RetryPolicySpec(5, RetryStrategy.LINEAR_EQUAL_JITTER, 1500, 3, 60_000L),
            new StoreConfigSpec(List.of("url", "region"), defaults),
            List.of(TriggerSpec.cron("*/5 * * * *"), new TriggerSpec("CRON", "0 0 * * *")));
    }

    static GraphSpec minimalGraphSpec()
    {
        return new GraphSpec("", "", List.of(), Map.of(), RetryPolicySpec.DEFAULT, StoreConfigSpec.DEFAULT, List.of());
    }

    static Views.Graph graphView(final GraphSpec spec)
    {
        return new Views.Graph(spec.namespace(), spec.name(), "000000000000000000000abc", 3, spec.nodes(),
            spec.secrets(), spec.retryPolicy(), spec.storeConfig(), spec.triggers(), "INVALID",
            List.of("Node fetch is unreachable", UNICODE), 1_700_000_000_000L, 1_700_000_000_500L);
    }

    static Views.RunsPage runsPage()
    {
        return new Views.RunsPage("ns", 42, 2, 20, List.of(
            new Views.RunSummary("run-a", "g", 1, 2, 3, 4, 10, "PENDING", 1_700_000_000_001L),
            new Views.RunSummary("run-b", "g" + UNICODE, 0, 0, 0, 0, 0, "FAILED", 0)));
    }

    static Views.RunGraph runGraph()
    {
        final Map<Status, Integer> summary = new LinkedHashMap<>();
        for (final Status s : Status.values())
        {
            summary.put(s, s.code() * 2);
        }
        final Views.GraphNode root =
            new Views.GraphNode("000000000000000000000001", "Fetch", "fetch", Status.SUCCESS, null);
        final Views.GraphNode child = new Views.GraphNode(
            "000000000000000000000002", "Parse", "parse", Status.ERRORED, "boom " + UNICODE);
        final Views.GraphNode empty = new Views.GraphNode("000000000000000000000003", "Log", "log", Status.CREATED, "");
        return new Views.RunGraph(List.of(root), "g", List.of(root, child, empty),
            List.of(new Views.Edge(root.id(), child.id()), new Views.Edge(root.id(), empty.id())), summary);
    }

    static Views.RunGraph emptyRunGraph()
    {
        return new Views.RunGraph(List.of(), "", List.of(), List.of(), Map.of());
    }

    static Views.NodeDetails nodeDetails()
    {
        final Map<String, String> parents = new LinkedHashMap<>();
        parents.put("fetch", "000000000000000000000001");
        parents.put("parse", "000000000000000000000002");
        return new Views.NodeDetails("000000000000000000000003", "Log", "ns", "log", "g", "run-a", Status.QUEUED,
            Payloads.encodeMap(Map.of("a", "1")), Payloads.encodeMap(Map.of("b", UNICODE)), "bad", "{\"k\":1}",
            parents, 2, "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", true,
            1_700_000_000_100L, 1_700_000_000_000L, 1_700_000_000_200L);
    }

    static Views.NodeDetails nodeDetailsWithNulls()
    {
        return new Views.NodeDetails("000000000000000000000004", "Fetch", "ns", "fetch", "g", "run-b",
            Status.CREATED, null, null, null, null, Map.of(), 0, null, null, false, 0, 0, 0);
    }

    static List<Views.RegisteredNode> registeredNodes()
    {
        final List<NodeRegistration> registrations = registrations();
        return List.of(
            new Views.RegisteredNode("000000000000000000000010", 1, 2, "ns", "rt", registrations.get(0)),
            new Views.RegisteredNode("000000000000000000000011", 3, 4, "ns", "rt" + UNICODE, registrations.get(1)));
    }

    static Rejection rejectionWithFieldErrors()
    {
        return new Rejection(io.exostate.core.engine.RejectCode.INVALID_REQUEST, "body invalid",
            List.of(
                new io.exostate.core.template.FieldError(List.of("body", "nodes", 0, "identifier"), "missing",
                    "Field required"),
                new io.exostate.core.template.FieldError(List.of("body", -1, "x" + UNICODE), "value_error",
                    "Value error, " + UNICODE)));
    }

    /** Fills the engine's claim flyweight through its package-private add (the engine owns it in production). */
    static ClaimReply claimReply(final List<ClaimedState> states)
    {
        final ClaimReply reply = new ClaimReply();
        try
        {
            final Method add = ClaimReply.class.getDeclaredMethod("add", long.class, long.class, long.class,
                long.class, String.class, String.class, String.class, String.class, byte[].class, int.class);
            add.setAccessible(true);
            for (final ClaimedState s : states)
            {
                add.invoke(reply, s.stateId(), s.claimToken(), s.createdAt(), s.leaseDeadline(), s.nodeName(),
                    s.identifier(), s.graphName(), s.runId(), s.inputs(), s.retryCount());
            }
            return reply;
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static ClaimReply rejectedClaimReply(final Rejection rejection)
    {
        final ClaimReply reply = new ClaimReply();
        try
        {
            final Method reject = ClaimReply.class.getDeclaredMethod("reject", Rejection.class);
            reject.setAccessible(true);
            reject.invoke(reply, rejection);
            return reply;
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static List<ClaimedState> claimedStates(final int n)
    {
        final List<ClaimedState> list = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final Map<String, String> inputs = new LinkedHashMap<>();
            inputs.put("i", Integer.toString(i));
            inputs.put("u", UNICODE);
            list.add(new ClaimedState(100 + i, 7000 + i, 1_700_000_000_000L + i, i % 2 == 0 ? 0 : 1_700_000_060_000L,
                "Node" + (i % 3), "id" + i, "g", "run-" + i, Payloads.encodeMap(inputs), i % 4));
        }
        return list;
    }

    /**
     * Compares two values field by field: records by component, lists and maps in order (so a map that lost its
     * order fails), byte arrays by content.
     */
    static void assertDeepEquals(final Object expected, final Object actual)
    {
        deepEquals(expected, actual, "$");
    }

    private static void deepEquals(final Object expected, final Object actual, final String path)
    {
        if (expected == null || actual == null)
        {
            if (expected != actual)
            {
                throw new AssertionError(path + ": expected " + expected + " but was " + actual);
            }
            return;
        }
        if (expected instanceof byte[] e)
        {
            if (!(actual instanceof byte[] a) || !Arrays.equals(e, a))
            {
                throw new AssertionError(path + ": expected bytes " + Arrays.toString(e) + " but was " +
                    (actual instanceof byte[] a2 ? Arrays.toString(a2) : actual));
            }
            return;
        }
        if (expected.getClass().isRecord())
        {
            if (expected.getClass() != actual.getClass())
            {
                throw new AssertionError(path + ": expected a " + expected.getClass().getSimpleName() + " but was " +
                    actual);
            }
            for (final RecordComponent c : expected.getClass().getRecordComponents())
            {
                try
                {
                    deepEquals(
                        c.getAccessor().invoke(expected), c.getAccessor().invoke(actual), path + "." + c.getName());
                }
                catch (final ReflectiveOperationException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
            return;
        }
        if (expected instanceof List<?> e)
        {
            if (!(actual instanceof List<?> a) || e.size() != a.size())
            {
                throw new AssertionError(path + ": expected " + e + " but was " + actual);
            }
            for (int i = 0; i < e.size(); i++)
            {
                deepEquals(e.get(i), a.get(i), path + "[" + i + "]");
            }
            return;
        }
        if (expected instanceof Map<?, ?> e)
        {
            if (!(actual instanceof Map<?, ?> a) || e.size() != a.size())
            {
                throw new AssertionError(path + ": expected " + e + " but was " + actual);
            }
            final Iterator<? extends Map.Entry<?, ?>> ai = a.entrySet().iterator();
            int i = 0;
            for (final Map.Entry<?, ?> ee : e.entrySet())
            {
                final Map.Entry<?, ?> ae = ai.next();
                // Maps built by Map.of have no order: compare by key for those.
                final boolean ordered = isOrdered(e);
                if (ordered)
                {
                    deepEquals(ee.getKey(), ae.getKey(), path + "{key " + i + "}");
                    deepEquals(ee.getValue(), ae.getValue(), path + "{" + ee.getKey() + "}");
                }
                else
                {
                    deepEquals(ee.getValue(), a.get(ee.getKey()), path + "{" + ee.getKey() + "}");
                }
                i++;
            }
            return;
        }
        if (!expected.equals(actual))
        {
            throw new AssertionError(path + ": expected " + expected + " but was " + actual);
        }
    }

    private static boolean isOrdered(final Map<?, ?> map)
    {
        return map instanceof LinkedHashMap || map instanceof java.util.SortedMap ||
            map.getClass().getName().contains("Unmodifiable") || map instanceof java.util.EnumMap;
    }
}
