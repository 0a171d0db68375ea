package io.exostate.core.engine;

/**
 * Why the engine refused a command. Each code has a stable wire value (never reused, journals outlive releases)
 * and the HTTP status Exosphere answers for it (SPEC §11). The detail text travels beside the code.
 */
public enum RejectCode
{
    /** The request is malformed in a way the body validation catches (HTTP 422). */
    INVALID_REQUEST(1, 422),
    /** 404 {@code State not found}: unknown id, malformed id, or a state of another namespace (decision 1). */
    STATE_NOT_FOUND(2, 404),
    /** 400: the state's status does not allow the report ({@code State is not queued}, ...). */
    WRONG_STATUS(3, 400),
    /** The claim token of a report is not the state's current one (binary protocol only). */
    STALE_TOKEN(4, 409),
    /** 404: the graph template does not exist (the detail names it). */
    GRAPH_NOT_FOUND(5, 404),
    /** 400 {@code Graph template is not valid}. */
    GRAPH_NOT_VALID(6, 400),
    /** 400 {@code Invalid input: ...} at trigger. */
    INVALID_INPUT(7, 400),
    /** 400 {@code Missing store keys: {...}} at trigger. */
    MISSING_STORE_KEYS(8, 400),
    /** 400 {@code Error validating graph template: ...} at upsert. */
    INVALID_GRAPH(9, 400),
    /** 409 {@code Duplicate retry state detected}. */
    DUPLICATE_RETRY(10, 409),
    /** 400 {@code Invalid node ID format: <id>} on node details (decision 15). */
    INVALID_NODE_ID(11, 400),
    /** 404 {@code Node <id> not found in run <run> for graph <g>}. */
    NODE_NOT_FOUND(12, 404),
    /** A command exceeds an engine limit (batch size, payload size). */
    LIMIT_EXCEEDED(13, 413),
    /** A run with this id exists already (run ids are chosen at the edge). */
    DUPLICATE_RUN(14, 409);

    private static final RejectCode[] BY_CODE = new RejectCode[32];

    static
    {
        for (final RejectCode c : values())
        {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final int httpStatus;

    RejectCode(final int code, final int httpStatus)
    {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public int code()
    {
        return code;
    }

    public int httpStatus()
    {
        return httpStatus;
    }

    public static RejectCode fromCode(final int code)
    {
        final RejectCode c = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (c == null)
        {
            throw new IllegalArgumentException("unknown reject code: " + code);
        }
        return c;
    }
}
