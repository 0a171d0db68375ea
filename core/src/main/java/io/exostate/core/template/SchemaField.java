package io.exostate.core.template;

import io.exostate.core.model.FieldKind;

import java.util.Objects;

/** One property of a registered node's inputs or outputs schema, as far as the engine cares (SPEC §1.2). */
public record SchemaField(String name, FieldKind kind)
{
    public SchemaField
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }
}
