package io.exostate.core.model;

/** The nine retry strategies of SPEC §7.2. Codes are stable wire values. */
public enum RetryStrategy
{
    EXPONENTIAL,
    EXPONENTIAL_FULL_JITTER,
    EXPONENTIAL_EQUAL_JITTER,
    LINEAR,
    LINEAR_FULL_JITTER,
    LINEAR_EQUAL_JITTER,
    FIXED,
    FIXED_FULL_JITTER,
    FIXED_EQUAL_JITTER;

    private static final RetryStrategy[] BY_CODE = values();

    public static RetryStrategy fromCode(final int code)
    {
        if (code < 0 || code >= BY_CODE.length)
        {
            throw new IllegalArgumentException("unknown retry strategy code: " + code);
        }
        return BY_CODE[code];
    }

    /** The strategy named exactly {@code name}, or null when there is none. */
    public static RetryStrategy byName(final String name)
    {
        for (final RetryStrategy s : BY_CODE)
        {
            if (s.name().equals(name))
            {
                return s;
            }
        }
        return null;
    }
}
