package io.exostate.core.model;

/** How a unite node waits for the descendants of its target instance (SPEC §5.2, decision 4). */
public enum UniteStrategy
{
    ALL_SUCCESS,
    ALL_DONE;

    public static UniteStrategy fromCode(final int code)
    {
        return values()[code];
    }

    /** The strategy named exactly {@code name}, or null when there is none. */
    public static UniteStrategy byName(final String name)
    {
        for (final UniteStrategy s : values())
        {
            if (s.name().equals(name))
            {
                return s;
            }
        }
        return null;
    }
}
