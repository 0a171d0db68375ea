package io.exostate.core.codec;

import io.exostate.core.engine.RejectCode;
import io.exostate.core.engine.Rejection;

import java.util.Objects;

/**
 * Why bytes could not be decoded. Decoders never let an exception escape for bad input: they answer with this
 * (the command decoder turns it into a {@code Rejected} reply, see {@link #toRejection()}).
 */
public record DecodeError(Kind kind, String detail)
{
    public enum Kind
    {
        /** Fewer bytes than the header, a block, a group or a var-data length says. */
        TRUNCATED,
        /** The header names another schema than {@value Wire#SCHEMA_ID}. */
        WRONG_SCHEMA,
        /** The header names a schema version this build cannot read. */
        WRONG_VERSION,
        /** The template id is not one of the messages this decoder reads. */
        UNKNOWN_TEMPLATE,
        /** The structure is wrong: a bad enum code, flag, block length, payload, duplicate key, trailing bytes. */
        MALFORMED,
        /** Well formed, but beyond what the wire can carry (a claim for more states than a reply can hold). */
        LIMIT_EXCEEDED
    }

    public DecodeError
    {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    /** The rejection a command or query decoder answers with: LIMIT_EXCEEDED for a limit, else INVALID_REQUEST. */
    public Rejection toRejection()
    {
        return new Rejection(rejectCode(), detail);
    }

    public RejectCode rejectCode()
    {
        return kind == Kind.LIMIT_EXCEEDED ? RejectCode.LIMIT_EXCEEDED : RejectCode.INVALID_REQUEST;
    }
}
