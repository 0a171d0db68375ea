package io.exostate.core.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code store_config} (SPEC §1.7). The defaults keep the client's order (insertion-ordered map). */
public record StoreConfigSpec(List<String> requiredKeys, Map<String, String> defaultValues)
{
    public static final StoreConfigSpec DEFAULT = new StoreConfigSpec(List.of(), Map.of());

    public StoreConfigSpec
    {
        requiredKeys = List.copyOf(requiredKeys);
        defaultValues = Collections.unmodifiableMap(new LinkedHashMap<>(defaultValues));
    }
}
