package io.exostate.core.template;

import java.util.List;
import java.util.Objects;

/**
 * A node as a runtime registers it (SPEC §1.2, route #3). The edge parses the JSON schemas into
 * {@link SchemaField}s, in the order of the schema's {@code properties}; the schema texts travel as opaque JSON
 * strings that the engine stores and echoes but never parses.
 */
public record NodeRegistration(
    String name,
    List<SchemaField> inputs,
    List<SchemaField> outputs,
    List<String> secrets,
    String inputsSchemaJson,
    String outputsSchemaJson)
{
    public NodeRegistration
    {
        Objects.requireNonNull(name, "name");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        secrets = List.copyOf(secrets);
        Objects.requireNonNull(inputsSchemaJson, "inputsSchemaJson");
        Objects.requireNonNull(outputsSchemaJson, "outputsSchemaJson");
    }
}
