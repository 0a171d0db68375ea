package io.exostate.bench.load;

import io.exostate.core.model.UniteStrategy;
import io.exostate.core.template.GraphSpec;
import io.exostate.core.template.NodeRegistration;
import io.exostate.core.template.NodeTemplateSpec;
import io.exostate.core.template.RetryPolicySpec;
import io.exostate.core.template.StoreConfigSpec;
import io.exostate.core.template.UnitesSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The graph a load runs, parsed from {@code chain:N}, {@code fanout:K} or {@code fanout-unite:K}. Every node executes
 * instantly, with no inputs and no output fields, so what is measured is the engine and the transport.
 * <ul>
 *   <li>{@code chain:N}: {@code s0 -> s1 -> ... -> s(N-1)}, N states of node {@code Step} one after another;</li>
 *   <li>{@code fanout:K}: {@code split} (node {@code Split}) reports K outputs, so K states of {@code work}
 *       (node {@code Work}) run in parallel;</li>
 *   <li>{@code fanout-unite:K}: {@code plan} (node {@code Plan}) leads to the same fanout, and {@code merge} (node
 *       {@code Merge}) unites on {@code plan} (ALL_SUCCESS): it runs once per run, when every {@code work}
 *       succeeded. (A unite on {@code split} itself would run K times: each output of a fanout is a state of its
 *       own, with its own descendants.)</li>
 * </ul>
 * <b>Transitions</b> are the status changes the engine journals ({@code EngineListener.onTransition}). A claimed
 * state makes 4: new→CREATED, CREATED→QUEUED, QUEUED→EXECUTED, EXECUTED→SUCCESS. Each output of a report beyond the
 * first makes a sibling state that is born EXECUTED and makes 2: new→EXECUTED, EXECUTED→SUCCESS. So a run of
 * {@code chain:N} makes 4N, {@code fanout:K} 4(K+1) + 2(K-1) = 6K+2 and {@code fanout-unite:K} 4(K+3) + 2(K-1) =
 * 6K+10.
 * <p>
 * Immutable; safe to share.
 */
final class GraphShape
{
    enum Kind
    {
        CHAIN, FANOUT, FANOUT_UNITE
    }

    static final int MAX_CHAIN = 1_000;
    static final int MAX_FANOUT = 10_000;

    private final Kind kind;
    private final int size;
    private final String text;
    private final List<Map<String, String>> splitOutputs;
    private final String lastStep;

    private GraphShape(final Kind kind, final int size, final String text)
    {
        this.kind = kind;
        this.size = size;
        this.text = text;
        this.splitOutputs = kind == Kind.CHAIN ? List.of() : Collections.nCopies(size, Map.of());
        this.lastStep = "s" + (size - 1);
    }

    /**
     * Parses {@code chain:N} (1..1000), {@code fanout:K} or {@code fanout-unite:K} (1..10000).
     *
     * @throws IllegalArgumentException with a message saying what was expected.
     */
    static GraphShape parse(final String text)
    {
        final int colon = text == null ? -1 : text.indexOf(':');
        if (colon < 0)
        {
            throw new IllegalArgumentException(
                "Expected --graph chain:N, fanout:K or fanout-unite:K, but got '" + text + "'");
        }
        final String name = text.substring(0, colon);
        final Kind kind;
        switch (name)
        {
            case "chain" -> kind = Kind.CHAIN;
            case "fanout" -> kind = Kind.FANOUT;
            case "fanout-unite" -> kind = Kind.FANOUT_UNITE;
            default -> throw new IllegalArgumentException(
                "Expected --graph chain:N, fanout:K or fanout-unite:K, but the shape is '" + name + "'");
        }
        final int n;
        try
        {
            n = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("Expected a number after '" + name + ":', but got '" + text + "'");
        }
        final int max = kind == Kind.CHAIN ? MAX_CHAIN : MAX_FANOUT;
        if (n < 1 || n > max)
        {
            throw new IllegalArgumentException("Expected " + name + ":N with N in 1.." + max + ", but got " + n);
        }
        return new GraphShape(kind, n, name + ":" + n);
    }

    Kind kind()
    {
        return kind;
    }

    /** N of a chain, K of a fanout. */
    int size()
    {
        return size;
    }

    boolean isChain()
    {
        return kind == Kind.CHAIN;
    }

    /** The graph template's name: one per shape, so loads of different shapes can share a namespace. */
    String graphName()
    {
        return "load-" + text.replace(':', '-');
    }

