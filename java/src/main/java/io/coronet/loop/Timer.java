package io.coronet.loop;

/**
 * A pending deadline in an {@link EventLoop}'s {@link TimerHeap}. Created by
 * {@link EventLoop#schedule}; loop-thread only.
 */
public final class Timer {
    final long deadlineNanos;
    final Runnable action;
    /** Index in the heap array, or -1 once fired or cancelled: makes cancel O(log n). */
    int heapIndex = -1;
    /** Tie-breaker so timers with equal deadlines fire in the order they were scheduled. */
    final long sequence;
    private final TimerHeap heap;

    Timer(TimerHeap heap, long deadlineNanos, long sequence, Runnable action) {
        this.heap = heap;
        this.deadlineNanos = deadlineNanos;
        this.sequence = sequence;
        this.action = action;
    }

    /** The deadline on the {@link System#nanoTime()} clock. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** True until the timer fires or is cancelled. */
    public boolean isPending() {
        return heapIndex >= 0;
    }

    /** Removes the timer if still pending; a no-op otherwise. Loop thread only. */
    public void cancel() {
        if (heapIndex >= 0) {
            heap.remove(this);
        }
    }
}
