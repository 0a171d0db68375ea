package io.exostate.core.model;

/**
 * What the engine needs to know of one property of a registered node's JSON schema (SPEC §1.2). The edge that
 * parses the JSON schema decides the kind; the engine never sees JSON.
 */
public enum FieldKind
{
    /** Resolves to the plain string type: {@code "type":"string"} with no format, the email format or an unknown one. */
    STRING,
    /** Any other type, a string with a date-time/uri/uuid format, enum, const, anyOf/oneOf/allOf/$ref, type lists. */
    NOT_STRING,
    /** A property with no {@code type} at all: Exosphere's schema-to-model conversion throws on it. */
    UNTYPED;

    public static FieldKind fromCode(final int code)
    {
        return values()[code];
    }
}
