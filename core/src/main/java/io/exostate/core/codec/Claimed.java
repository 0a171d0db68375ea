package io.exostate.core.codec;

import java.util.List;

/** A decoded, successful claim reply: the claimed states in claim order (a refused claim decodes as a Rejection). */
public record Claimed(List<ClaimedState> states)
{
    public Claimed
    {
        states = List.copyOf(states);
    }
}
