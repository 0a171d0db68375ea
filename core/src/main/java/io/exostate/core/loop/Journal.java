package io.exostate.core.loop;

import org.agrona.DirectBuffer;

/**
 * The single-node loop's durable log: every batch of commands is appended with its log index before any of its
 * replies leave, and the transitions it produced are appended beside it (the history of every run).
 * <p>
 * <b>Threading:</b> one appender thread (the engine thread) owns a journal; {@link #replay} runs before the loop
 * starts.
 */
public interface Journal extends AutoCloseable
{
    /** Receives a journaled batch during {@link #replay}. The buffer is valid only during the call. */
    @FunctionalInterface
    interface BatchHandler
    {
        void onBatch(long logIndex, DirectBuffer buffer, int offset, int length);
    }

    /** Appends one complete batch (a {@code Batch} message as {@code BatchWriter} writes it). */
    void appendBatch(long logIndex, DirectBuffer buffer, int offset, int length);

    /** Appends the transitions produced by batch {@code logIndex} (see {@link TransitionLog}). */
    void appendTransitions(long logIndex, DirectBuffer buffer, int offset, int length);

    /**
     * Makes what was appended as durable as the journal's mode promises, before replies leave: nothing more for the
     * default mode (the bytes are in the page cache, which survives the process), an msync for fsync mode.
     */
    void commit();

    /** Replays, in order, the batches with a log index above {@code afterLogIndex}; returns the last index seen. */
    long replay(long afterLogIndex, BatchHandler handler);

    /**
     * Deletes journal files that only hold batches at or below {@code snapshotLogIndex} and are older than the
     * retention window. Returns the number of files deleted.
     */
    int purge(long snapshotLogIndex, long nowMs);

    @Override
    void close();

    /** A journal that keeps nothing: for tests and benchmarks of the loop itself. */
    Journal NONE = new Journal()
    {
        @Override
        public void appendBatch(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
        {
        }

        @Override
        public void appendTransitions(final long logIndex, final DirectBuffer buffer, final int offset, final int length)
        {
        }

        @Override
        public void commit()
        {
        }

        @Override
        public long replay(final long afterLogIndex, final BatchHandler handler)
        {
            return afterLogIndex;
        }

        @Override
        public int purge(final long snapshotLogIndex, final long nowMs)
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    };
}
