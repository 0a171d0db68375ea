package io.exostate.transport.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The node a {@link Node.Builder} makes: names and a lambda. Immutable. */
record BuiltNode(
    String name, List<String> inputNames, List<String> outputNames, List<String> secretNames, Node.Body body)
    implements Node
{
    BuiltNode
    {
        Objects.requireNonNull(name, "name");
        inputNames = List.copyOf(inputNames);
        outputNames = List.copyOf(outputNames);
        secretNames = List.copyOf(secretNames);
        Objects.requireNonNull(body, "body");
    }

    @Override
    public List<Map<String, String>> execute(final Map<String, String> inputs, final Map<String, String> secrets)
        throws Exception
    {
        return body.execute(inputs, secrets);
    }
}
