package io.coronet.loop;

import java.util.Arrays;

/**
 * A binary min-heap of {@link Timer}s ordered by (deadline, sequence).
 *
 * <p>Why a heap and not a wheel: insert and cancel are O(log n) with no tuning knobs, 10^5
 * pending deadlines cost one array of references, and the loop needs the exact earliest
 * deadline to compute its poll timeout. Each timer knows its index, so cancel does not search.
 * Not thread-safe: owned by one loop thread.
 */
final class TimerHeap {
    private Timer[] heap = new Timer[64];
    private int size;
    private long nextSequence;

    Timer add(long deadlineNanos, Runnable action) {
        Timer t = new Timer(this, deadlineNanos, nextSequence++, action);
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = t;
        t.heapIndex = size;
        siftUp(size++);
        return t;
    }

    int size() {
        return size;
    }

    /** The earliest pending timer, or null. */
    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    /** Removes and returns the earliest timer if its deadline is at or before now, else null. */
    Timer pollExpired(long now) {
        if (size == 0 || heap[0].deadlineNanos - now > 0) {
            return null;
        }
        Timer t = heap[0];
        removeAt(0);
        return t;
    }

    void remove(Timer t) {
        int i = t.heapIndex;
        if (i < 0 || i >= size || heap[i] != t) {
            return;
        }
        removeAt(i);
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void removeAt(int i) {
        Timer removed = heap[i];
        removed.heapIndex = -1;
        int last = --size;
        if (i != last) {
            Timer moved = heap[last];
            heap[i] = moved;
            moved.heapIndex = i;
            heap[last] = null;
            siftDown(i);
            if (heap[i] == moved) {
                siftUp(i);
            }
        } else {
            heap[last] = null;
        }
    }

    private static boolean before(Timer a, Timer b) {
        long d = a.deadlineNanos - b.deadlineNanos; // overflow-safe comparison of nanoTime values
        return d < 0 || (d == 0 && a.sequence < b.sequence);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) {
                child = right;
            }
            if (!before(heap[child], t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].heapIndex = i;
            i = child;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
