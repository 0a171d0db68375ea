package io.exostate.core.template;

/** Finds a registered node by (namespace, name); null when it is not registered. */
@FunctionalInterface
public interface NodeLookup
{
    NodeRegistration find(String namespace, String name);
}
