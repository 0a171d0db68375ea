package io.exostate.core.template;

import io.exostate.core.model.UniteStrategy;

import java.util.Objects;

/** {@code unites: {identifier, strategy}} of a node template (SPEC §1.4). */
public record UnitesSpec(String identifier, UniteStrategy strategy)
{
    public UnitesSpec
    {
        Objects.requireNonNull(identifier, "identifier");
        Objects.requireNonNull(strategy, "strategy");
    }
}
