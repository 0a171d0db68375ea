package io.exostate.core.engine;

/**
 * The unite counters of one target instance T (decision 4): how many of T's descendants are pending
 * (CREATED, QUEUED, EXECUTED) and how many block ALL_SUCCESS (anything but SUCCESS and RETRY_CREATED). A unite
 * check is then O(1). {@code created} remembers which unite nodes were already created for this instance.
 */
final class UniteGroup
{
    int pending;
    int blocking;
    long createdMask;
    boolean dirty;
}
