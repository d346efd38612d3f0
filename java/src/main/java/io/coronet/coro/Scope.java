package io.coronet.coro;

import java.util.ArrayList;
import java.util.List;

/**
 * Structured concurrency for coroutines: children spawned in a scope never outlive it.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Task<A> a = scope.spawn(() -> fetchA());
 *     Task<B> b = scope.spawn(() -> fetchB());
 *     scope.join();                 // both done, or the first failure rethrown
 *     use(a.await(), b.await());
 * }                                 // close(): cancels what is left and waits for it
 * }</pre>
 *
 * <ul>
 *   <li>When a child fails (other than by cancellation) every other child is cancelled and the
 *   failure is rethrown to the parent by {@link #join()}, or by {@link #close()} if the parent
 *   never joined.</li>
 *   <li>{@link #close()} cancels unfinished children and waits until all have ended, even if
 *   the parent itself is being cancelled: a scope's children never leak.</li>
 * </ul>
 * Opened, used and closed inside one coroutine (the parent); children run on its loop.
 */
public final class Scope implements AutoCloseable {
    private final Coroutine parent;
    private final List<Task<?>> children = new ArrayList<>();
    private int running;
    private Throwable failure;
    private boolean failureDelivered;
    private boolean closed;
    /** Suspension of the parent that is waiting in join/close, or -1. */
    private int parentWaiting = -1;

    private Scope(Coroutine parent) {
        this.parent = parent;
    }

    /** Opens a scope owned by the current coroutine. */
    public static Scope open() {
        return new Scope(Coroutine.require("Scope.open"));
    }

    /** Starts a child coroutine on the parent's loop. */
    public <T> Task<T> spawn(Coroutine.Body<T> body) {
        return startChild(body);
    }

    private <T> Task<T> startChild(Object body) {
        checkParent("Scope.spawn");
        if (closed) {
            throw new IllegalStateException("scope is closed");
        }
        Task<T> child = Coroutine.startAny(parent.loop(), null, java.util.Objects.requireNonNull(body), this);
        children.add(child);
        running++;
        child.onComplete(() -> childEnded(child));
        return child;
    }

    public Task<Void> launch(Coroutine.VoidBody body) {
        return startChild(body);
    }

    private void childEnded(Task<?> child) {
        // Children complete on the parent's loop thread, so scope state needs no lock.
        running--;
        Throwable f = child.failure();
        if (f != null && !(f instanceof CancelledException) && failure == null) {
            failure = f;
            cancelChildren();
        }
        if (parentWaiting >= 0 && (running == 0 || failure != null)) {
            parent.wake(parentWaiting);
        }
    }

    private void cancelChildren() {
        for (Task<?> c : children) {
            if (!c.isDone()) {
                c.cancel();
            }
        }
    }

    /** Waits for every child; rethrows the first child failure. Cancellable. */
    public void join() throws Exception {
        checkParent("Scope.join");
        while (running > 0 && failure == null) {
            waitForChildren();
        }
        deliverFailure();
    }

    private void waitForChildren() {
        parentWaiting = parent.nextSuspension();
        try {
            parent.suspend();
        } finally {
            parentWaiting = -1;
        }
    }

    private void deliverFailure() throws Exception {
        if (failure != null && !failureDelivered) {
            failureDelivered = true;
            if (failure instanceof Exception e) {
                throw e;
            }
            throw (Error) failure;
        }
    }

    /** Cancels unfinished children, waits (uncancellably) until all ended, rethrows an undelivered failure. */
    @Override
    public void close() throws Exception {
        checkParent("Scope.close");
        if (!closed) {
            closed = true;
            cancelChildren();
            Coroutine.uncancellable(() -> {
                while (running > 0) {
                    waitForChildren();
                }
                return null;
            });
        }
        deliverFailure();
    }

    private void checkParent(String what) {
        if (Coroutine.current() != parent) {
            throw new IllegalStateException(what + " must be called by the coroutine that opened the scope");
        }
    }
}
