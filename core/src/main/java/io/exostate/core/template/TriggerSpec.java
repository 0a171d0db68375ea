package io.exostate.core.template;

import java.util.Objects;

/** A template-level trigger: {@code {"type":"CRON","value":{"expression":...}}} (SPEC §1.8). */
public record TriggerSpec(String type, String expression)
{
    public TriggerSpec
    {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(expression, "expression");
    }

    public static TriggerSpec cron(final String expression)
    {
        return new TriggerSpec("CRON", expression);
    }
}