    /** The node names a runtime claims. */
    List<String> nodeNames()
    {
        return switch (kind)
        {
            case CHAIN -> List.of("Step");
            case FANOUT -> List.of("Split", "Work");
            case FANOUT_UNITE -> List.of("Plan", "Split", "Work", "Merge");
        };
    }

    /** The registrations of {@link #nodeNames()}: no inputs, no outputs, no secrets. */
    List<NodeRegistration> registrations()
    {
        final List<NodeRegistration> out = new ArrayList<>();
        for (final String name : nodeNames())
        {
            out.add(new NodeRegistration(name, List.of(), List.of(), List.of(), EMPTY_SCHEMA, EMPTY_SCHEMA));
        }
        return out;
    }

    private static final String EMPTY_SCHEMA = "{\"properties\": {}, \"title\": \"Inputs\", \"type\": \"object\"}";

    /** The graph template in {@code namespace}. */
    GraphSpec spec(final String namespace)
    {
        final List<NodeTemplateSpec> nodes = new ArrayList<>();
        switch (kind)
        {
            case CHAIN ->
            {
                for (int i = 0; i < size; i++)
                {
                    nodes.add(new NodeTemplateSpec("Step", namespace, "s" + i, List.of(),
                        i + 1 < size ? List.of("s" + (i + 1)) : List.of(), null));
                }
            }
            case FANOUT ->
            {
                nodes.add(new NodeTemplateSpec("Split", namespace, "split", List.of(), List.of("work"), null));
                nodes.add(new NodeTemplateSpec("Work", namespace, "work", List.of(), List.of(), null));
            }
            case FANOUT_UNITE ->
            {
                nodes.add(new NodeTemplateSpec("Plan", namespace, "plan", List.of(), List.of("split"), null));
                nodes.add(new NodeTemplateSpec("Split", namespace, "split", List.of(), List.of("work"), null));
                nodes.add(new NodeTemplateSpec("Work", namespace, "work", List.of(), List.of("merge"), null));
                nodes.add(new NodeTemplateSpec("Merge", namespace, "merge", List.of(), List.of(),
                    new UnitesSpec("plan", UniteStrategy.ALL_SUCCESS)));
            }
            default -> throw new IllegalStateException(kind.name());
        }
        return new GraphSpec(namespace, graphName(), nodes, Map.of(), RetryPolicySpec.DEFAULT,
            StoreConfigSpec.DEFAULT, List.of());
    }

    /** The outputs a runtime reports for a state of {@code identifier}: K empty maps for {@code split}, else none. */
    List<Map<String, String>> outputs(final String identifier)
    {
        return kind != Kind.CHAIN && "split".equals(identifier) ? splitOutputs : List.of();
    }

    /** The number of outputs {@link #outputs} reports (0 counts as the engine's one empty output). */
    int outputCount(final String identifier)
    {
        return Math.max(1, outputs(identifier).size());
    }

    /** True for the states whose success ends a branch of the run: the last step, each work, or the merge. */
    boolean isLeaf(final String identifier)
    {
        return switch (kind)
        {
            case CHAIN -> lastStep.equals(identifier);
            case FANOUT -> "work".equals(identifier);
            case FANOUT_UNITE -> "merge".equals(identifier);
        };
    }

    /** Leaves per run: a run is complete once this many leaf states were reported executed. */
    int leavesPerRun()
    {
        return kind == Kind.FANOUT ? size : 1;
    }

    /** States claimed and reported per run. */
    int claimedStatesPerRun()
    {
        return switch (kind)
        {
            case CHAIN -> size;
            case FANOUT -> size + 1;
            case FANOUT_UNITE -> size + 3;
        };
    }

    /** Exact transitions per completed run (see the class javadoc). */
    long transitionsPerRun()
    {
        return 4L * claimedStatesPerRun() + (kind == Kind.CHAIN ? 0 : 2L * (size - 1));
    }

    /** The formula behind {@link #transitionsPerRun()}, for the printed definition. */
    String transitionsFormula()
    {
        return switch (kind)
        {
            case CHAIN -> "4N = " + transitionsPerRun();
            case FANOUT -> "4(K+1) + 2(K-1) = 6K+2 = " + transitionsPerRun();
            case FANOUT_UNITE -> "4(K+3) + 2(K-1) = 6K+10 = " + transitionsPerRun();
        };
    }

    /** The position of a chain step ({@code s7} is 7), or -1 for anything else. Allocates nothing. */
    static int chainPosition(final String identifier)
    {
        if (identifier.length() < 2 || identifier.charAt(0) != 's')
        {
            return -1;
        }
        int n = 0;
        for (int i = 1; i < identifier.length(); i++)
        {
            final char c = identifier.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
