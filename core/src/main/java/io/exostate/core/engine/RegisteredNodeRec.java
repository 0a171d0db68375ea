package io.exostate.core.engine;

import io.exostate.core.template.NodeRegistration;

/** A registered node (SPEC §1.2); a registration with the same (name, namespace) overwrites it. */
final class RegisteredNodeRec
{
    final long id;
    final String namespace;
    final String name;
    final long createdAt;
    long updatedAt;
    String runtimeName;
    NodeRegistration registration;
    /** Bumped by every registration: child input plans built from an older revision are rebuilt. */
    long revision;

    RegisteredNodeRec(final long id, final String namespace, final String name, final long createdAt)
    {
        this.id = id;
        this.namespace = namespace;
        this.name = name;
        this.createdAt = createdAt;
        this.updatedAt = createdAt;
    }
}
