package io.exostate.transport.http;

import io.exostate.transport.SecretsCipher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TriggerSpec;
import io.exostate.core.template.UnitesSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request models of SPEC §11 read from JSON into the engine's vocabulary. Each method reads its model's fields
 * in declaration order into a {@link BodyReader}; the result is meaningful only when the reader is still
 * {@link BodyReader#ok()}. Value rules that the engine checks itself (graph field rules, §10.1) are left to it.
 * Stateless; thread safe.
 */
final class Requests
{
    private static final List<Object> BODY = List.of("body");
    private static final List<String> RETRY_STRATEGIES = names(RetryStrategy.values());
    private static final List<String> UNITE_STRATEGIES = names(UniteStrategy.values());
    private static final List<String> TRIGGER_TYPES = List.of("CRON");

    /** Route #3. */
    record Register(String runtimeName, List<NodeRegistration> nodes)
    {
    }

    /** Route #8. */
    record Trigger(Map<String, String> store, Map<String, String> inputs, long startDelay)
    {
    }

    /** Route #9. */
    record Enqueue(List<String> nodes, long batchSize)
    {
    }

    private Requests()
    {
    }

    static Register register(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        String runtimeName = null;
        final JsonNode rn = r.required(root, BODY, "runtime_name");
        if (rn != null)
        {
            runtimeName = r.string(rn, BodyReader.loc(BODY, "runtime_name"));
        }
        final List<NodeRegistration> nodes = new ArrayList<>();
        final JsonNode nodesNode = r.required(root, BODY, "nodes");
        if (nodesNode != null)
        {
            final List<Object> nodesLoc = BodyReader.loc(BODY, "nodes");
            final ArrayNode arr = r.list(nodesNode, nodesLoc);
            if (arr != null)
            {
                for (int i = 0; i < arr.size(); i++)
                {
                    final NodeRegistration reg = registration(r, arr.get(i), BodyReader.loc(nodesLoc, i));
                    if (reg != null)
                    {
                        nodes.add(reg);
                    }
                }
            }
        }
        return new Register(runtimeName, nodes);
    }

    private static NodeRegistration registration(final BodyReader r, final JsonNode v, final List<Object> loc)
    {
        final ObjectNode node = r.model(v, loc, "NodeRegistrationModel");
        if (node == null)
        {
            return null;
        }
        final int before = r.errorCount();
        final JsonNode nameNode = r.required(node, loc, "name");
        final String name = nameNode == null ? null : r.string(nameNode, BodyReader.loc(loc, "name"));
        final JsonNode in = r.required(node, loc, "inputs_schema");
        final ObjectNode inputs = in == null ? null : r.dict(in, BodyReader.loc(loc, "inputs_schema"));
        final JsonNode out = r.required(node, loc, "outputs_schema");
        final ObjectNode outputs = out == null ? null : r.dict(out, BodyReader.loc(loc, "outputs_schema"));
        final JsonNode sec = r.required(node, loc, "secrets");
        final List<String> secrets = sec == null ? null : r.stringList(sec, BodyReader.loc(loc, "secrets"));
        if (r.errorCount() != before)
        {
            return null;
        }
        return new NodeRegistration(name, SchemaFields.parse(inputs), SchemaFields.parse(outputs), secrets,
            Json.text(inputs), Json.text(outputs));
    }

    /**
     * Route #5. Secrets come back in plaintext: the caller encrypts them before the command is built.
     */
    static GraphSpec graph(final BodyReader r, final JsonNode body, final String namespace, final String name)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        Map<String, String> secrets = null;
        final JsonNode sec = r.required(root, BODY, "secrets");
        if (sec != null)
        {
            secrets = r.stringMap(sec, BodyReader.loc(BODY, "secrets"));
        }

        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        final JsonNode nodesNode = r.required(root, BODY, "nodes");
        if (nodesNode != null)
        {
            final List<Object> nodesLoc = BodyReader.loc(BODY, "nodes");
            final ArrayNode arr = r.list(nodesNode, nodesLoc);
            if (arr != null)
            {
                for (int i = 0; i < arr.size(); i++)
                {
                    final NodeTemplateSpec n = nodeTemplate(r, arr.get(i), BodyReader.loc(nodesLoc, i));
                    if (n != null)
                    {
                        nodes.add(n);
                    }
                }
            }
        }

        RetryPolicySpec retry = RetryPolicySpec.DEFAULT;
        final JsonNode rp = root.get("retry_policy");
        if (rp != null)
        {
            retry = retryPolicy(r, rp, BodyReader.loc(BODY, "retry_policy"));
        }

        StoreConfigSpec store = StoreConfigSpec.DEFAULT;
        final JsonNode sc = root.get("store_config");
        if (sc != null)
        {
            store = storeConfig(r, sc, BodyReader.loc(BODY, "store_config"));
        }

        final List<TriggerSpec> triggers = new ArrayList<>();
        final JsonNode tr = root.get("triggers");
        if (tr != null)
        {
            final List<Object> trLoc = BodyReader.loc(BODY, "triggers");
            final ArrayNode arr = r.list(tr, trLoc);
            if (arr != null)
            {
                for (int i = 0; i < arr.size(); i++)
                {
                    final TriggerSpec t = trigger(r, arr.get(i), BodyReader.loc(trLoc, i));
                    if (t != null)
                    {
                        triggers.add(t);
                    }
                }
            }
        }

        if (!r.ok())
        {
            return null;
        }
        return new GraphSpec(namespace, name, nodes, secrets, retry, store, triggers);
    }

    private static NodeTemplateSpec nodeTemplate(final BodyReader r, final JsonNode v, final List<Object> loc)
    {
        final ObjectNode node = r.model(v, loc, "NodeTemplate");
        if (node == null)
        {
            return null;
        }
        final int before = r.errorCount();
        final String nodeName = requiredString(r, node, loc, "node_name");
        final String namespace = requiredString(r, node, loc, "namespace");
        final String identifier = requiredString(r, node, loc, "identifier");

        final List<TemplateInput> inputs = new ArrayList<>();
        final JsonNode in = r.required(node, loc, "inputs");
        if (in != null)
        {
            final ObjectNode obj = r.dict(in, BodyReader.loc(loc, "inputs"));
            if (obj != null)
            {
                for (final Map.Entry<String, JsonNode> e : obj.properties())
                {
                    final JsonNode value = e.getValue();
                    inputs.add(value.isTextual() ?
                        TemplateInput.of(e.getKey(), value.textValue()) :
                        new TemplateInput(e.getKey(), PythonRepr.repr(value), false));
                }
            }
        }

        List<String> nextNodes = null;
        final JsonNode nn = node.get("next_nodes");
        if (nn != null)
        {
            // Exosphere's QUIRK: an explicit null comes back as [], an omitted field stays null.
            nextNodes = nn.isNull() ? List.of() : r.stringList(nn, BodyReader.loc(loc, "next_nodes"));
        }

        UnitesSpec unites = null;
        final JsonNode un = node.get("unites");
        if (un != null && !un.isNull())
        {
            final List<Object> unLoc = BodyReader.loc(loc, "unites");
            final ObjectNode u = r.model(un, unLoc, "Unites");
            if (u != null)
            {
                final String target = requiredString(r, u, unLoc, "identifier");
                UniteStrategy strategy = UniteStrategy.ALL_SUCCESS;
                final JsonNode st = u.get("strategy");
                if (st != null)
                {
                    final String s = r.enumName(st, BodyReader.loc(unLoc, "strategy"), UNITE_STRATEGIES);
                    strategy = s == null ? null : UniteStrategy.byName(s);
                }
                if (target != null && strategy != null)
                {
                    unites = new UnitesSpec(target, strategy);
                }
            }
        }
        if (r.errorCount() != before)
        {
            return null;
        }
        return new NodeTemplateSpec(nodeName, namespace, identifier, inputs, nextNodes, unites);
    }

    private static RetryPolicySpec retryPolicy(final BodyReader r, final JsonNode v, final List<Object> loc)
    {
        final ObjectNode obj = r.model(v, loc, "RetryPolicyModel");
        if (obj == null)
        {
            return null;
        }
        final RetryPolicySpec d = RetryPolicySpec.DEFAULT;
        final Long maxRetries = optionalInteger(r, obj, loc, "max_retries", d.maxRetries());
        RetryStrategy strategy = d.strategy();
        final JsonNode st = obj.get("strategy");
        if (st != null)
        {
            final String s = r.enumName(st, BodyReader.loc(loc, "strategy"), RETRY_STRATEGIES);
            strategy = s == null ? null : RetryStrategy.byName(s);
        }
        final Long backoff = optionalInteger(r, obj, loc, "backoff_factor", d.backoffFactor());
        final Long exponent = optionalInteger(r, obj, loc, "exponent", d.exponent());
        Long maxDelay = null;
        final JsonNode md = obj.get("max_delay");
        if (md != null && !md.isNull())
        {
            maxDelay = r.integer(md, BodyReader.loc(loc, "max_delay"));
        }
        if (maxRetries == null || strategy == null || backoff == null || exponent == null ||
            (md != null && !md.isNull() && maxDelay == null))
        {
            return null;
        }
        return new RetryPolicySpec(maxRetries, strategy, backoff, exponent, maxDelay);
    }

    private static StoreConfigSpec storeConfig(final BodyReader r, final JsonNode v, final List<Object> loc)
    {
        final ObjectNode obj = r.model(v, loc, "StoreConfig");
        if (obj == null)
        {
            return null;
        }
        List<String> requiredKeys = List.of();
        final JsonNode rk = obj.get("required_keys");
        if (rk != null)
        {
            requiredKeys = r.stringList(rk, BodyReader.loc(loc, "required_keys"));
        }
        Map<String, String> defaults = Map.of();
        final JsonNode dv = obj.get("default_values");
        if (dv != null)
        {
            defaults = r.stringMap(dv, BodyReader.loc(loc, "default_values"));
        }
        if (requiredKeys == null || defaults == null)
        {
            return null;
        }
        return new StoreConfigSpec(requiredKeys, defaults);
    }

    private static TriggerSpec trigger(final BodyReader r, final JsonNode v, final List<Object> loc)
    {
        final ObjectNode obj = r.model(v, loc, "Trigger");
        if (obj == null)
        {
            return null;
        }
        String type = null;
        final JsonNode t = r.required(obj, loc, "type");
        if (t != null)
        {
            // A string is passed on: the engine answers the enum error for any other text, in its own order.
            type = t.isTextual() ? t.textValue() : r.enumName(t, BodyReader.loc(loc, "type"), TRIGGER_TYPES);
        }
        String expression = null;
        final List<Object> valueLoc = BodyReader.loc(loc, "value");
        final JsonNode val = r.required(obj, loc, "value");
        if (val != null)
        {
            final ObjectNode value = r.model(val, valueLoc, "CronTrigger");
            if (value != null)
            {
                expression = requiredString(r, value, valueLoc, "expression");
            }
        }
        return type == null || expression == null ? null : new TriggerSpec(type, expression);
    }

    static Trigger trigger(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        Map<String, String> store = Map.of();
        final JsonNode st = root.get("store");
        if (st != null)
        {
            store = r.stringMap(st, BodyReader.loc(BODY, "store"));
        }
        Map<String, String> inputs = Map.of();
        final JsonNode in = root.get("inputs");
        if (in != null)
        {
            inputs = r.stringMap(in, BodyReader.loc(BODY, "inputs"));
        }
        final Long startDelay = optionalInteger(r, root, BODY, "start_delay", 0);
        if (startDelay != null)
        {
            r.atLeast(startDelay, 0, false, BodyReader.loc(BODY, "start_delay"), root.get("start_delay"));
        }
        return r.ok() ? new Trigger(store, inputs, startDelay) : null;
    }

    static Enqueue enqueue(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        List<String> nodes = null;
        final JsonNode nn = r.required(root, BODY, "nodes");
        if (nn != null)
        {
            nodes = r.stringList(nn, BodyReader.loc(BODY, "nodes"));
        }
        Long batchSize = null;
        final JsonNode bs = r.required(root, BODY, "batch_size");
        if (bs != null)
        {
            batchSize = r.integer(bs, BodyReader.loc(BODY, "batch_size"));
        }
        return r.ok() ? new Enqueue(nodes, batchSize) : null;
    }

    /** Route #10: the outputs, each an object of any JSON values. */
    static List<ObjectNode> executed(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        final JsonNode out = r.required(root, BODY, "outputs");
        if (out == null)
        {
            return null;
        }
        final List<Object> loc = BodyReader.loc(BODY, "outputs");
        final ArrayNode arr = r.list(out, loc);
        if (arr == null)
        {
            return null;
        }
        final List<ObjectNode> outputs = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++)
        {
            final ObjectNode o = r.dict(arr.get(i), BodyReader.loc(loc, i));
            if (o != null)
            {
                outputs.add(o);
            }
        }
        return r.ok() ? outputs : null;
    }

    /** Route #11: the error text. */
    static String errored(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        return root == null ? null : requiredString(r, root, BODY, "error");
    }

    /** Route #12: the prune data as JSON text. */
    static String prune(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        final JsonNode data = r.required(root, BODY, "data");
        if (data == null)
        {
            return null;
        }
        final ObjectNode obj = r.dict(data, BodyReader.loc(BODY, "data"));
        return obj == null ? null : Json.text(obj);
    }

    /** Route #13: the delay in ms, > 0. */
    static Long reenqueueAfter(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        if (root == null)
        {
            return null;
        }
        final JsonNode v = r.required(root, BODY, "enqueue_after");
        if (v == null)
        {
            return null;
        }
        final List<Object> loc = BodyReader.loc(BODY, "enqueue_after");
        final Long delay = r.integer(v, loc);
        return delay != null && r.atLeast(delay, 0, true, loc, v) ? delay : null;
    }

    /** Route #14: the fanout id. */
    static String manualRetry(final BodyReader r, final JsonNode body)
    {
        final ObjectNode root = r.root(body);
        return root == null ? null : requiredString(r, root, BODY, "fanout_id");
    }

    private static String requiredString(
        final BodyReader r, final ObjectNode obj, final List<Object> loc, final String field)
    {
        final JsonNode v = r.required(obj, loc, field);
        return v == null ? null : r.string(v, BodyReader.loc(loc, field));
    }

    private static Long optionalInteger(
        final BodyReader r, final ObjectNode obj, final List<Object> loc, final String field, final long dflt)
    {
        final JsonNode v = obj.get(field);
        return v == null ? Long.valueOf(dflt) : r.integer(v, BodyReader.loc(loc, field));
    }

    private static List<String> names(final Enum<?>[] values)
    {
        final List<String> out = new ArrayList<>(values.length);
        for (final Enum<?> e : values)
        {
            out.add(e.name());
        }
        return out;
    }

    /** Encrypts every secret value (decision 11), keeping the names and their order. */
    static GraphSpec encryptSecrets(final GraphSpec spec, final SecretsCipher cipher)
    {
        final Map<String, String> sealed = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : spec.secrets().entrySet())
        {
            sealed.put(e.getKey(), cipher.encrypt(e.getValue()));
        }
        return new GraphSpec(spec.namespace(), spec.name(), spec.nodes(), sealed, spec.retryPolicy(),
            spec.storeConfig(), spec.triggers());
    }
}
