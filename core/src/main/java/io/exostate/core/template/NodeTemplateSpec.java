package io.exostate.core.template;

import java.util.List;
import java.util.Objects;

/**
 * A node of a graph template as the client sent it (SPEC §1.4). {@code nextNodes} is null when the field was
 * omitted; the edge turns an explicit JSON null into an empty list (Exosphere's QUIRK). {@code unites} may be null.
 */
public record NodeTemplateSpec(
    String nodeName,
    String namespace,
    String identifier,
    List<TemplateInput> inputs,
    List<String> nextNodes,
    UnitesSpec unites)
{
    public NodeTemplateSpec
    {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(identifier, "identifier");
        inputs = List.copyOf(inputs);
        nextNodes = nextNodes == null ? null : List.copyOf(nextNodes);
    }

    /** The template input named {@code key}, or null. */
    public TemplateInput input(final String key)
    {
        for (final TemplateInput in : inputs)
        {
            if (in.key().equals(key))
            {
                return in;
            }
        }
        return null;
    }
}
