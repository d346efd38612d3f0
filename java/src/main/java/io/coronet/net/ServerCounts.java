package io.coronet.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TcpServer}'s connection counts, updated by its loops and read from any thread, and
 * the signal a drain waits for: the last open connection gone.
 */
final class ServerCounts {
    final AtomicInteger open = new AtomicInteger();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Connections whose handler ended on its own once a drain had begun. */
    final AtomicInteger finishedInDrain = new AtomicInteger();
    /** Set once a drain has begun: connection ends then signal {@link #allClosed}. */
    volatile boolean draining;
    /** Guards only the wait for {@link #allClosed}: a loop thread takes it for a signal, never long. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition allClosed = lock.newCondition();

    /** A connection accepted and counted as open. */
    void opened() {
        accepted.incrementAndGet();
        open.incrementAndGet();
    }

    /** An open connection ended (on its loop). */
    void gone() {
        if (open.decrementAndGet() == 0 && draining) {
            lock.lock();
            try {
                allClosed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits until no connection is open or {@code deadlineNanos} passed. Platform threads. */
    void awaitAllClosed(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (open.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                allClosed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }
}
