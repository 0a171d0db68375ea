package io.exostate.core.engine;

import io.exostate.core.template.FieldError;

import java.util.List;
import java.util.Objects;

/**
 * A refused command: nothing in the engine changed. {@code detail} is the text the HTTP API puts in
 * {@code {"detail": ...}}; {@code fieldErrors} is non-empty only for {@link RejectCode#INVALID_REQUEST} raised by
 * graph body validation (HTTP 422 with pydantic-style entries).
 */
public record Rejection(RejectCode code, String detail, List<FieldError> fieldErrors)
{
    public Rejection
    {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
        fieldErrors = List.copyOf(fieldErrors);
    }

    public Rejection(final RejectCode code, final String detail)
    {
        this(code, detail, List.of());
    }

    @Override
    public String toString()
    {
        return "Rejection[" + code + ", " + detail + (fieldErrors.isEmpty() ? "" : ", " + fieldErrors) + "]";
    }
}
