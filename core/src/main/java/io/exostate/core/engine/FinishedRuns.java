package io.exostate.core.engine;

/**
 * Runs in the order they finished, each with the command time it finished at: a FIFO ring of two parallel arrays, so
 * that a run finishing allocates nothing (the claim + executed cycle's budget is 64 bytes). Engine thread only.
 */
final class FinishedRuns
{
    private RunRec[] runs = new RunRec[64];
    private long[] times = new long[64];
    private int head;
    private int size;

    void add(final RunRec run, final long at)
    {
        if (size == runs.length)
        {
            grow();
        }
        final int i = (head + size) & (runs.length - 1);
        runs[i] = run;
        times[i] = at;
        size++;
    }

    boolean isEmpty()
    {
        return size == 0;
    }

    /** The oldest entry's time; only when not empty. */
    long oldestTime()
    {
        return times[head];
    }

    /** Removes and returns the oldest entry's run; only when not empty. */
    RunRec removeOldest()
    {
        final RunRec run = runs[head];
        runs[head] = null;
        head = (head + 1) & (runs.length - 1);
        size--;
        return run;
    }

    private void grow()
    {
        final int n = runs.length;
        final RunRec[] r = new RunRec[n * 2];
        final long[] t = new long[n * 2];
        for (int k = 0; k < size; k++)
        {
            r[k] = runs[(head + k) & (n - 1)];
            t[k] = times[(head + k) & (n - 1)];
        }
        runs = r;
        times = t;
        head = 0;
    }
}
