package io.exostate.core.template;

import java.util.Objects;

/**
 * One input of a node template. Exosphere accepts any JSON value in a template's inputs and refuses non-strings
 * only at graph validation ({@code Input <value> is not a string}); {@code value} is then the display text of the
 * value (Python's repr of it, as the edge renders it) and {@code isString} is false.
 */
public record TemplateInput(String key, String value, boolean isString)
{
    public TemplateInput
    {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    public static TemplateInput of(final String key, final String value)
    {
        return new TemplateInput(key, value, true);
    }
}
