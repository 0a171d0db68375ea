package io.exostate.core.engine;

import java.util.Arrays;

/**
 * The CREATED states of one (namespace, node name), ordered by (enqueue_after, state id): a binary min-heap over
 * primitive key arrays with the state references alongside, so comparisons touch only the key arrays. Each state
 * keeps its heap index, so a state can leave the queue from any position (re-enqueue, manual retry).
 * <p>
 * Engine thread only. Allocates only when it grows.
 */
final class ClaimQueue
{
    final String namespace;
    final String nodeName;
    private long[] enqueueAfter = new long[16];
    private long[] ids = new long[16];
    private StateRec[] states = new StateRec[16];
    private int size;
    /** The command sequence in which the host was last told this queue has work (to tell it once per command). */
    long notifiedAt = -1;

    ClaimQueue(final String namespace, final String nodeName)
    {
        this.namespace = namespace;
        this.nodeName = nodeName;
    }

    int size()
    {
        return size;
    }

    boolean isEmpty()
    {
        return size == 0;
    }

    StateRec peek()
    {
        return size == 0 ? null : states[0];
    }

    long peekEnqueueAfter()
    {
        return enqueueAfter[0];
    }

    long peekId()
    {
        return ids[0];
    }

    void add(final StateRec s)
    {
        if (size == ids.length)
        {
            final int n = size * 2;
            enqueueAfter = Arrays.copyOf(enqueueAfter, n);
            ids = Arrays.copyOf(ids, n);
            states = Arrays.copyOf(states, n);
        }
        final int i = size++;
        enqueueAfter[i] = s.enqueueAfter;
        ids[i] = s.id;
        states[i] = s;
        s.heapIndex = i;
        siftUp(i);
    }

    StateRec poll()
    {
        final StateRec top = states[0];
        removeAt(0);
        return top;
    }

    void remove(final StateRec s)
    {
        final int i = s.heapIndex;
        if (i < 0 || i >= size || states[i] != s)
        {
            throw new IllegalStateException("state " + s.id + " is not in the claim queue of " + nodeName);
        }
        removeAt(i);
    }

    private void removeAt(final int i)
    {
        final StateRec removed = states[i];
        removed.heapIndex = -1;
        final int last = --size;
        if (i != last)
        {
            final StateRec moved = states[last];
            move(last, i);
            states[last] = null;
            siftDown(i);
            if (moved.heapIndex == i)
            {
                siftUp(i);
            }
        }
        else
        {
            states[last] = null;
        }
    }

    private void move(final int from, final int to)
    {
        enqueueAfter[to] = enqueueAfter[from];
        ids[to] = ids[from];
        states[to] = states[from];
        states[to].heapIndex = to;
    }

    private boolean less(final int a, final int b)
    {
        final long ea = enqueueAfter[a];
        final long eb = enqueueAfter[b];
        return ea < eb || (ea == eb && ids[a] < ids[b]);
    }

    private void swap(final int a, final int b)
    {
        final long e = enqueueAfter[a];
        enqueueAfter[a] = enqueueAfter[b];
        enqueueAfter[b] = e;
        final long id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        final StateRec s = states[a];
        states[a] = states[b];
        states[b] = s;
        states[a].heapIndex = a;
        states[b].heapIndex = b;
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

    private void siftDown(final int index)
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
    }
}
