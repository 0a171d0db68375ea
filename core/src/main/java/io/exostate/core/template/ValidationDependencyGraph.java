package io.exostate.core.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The root and the "parents" of every node of a graph template, computed exactly as Exosphere computes them (SPEC
 * §10.2), walk-order bug included, because the validation messages depend on it.
 * <p>
 * The walk is Exosphere's recursive depth-first search from the root, run here with an explicit stack so a long
 * chain cannot overflow the Java stack. A call {@code dfs(node, parents, path)}:
 * <ol>
 *     <li>merges {@code parents} into parents(node) and {@code path} into path(node), whatever else happens;</li>
 *     <li>stops if the node was already visited, else marks it visited;</li>
 *     <li>for a node with {@code unites: T}: if T was visited, parents(node) becomes parents(T) + T (the parents of
 *     the path that reached it are replaced); if not, the node is parked under T and the call stops, so its children
 *     are never walked (the BUG: a later visit of T only merges parents into it, since it is already visited);</li>
 *     <li>calls every node parked under this node with this node's parents-for-children and their own path;</li>
 *     <li>calls every next node with parents-for-children (parents + node, or parents(T) + T for a unite) and
 *     path + node.</li>
 * </ol>
 * Nodes still parked at the end make the graph "disconnected". The sibling calls of one frame take arguments fixed
 * when the frame runs, so pushing them in reverse order replays the recursion's order exactly.
 * <p>
 * Expects a template that passed checks 1–4 (unique identifiers, existing next nodes and unites targets).
 * Not thread-safe while built; read-only afterwards. Allocates sets per call: templates are small.
 */
final class ValidationDependencyGraph
{
    private record Call(String identifier, Set<String> parents, Set<String> path)
    {
    }

    private final Map<String, NodeTemplateSpec> byIdentifier = new HashMap<>();
    private final Map<String, Set<String>> parents = new HashMap<>();
    private final Map<String, Set<String>> paths = new HashMap<>();
    private final Set<String> visited = new HashSet<>();
    // Insertion-ordered like the Python dict it mirrors: its rendering is part of an error message.
    private final Map<String, List<String>> awaiting = new LinkedHashMap<>();

    private ValidationDependencyGraph(final List<NodeTemplateSpec> nodes)
    {
        for (final NodeTemplateSpec node : nodes)
        {
            byIdentifier.put(node.identifier(), node);
            parents.put(node.identifier(), new LinkedHashSet<>());
            paths.put(node.identifier(), new LinkedHashSet<>());
        }
    }

    /**
     * The nodes with zero in-degree, in template order. Every {@code next_nodes} entry adds one to its target, and a
     * node with {@code unites} adds one to itself (the unites link counts as an incoming edge).
     */
    static List<NodeTemplateSpec> zeroInDegree(final List<NodeTemplateSpec> nodes)
    {
        final Map<String, Integer> inDegree = new HashMap<>();
        for (final NodeTemplateSpec node : nodes)
        {
            inDegree.put(node.identifier(), 0);
        }
        for (final NodeTemplateSpec node : nodes)
        {
            if (node.nextNodes() != null)
            {
                for (final String next : node.nextNodes())
                {
                    inDegree.merge(next, 1, Integer::sum);
                }
            }
            if (node.unites() != null)
            {
                inDegree.merge(node.identifier(), 1, Integer::sum);
            }
        }
        final List<NodeTemplateSpec> roots = new ArrayList<>();
        for (final NodeTemplateSpec node : nodes)
        {
            if (inDegree.get(node.identifier()) == 0)
            {
                roots.add(node);
            }
        }
        return roots;
    }

    /** Walk the template from {@code rootIdentifier}. */
    static ValidationDependencyGraph walk(final List<NodeTemplateSpec> nodes, final String rootIdentifier)
    {
        final ValidationDependencyGraph graph = new ValidationDependencyGraph(nodes);
        final Deque<Call> stack = new ArrayDeque<>();
        stack.push(new Call(rootIdentifier, Set.of(), Set.of()));
        while (!stack.isEmpty())
        {
            final List<Call> calls = graph.enter(stack.pop());
            for (int i = calls.size() - 1; i >= 0; i--)
            {
                stack.push(calls.get(i));
            }
        }
        return graph;
    }

    /** The parents of a node (empty for an unknown identifier). */
    Set<String> parents(final String identifier)
    {
        return parents.getOrDefault(identifier, Set.of());
    }

    /** The union of the walk paths that reached a node; a node on its own path lies on a cycle. */
    Set<String> path(final String identifier)
    {
        return paths.getOrDefault(identifier, Set.of());
    }

    /** True when some unite node is still parked because its target was never reached. */
    boolean isDisconnected()
    {
        return !awaiting.isEmpty();
    }

    /** The parked unite nodes as Python renders the dict, e.g. {@code {'target': ['unite']}}. */
    String renderAwaiting()
    {
        return ValidationText.reprDictOfLists(awaiting);
    }

    private List<Call> enter(final Call call)
    {
        final String id = call.identifier();
        parents.get(id).addAll(call.parents());
        paths.get(id).addAll(call.path());

        if (!visited.add(id))
        {
            return List.of();
        }

        final NodeTemplateSpec node = byIdentifier.get(id);
        final Set<String> parentsForChildren;
        if (node.unites() == null)
        {
            parentsForChildren = with(call.parents(), id);
        }
        else
        {
            final String target = node.unites().identifier();
            if (!visited.contains(target))
            {
                awaiting.computeIfAbsent(target, k -> new ArrayList<>()).add(id);
                return List.of();
            }
            parentsForChildren = with(parents.get(target), target);
            parents.put(id, new LinkedHashSet<>(parentsForChildren));
        }

        final List<Call> calls = new ArrayList<>();
        final List<String> parked = awaiting.remove(id);
        if (parked != null)
        {
            for (final String unite : parked)
            {
                calls.add(new Call(unite, parentsForChildren, Set.copyOf(paths.get(unite))));
            }
        }
        if (node.nextNodes() != null)
        {
            final Set<String> childPath = with(call.path(), id);
            for (final String next : node.nextNodes())
            {
                calls.add(new Call(next, parentsForChildren, childPath));
            }
        }
        return calls;
    }

    private static Set<String> with(final Set<String> set, final String element)
    {
        final Set<String> result = new LinkedHashSet<>(set);
        result.add(element);
        return result;
    }
}
