package io.exostate.core.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A graph template as an upsert carries it (SPEC §1.3, route #5). Secrets are already encrypted at the edge
 * (decision 11): the values are the URL-safe base64 of nonce, ciphertext and tag, never plaintext.
 */
public record GraphSpec(
    String namespace,
    String name,
    List<NodeTemplateSpec> nodes,
    Map<String, String> secrets,
    RetryPolicySpec retryPolicy,
    StoreConfigSpec storeConfig,
    List<TriggerSpec> triggers)
{
    public GraphSpec
    {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        nodes = List.copyOf(nodes);
        secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(storeConfig, "storeConfig");
        triggers = List.copyOf(triggers);
    }

    /** The node with this identifier, or null. */
    public NodeTemplateSpec node(final String identifier)
    {
        for (final NodeTemplateSpec n : nodes)
        {
            if (n.identifier().equals(identifier))
            {
                return n;
            }
        }
        return null;
    }
}
