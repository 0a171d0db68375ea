package io.exostate.core.codec;

import io.exostate.core.engine.Views;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read replies that are a bare list or map in {@link Views}, wrapped so a decoded reply says what it is.
 * {@link Views.Graph}, {@link Views.RunsPage}, {@link Views.RunGraph} and {@link Views.NodeDetails} stand for
 * themselves.
 */
public final class ViewReplies
{
    private ViewReplies()
    {
    }

    /** Route #2: the namespaces, sorted by the engine. */
    public record Namespaces(List<String> namespaces)
    {
        public Namespaces
        {
            namespaces = List.copyOf(namespaces);
        }
    }

    /** Route #4. */
    public record Nodes(List<Views.RegisteredNode> nodes)
    {
        public Nodes
        {
            nodes = List.copyOf(nodes);
        }
    }

    /** Route #7. */
    public record Graphs(List<Views.Graph> graphs)
    {
        public Graphs
        {
            graphs = List.copyOf(graphs);
        }
    }

    /** Route #15: secret name to value, in the graph's order. */
    public record StateSecrets(Map<String, String> secrets)
    {
        public StateSecrets
        {
            secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        }
    }
}
