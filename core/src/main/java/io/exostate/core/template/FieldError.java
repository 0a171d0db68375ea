package io.exostate.core.template;

import java.util.List;

/**
 * One request-body validation error (SPEC §10.1: an HTTP 422 entry). {@code loc} is the path into the body,
 * e.g. {@code ["body","nodes",0,"identifier"]}; {@code type} is the pydantic error type ({@code value_error},
 * {@code greater_than_equal}, ...); {@code msg} the message exactly as Exosphere renders it.
 */
public record FieldError(List<Object> loc, String type, String msg)
{
    public FieldError
    {
        loc = List.copyOf(loc);
    }
}
