package io.exostate.core.model;

/**
 * The status of one state (one attempt of one node instance), SPEC §2. The codes are stable: they are journaled
 * and sent on the wire, so a code is never reused for another meaning.
 */
public enum Status
{
    CREATED(0),
    QUEUED(1),
    EXECUTED(2),
    SUCCESS(3),
    PRUNED(4),
    ERRORED(5),
    NEXT_CREATED_ERROR(6),
    RETRY_CREATED(7);

    private static final Status[] BY_CODE = values();

    private final int code;

    Status(final int code)
    {
        this.code = code;
    }

    public int code()
    {
        return code;
    }

    public static Status fromCode(final int code)
    {
        if (code < 0 || code >= BY_CODE.length)
        {
            throw new IllegalArgumentException("unknown status code: " + code);
        }
        return BY_CODE[code];
    }

    /** CREATED, QUEUED or EXECUTED: work still to be done. */
    public boolean isPending()
    {
        return this == CREATED || this == QUEUED || this == EXECUTED;
    }

    /** ERRORED or NEXT_CREATED_ERROR. */
    public boolean isErrored()
    {
        return this == ERRORED || this == NEXT_CREATED_ERROR;
    }

    /** SUCCESS or PRUNED: counted as success by the runs listing. */
    public boolean isSuccess()
    {
        return this == SUCCESS || this == PRUNED;
    }

    /** Everything but SUCCESS and RETRY_CREATED blocks a unite under ALL_SUCCESS (SPEC §5.2). */
    public boolean blocksAllSuccess()
    {
        return this != SUCCESS && this != RETRY_CREATED;
    }
}
