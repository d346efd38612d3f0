package io.coronet.coro;

import io.coronet.loop.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Permits for coroutines (and platform threads): limits how much work runs at once, say at
 * most N in-flight backend calls.
 *
 * <pre>{@code
 * Semaphore backend = new Semaphore(8);
 * String reply = backend.withPermit(() -> callBackend(request));   // at most 8 at once
 * }</pre>
 *
 * <ul>
 *   <li>{@link #acquire()} suspends the coroutine (parks a thread) while no permit is free,
 *   under the coroutine's deadline and cancellation; {@link #acquire(Duration)} adds a bound of
 *   its own ({@link TimeoutException}).</li>
 *   <li><b>Fair</b>: permits go to waiters first come, first served; a release hands its permit
 *   straight to the longest waiter, so a stream of {@link #tryAcquire()}s cannot barge past it.</li>
 *   <li>{@link #release()} from any thread (a hand-off to another loop's coroutine wakes that
 *   loop with its coalesced wake-up).</li>
 *   <li>An acquire that gives up (cancelled, timed out, interrupted) holds nothing: a permit
 *   handed to it at that moment is passed on to the next waiter.</li>
 * </ul>
 */
public final class Semaphore {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Claim> waiters = new ArrayDeque<>();
    private int permits;

    public Semaphore(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0, got " + permits);
        }
        this.permits = permits;
    }

    /** Permits free now. */
    public int available() {
        lock.lock();
        try {
            return permits;
        } finally {
            lock.unlock();
        }
    }

    /** Waiting parties now. */
    public int waiting() {
        lock.lock();
        try {
            int n = 0;
            for (Claim c : waiters) {
                if (c.isOpen()) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a permit if one is free and nobody waits for it; false otherwise. */
    public boolean tryAcquire() {
        lock.lock();
        try {
            if (permits > 0 && !hasLiveWaiter()) {
                permits--;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a permit, waiting while none is free. */
    public void acquire() throws InterruptedException {
        try {
            acquire(false, 0);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** Takes a permit, waiting at most {@code timeout}: {@link TimeoutException} if none came (none held). */
    public void acquire(Duration timeout) throws InterruptedException, TimeoutException {
        acquire(true, System.nanoTime() + Math.max(0, timeout.toNanos()));
    }

    private void acquire(boolean timed, long deadline) throws InterruptedException, TimeoutException {
        if (Coroutine.current() == null && EventLoop.isLoopThread()) {
            throw new IllegalStateException("Semaphore.acquire on event loop thread '" + Thread.currentThread().getName()
                    + "' outside a coroutine could block that loop; call it from a coroutine, or use tryAcquire");
        }
        Channel.spendBudget(); // before taking anything: its yield may throw
        Claim claim;
        lock.lock();
        try {
            if (permits > 0 && !hasLiveWaiter()) {
                permits--;
                return;
            }
            claim = Claim.forCaller();
            waiters.add(claim);
        } finally {
            lock.unlock();
        }
        try {
            claim.awaitDecision(timed, deadline);
        } catch (Throwable t) {
            lock.lock();
            boolean gaveUp;
            try {
                gaveUp = claim.claim(Claim.CANCELLED);
                if (gaveUp) {
                    waiters.remove(claim);
                }
            } finally {
                lock.unlock();
            }
            if (!gaveUp) {
                release(); // a permit came at the same moment: pass it on, we are leaving
            }
            throw t;
        }
    }

    /** Returns a permit: to the longest waiter if any, else to the pool. Any thread. */
    public void release() {
        Claim next = null;
        lock.lock();
        try {
            Claim c;
            while ((c = waiters.poll()) != null) {
                if (c.claim(c)) {
                    next = c;
                    break;
                }
            }
            if (next == null) {
                permits++;
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            next.wake();
        }
    }

    /** Runs {@code body} holding a permit, released however it ends. */
    public <T> T withPermit(Coroutine.Body<T> body) throws Exception {
        acquire();
        try {
            return body.run();
        } finally {
            release();
        }
    }

    private boolean hasLiveWaiter() {
        while (!waiters.isEmpty()) {
            if (waiters.peek().isOpen()) {
                return true;
            }
            waiters.poll();
        }
        return false;
    }

    @Override
    public String toString() {
        return "Semaphore[" + available() + " free, " + waiting() + " waiting]";
    }
}
