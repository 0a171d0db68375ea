package io.exostate.core.engine;

import io.exostate.core.model.RetryStrategy;
import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.CronExpression;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.TemplateInput;
import io.exostate.core.template.TemplateSyntaxException;
import io.exostate.core.template.TriggerSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One version of a graph template, compiled at upsert (decision 3: a run keeps the version it was triggered with).
 * Node structure is held as index arrays; every input template is parsed once into a {@link CompiledInput}.
 * Compiling is a pure function of the (already model-validated) spec, so a snapshot stores the spec and restore
 * compiles it again.
 */
final class GraphVersion
{
    final long id;
    final GraphRec graph;
    final int number;
    final GraphSpec spec;
    final boolean valid;
    final List<String> errors;
    final long createdAt;

    final int size;
    final int root;
    final String[] identifiers;
    final String[] nodeNames;
    final String[] namespaces;
    final Map<String, Integer> indexOf;
    final int[][] nextNodes;
    final int[] unitesTarget;
    final UniteStrategy[] uniteStrategy;
    final int[][] unitesOf;
    final boolean hasUnites;
    final CompiledInput[][] inputs;
    final Map<String, String> storeDefaults;
    final Map<String, byte[]> storeDefaultsUtf8;
    final List<String> requiredKeys;
    final List<CronExpression> crons;

    final long maxRetries;
    final RetryStrategy retryStrategy;
    final long backoffFactor;
    final long exponent;
    final long maxDelay;

    /** Child input plans, cached per node against the registration revision they were built from. */
    final ChildPlan[] childPlans;

    GraphVersion(
        final long id,
        final GraphRec graph,
        final int number,
        final GraphSpec spec,
        final List<String> errors,
        final long createdAt)
    {
        this.id = id;
        this.graph = graph;
        this.number = number;
        this.spec = spec;
        this.errors = List.copyOf(errors);
        this.valid = errors.isEmpty();
        this.createdAt = createdAt;

        final List<NodeTemplateSpec> nodes = spec.nodes();
        size = nodes.size();
        identifiers = new String[size];
        nodeNames = new String[size];
        namespaces = new String[size];
        indexOf = new HashMap<>();
        for (int i = 0; i < size; i++)
        {
            final NodeTemplateSpec n = nodes.get(i);
            identifiers[i] = n.identifier();
            nodeNames[i] = n.nodeName();
            namespaces[i] = n.namespace();
            indexOf.put(n.identifier(), i);
        }

        nextNodes = new int[size][];
        unitesTarget = new int[size];
        uniteStrategy = new UniteStrategy[size];
        final int[] inDegree = new int[size];
        final List<List<Integer>> unitesOfList = new ArrayList<>();
        boolean anyUnites = false;
        for (int i = 0; i < size; i++)
        {
            unitesOfList.add(new ArrayList<>());
        }
        for (int i = 0; i < size; i++)
        {
            final NodeTemplateSpec n = nodes.get(i);
            final List<String> next = n.nextNodes() == null ? List.of() : n.nextNodes();
            nextNodes[i] = new int[next.size()];
            for (int j = 0; j < next.size(); j++)
            {
                final int target = indexOrThrow(next.get(j));
                nextNodes[i][j] = target;
                inDegree[target]++;
            }
            if (n.unites() != null)
            {
                final int t = indexOrThrow(n.unites().identifier());
                unitesTarget[i] = t;
                uniteStrategy[i] = n.unites().strategy();
                unitesOfList.get(t).add(i);
                inDegree[i]++;
                anyUnites = true;
            }
            else
            {
                unitesTarget[i] = -1;
            }
        }
        hasUnites = anyUnites;
        unitesOf = new int[size][];
        for (int i = 0; i < size; i++)
        {
            unitesOf[i] = unitesOfList.get(i).stream().mapToInt(Integer::intValue).toArray();
            if (unitesOf[i].length > 64)
            {
                throw new IllegalArgumentException("more than 64 unite nodes target " + identifiers[i]);
            }
        }
        int r = -1;
        for (int i = 0; i < size; i++)
        {
            if (inDegree[i] == 0)
            {
                r = i;
                break;
            }
        }
        if (r < 0)
        {
            throw new IllegalStateException("graph " + spec.name() + " has no root although it passed validation");
        }
        root = r;

        inputs = new CompiledInput[size][];
        for (int i = 0; i < size; i++)
        {
            final List<TemplateInput> ins = nodes.get(i).inputs();
            inputs[i] = new CompiledInput[ins.size()];
            for (int j = 0; j < ins.size(); j++)
            {
                final TemplateInput in = ins.get(j);
                try
                {
                    inputs[i][j] = CompiledInput.compile(in.key(), in.value(), indexOf);
                }
                catch (final TemplateSyntaxException ex)
                {
                    throw new IllegalStateException("input " + in.key() + " passed validation but does not parse", ex);
                }
            }
        }

        storeDefaults = spec.storeConfig().defaultValues();
        final Map<String, byte[]> du = new HashMap<>();
        for (final Map.Entry<String, String> e : storeDefaults.entrySet())
        {
            du.put(e.getKey(), Payloads.utf8(e.getValue()));
        }
        storeDefaultsUtf8 = du;
        requiredKeys = spec.storeConfig().requiredKeys();

        final LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (final TriggerSpec t : spec.triggers())
        {
            distinct.add(t.expression());
        }
        final List<CronExpression> cs = new ArrayList<>();
        for (final String e : distinct)
        {
            cs.add(CronExpression.parse(e));
        }
        crons = List.copyOf(cs);

        maxRetries = spec.retryPolicy().maxRetries();
        retryStrategy = spec.retryPolicy().strategy();
        backoffFactor = spec.retryPolicy().backoffFactor();
        exponent = spec.retryPolicy().exponent();
        maxDelay = spec.retryPolicy().maxDelay() == null ? 0 : spec.retryPolicy().maxDelay();
        childPlans = new ChildPlan[size];
    }

    private int indexOrThrow(final String identifier)
    {
        final Integer idx = indexOf.get(identifier);
        if (idx == null)
        {
            throw new IllegalStateException("identifier " + identifier + " passed validation but is not in the graph");
        }
        return idx;
    }

    CompiledInput input(final int nodeIdx, final String key)
    {
        for (final CompiledInput in : inputs[nodeIdx])
        {
            if (in.key.equals(key))
            {
                return in;
            }
        }
        return null;
    }

    /** The inputs a child of node {@code nodeIdx} materialises: the fields of its registered inputs schema. */
    static final class ChildPlan
    {
        final RegisteredNodeRec registration;
        final long revision;
        final String error;
        final CompiledInput[] fields;

        ChildPlan(final RegisteredNodeRec registration, final long revision, final String error, final CompiledInput[] fields)
        {
            this.registration = registration;
            this.revision = revision;
            this.error = error;
            this.fields = fields;
        }
    }
}
