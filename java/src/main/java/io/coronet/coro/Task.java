package io.coronet.coro;

import io.coronet.loop.EventLoop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The outcome of a coroutine, or a value some other code will provide later (a future).
 *
 * <ul>
 *   <li>Completes once, from any thread: {@link #complete}, {@link #fail}, {@link #cancel}, or
 *   the coroutine that {@link Coroutine#spawn} made it for returning or throwing.</li>
 *   <li>A coroutine {@link #await()}s it without blocking its loop; a platform thread
 *   {@link #join()}s it by parking. Both return the value or rethrow the failure as it was
 *   thrown (checked exceptions included, which is why they declare {@code throws Exception}).</li>
 * </ul>
 *
 * <p>Lock-free: the result is set by one compare-and-set, and waiters sit on a Treiber stack
 * that the completing thread takes whole and wakes. A coroutine waiter woken for a suspension it
 * has already left is ignored (the wake-up carries the suspension number), so no waiter ever
 * needs unlinking.
 */
public final class Task<T> {
    private static final Object NULL_VALUE = new Object();
    private static final VarHandle RESULT, WAITERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RESULT = l.findVarHandle(Task.class, "result", Object.class);
            WAITERS = l.findVarHandle(Task.class, "waiters", Waiter.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null while pending; then NULL_VALUE, the value, or a Failure. */
    private volatile Object result;
    private volatile Waiter waiters;
    private volatile boolean observed;
    /** The coroutine computing this task, if any: cancel() cancels it. */
    Coroutine owner;

    /** A task that code completes by hand (a promise). */
    public Task() {
    }

    private record Failure(Throwable cause) {
    }

    // ---- completing --------------------------------------------------------------------------

    /** Completes with {@code value}; false if already complete. Any thread. */
    public boolean complete(T value) {
        return completeValue(value);
    }

    /** Completes with {@code failure}; false if already complete. Any thread. */
    public boolean fail(Throwable failure) {
        return settle(new Failure(java.util.Objects.requireNonNull(failure)));
    }

    /**
     * Cancels: a running coroutine is cancelled (its task then fails with
     * {@link CancelledException} once it unwinds); a pending promise fails at once. Any thread.
     * Returns false if the task had already completed.
     */
    public boolean cancel() {
        if (isDone()) {
            return false;
        }
        if (owner != null) {
            owner.cancel();
            return true;
        }
        return settle(new Failure(new CancelledException("task cancelled", null)));
    }

    boolean completeValue(Object value) {
        return settle(value == null ? NULL_VALUE : value);
    }

    /** Completes with a failure; returns whether anybody was waiting or had asked for the outcome. */
    boolean completeFailure(Throwable failure) {
        boolean watched = observed || waiters != null;
        settle(new Failure(failure));
        return watched;
    }

    private boolean settle(Object outcome) {
        if (!RESULT.compareAndSet(this, null, outcome)) {
            return false;
        }
        Waiter w = (Waiter) WAITERS.getAndSet(this, null);
        for (; w != null; w = w.next) {
            w.fire();
        }
        return true;
    }

    // ---- observing ---------------------------------------------------------------------------

    public boolean isDone() {
        return result != null;
    }

    public boolean isFailed() {
        return result instanceof Failure;
    }

    public boolean isCancelled() {
        return result instanceof Failure f && f.cause instanceof CancelledException;
    }

    /** The failure, or null if pending or successful. */
    public Throwable failure() {
        return result instanceof Failure f ? f.cause : null;
    }

    /**
     * Waits for the outcome: inside a coroutine it is {@link #await()} (the coroutine suspends,
     * its loop runs others); on a platform thread it parks. On an event loop thread outside a
     * coroutine (a plain {@code loop.execute} task, an I/O callback) it would freeze that loop,
     * so it throws IllegalStateException instead.
     */
    public T join() throws Exception {
        return await();
    }

    /** Same as {@link #join()}; reads better inside coroutines. */
    public T await() throws Exception {
        observed = true;
        if (result == null) {
            Coroutine co = Coroutine.current();
            if (co != null) {
                awaitInCoroutine(co);
            } else {
                parkUntilDone(Long.MAX_VALUE);
            }
        }
        return outcome();
    }

    /**
     * {@link #join()} bounded by {@code timeout}: throws {@link TimeoutException} if the task is
     * not done in time, on a platform thread and in a coroutine alike (the task keeps running).
     * One story for every {@code Duration} argument of coronet's waits (this, Channel, Semaphore):
     * an explicit bound gives TimeoutException; the coroutine's own deadline
     * ({@link Deadline}, {@link Coroutine#withTimeout}) gives {@link CoroutineTimeoutException},
     * so an enclosing deadline that passes first is still reported as itself.
     */
    public T join(Duration timeout) throws Exception {
        observed = true;
        if (result == null) {
            Coroutine co = Coroutine.current();
            if (co != null) {
                Deadline d = Deadline.after(timeout);
                try {
                    return await();
                } catch (CoroutineTimeoutException e) {
                    if (d.governs() && e.deadlineNanos() == d.nanos) {
                        throw new TimeoutException("task not done after " + timeout.toMillis() + " ms");
                    }
                    throw e; // an enclosing deadline passed first: it is reported as itself
                } finally {
                    d.close();
                }
            }
            parkUntilDone(System.nanoTime() + timeout.toNanos());
            if (result == null) {
                throw new TimeoutException("task not done after " + timeout.toMillis() + " ms");
            }
        }
        return outcome();
    }

    private void awaitInCoroutine(Coroutine co) {
        while (result == null) {
            push(new CoroutineWaiter(co, co.nextSuspension()));
            if (result != null) {
                break; // completed while we were pushing: do not sleep on it
            }
            co.suspend();
        }
    }

    private void parkUntilDone(long deadlineNanos) throws InterruptedException {
        if (EventLoop.isLoopThread()) {
            throw new IllegalStateException("join() on event loop thread '" + Thread.currentThread().getName()
                    + "' outside a coroutine would block every coroutine of that loop; await from a coroutine instead");
        }
        Thread me = Thread.currentThread();
        push(new ThreadWaiter(me));
        while (result == null) {
            if (deadlineNanos == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, left);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while joining a task");
            }
        }
    }

    /**
     * Runs {@code callback} once the task is complete: right away on this thread if it already
     * is, else on the thread that completes it. Keep it short and non-blocking.
     */
    public void onComplete(Runnable callback) {
        observed = true;
        CallbackWaiter w = new CallbackWaiter(callback);
        push(w);
        if (result != null) {
            w.fire(); // fire() runs the callback only once, whoever gets there first
        }
    }

    @SuppressWarnings("unchecked")
    private T outcome() throws Exception {
        Object r = result;
        if (r instanceof Failure f) {
            Throwable t = f.cause;
            if (t instanceof Exception e) {
                throw e;
            }
            throw (Error) t;
        }
        return r == NULL_VALUE ? null : (T) r;
    }

    private void push(Waiter w) {
        Waiter head;
        do {
            head = waiters;
            w.next = head;
        } while (!WAITERS.compareAndSet(this, head, w));
    }

    // ---- waiters -----------------------------------------------------------------------------

    private abstract static class Waiter {
        Waiter next;

        abstract void fire();
    }

    private static final class CoroutineWaiter extends Waiter {
        private final Coroutine coroutine;
        private final int suspension;

        CoroutineWaiter(Coroutine coroutine, int suspension) {
            this.coroutine = coroutine;
            this.suspension = suspension;
        }

        @Override
        void fire() {
            coroutine.wakeFromAnyThread(suspension);
        }
    }

    private static final class ThreadWaiter extends Waiter {
        private final Thread thread;

        ThreadWaiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        void fire() {
            LockSupport.unpark(thread);
        }
    }

    private static final class CallbackWaiter extends Waiter {
        private final Runnable callback;
        private final AtomicBoolean fired = new AtomicBoolean();

        CallbackWaiter(Runnable callback) {
            this.callback = callback;
        }

        @Override
        void fire() {
            if (fired.compareAndSet(false, true)) {
                callback.run();
            }
        }
    }

    @Override
    public String toString() {
        Object r = result;
        String s = r == null ? "pending" : r instanceof Failure f ? "failed: " + f.cause : "done";
        return "Task[" + s + "]";
    }
}
