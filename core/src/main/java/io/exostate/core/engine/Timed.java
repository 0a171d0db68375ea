package io.exostate.core.engine;

/** Something that can sit in a {@link TimerQueue} that tracks positions: it remembers its heap index. */
abstract class Timed
{
    int timerIndex = -1;
}
