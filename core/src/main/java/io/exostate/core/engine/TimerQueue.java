package io.exostate.core.engine;

import java.util.Arrays;

/**
 * The engine's timers: a min-heap ordered by (deadline, kind, key), where the key is a state id or a cron entry id.
 * The order depends only on the timers' own data, never on insertion order, so an engine restored from a snapshot
 * (which re-arms its timers in another order) fires them in exactly the same sequence.
 * <p>
 * Engine thread only.
 */
final class TimerQueue
{
    private final boolean trackIndex;

    static final int LEASE = 1;
    static final int READY = 2;
    static final int CRON = 3;

    private long[] deadlines = new long[16];
    private int[] kinds = new int[16];
    private long[] keys = new long[16];
    private Object[] refs = new Object[16];
    private int size;

    /**
     * @param trackIndex when true every ref is a {@link Timed} that may sit in this queue at most once and can be
     *                   removed; when false refs are plain objects and duplicates are allowed.
     */
    TimerQueue(final boolean trackIndex)
    {
        this.trackIndex = trackIndex;
    }

    int size()
    {
        return size;
    }

    /** The earliest deadline, or Long.MAX_VALUE when there is no timer. */
    long nextDeadline()
    {
        return size == 0 ? Long.MAX_VALUE : deadlines[0];
    }

    int peekKind()
    {
        return kinds[0];
    }

    long peekDeadline()
    {
        return deadlines[0];
    }

    Object peekRef()
    {
        return refs[0];
    }

    void add(final long deadline, final int kind, final long key, final Object ref)
    {
        if (size == deadlines.length)
        {
            final int n = size * 2;
            deadlines = Arrays.copyOf(deadlines, n);
            kinds = Arrays.copyOf(kinds, n);
            keys = Arrays.copyOf(keys, n);
            refs = Arrays.copyOf(refs, n);
        }
        final int i = size++;
        deadlines[i] = deadline;
        kinds[i] = kind;
        keys[i] = key;
        refs[i] = ref;
        setIndex(i);
        siftUp(i);
    }

    /** Removes a tracked ref wherever it sits; does nothing when it is not in the queue. */
    void remove(final Timed ref)
    {
        final int i = ref.timerIndex;
        if (i < 0)
        {
            return;
        }
        if (i >= size || refs[i] != ref)
        {
            throw new IllegalStateException("timer index out of step: " + i);
        }
        removeAt(i);
    }

    void poll()
    {
        removeAt(0);
    }

    private void removeAt(final int i)
    {
        if (trackIndex)
        {
            ((Timed)refs[i]).timerIndex = -1;
        }
        final int last = --size;
        if (i != last)
        {
            deadlines[i] = deadlines[last];
            kinds[i] = kinds[last];
            keys[i] = keys[last];
            refs[i] = refs[last];
            setIndex(i);
            refs[last] = null;
            final int at = siftDown(i);
            if (at == i)
            {
                siftUp(i);
            }
        }
        else
        {
            refs[last] = null;
        }
    }

    private void siftUp(final int index)
    {
        int i = index;
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!less(i, parent))
            {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private int siftDown(final int index)
    {
        int i = index;
        while (true)
        {
            final int l = 2 * i + 1;
            if (l >= size)
            {
                break;
            }
            final int r = l + 1;
            final int smallest = r < size && less(r, l) ? r : l;
            if (!less(smallest, i))
            {
                break;
            }
            swap(i, smallest);
            i = smallest;
        }
        return i;
    }

    private void setIndex(final int i)
    {
        if (trackIndex)
        {
            ((Timed)refs[i]).timerIndex = i;
        }
    }

    private boolean less(final int a, final int b)
    {
        if (deadlines[a] != deadlines[b])
        {
            return deadlines[a] < deadlines[b];
        }
        if (kinds[a] != kinds[b])
        {
            return kinds[a] < kinds[b];
        }
        return keys[a] < keys[b];
    }

    private void swap(final int a, final int b)
    {
        final long d = deadlines[a];
        deadlines[a] = deadlines[b];
        deadlines[b] = d;
        final int k = kinds[a];
        kinds[a] = kinds[b];
        kinds[b] = k;
        final long key = keys[a];
        keys[a] = keys[b];
        keys[b] = key;
        final Object r = refs[a];
        refs[a] = refs[b];
        refs[b] = r;
        setIndex(a);
        setIndex(b);
    }
}
