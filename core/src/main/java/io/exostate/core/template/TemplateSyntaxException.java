package io.exostate.core.template;

/**
 * An input template that does not follow the placeholder syntax of SPEC §3.1. The message is Exosphere's text,
 * e.g. {@code Invalid syntax string placeholder a.b for: ${{a.b}}}, so callers can embed it in their own errors
 * unchanged.
 */
public final class TemplateSyntaxException extends Exception
{
    private static final long serialVersionUID = 1L;

    public TemplateSyntaxException(final String message)
    {
        super(message);
    }
}
