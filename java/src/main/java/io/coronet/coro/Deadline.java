package io.coronet.coro;

import io.coronet.loop.Timer;

import java.time.Duration;

/**
 * A deadline on the current coroutine's suspensions, from {@link #after} until {@link #close}:
 * a suspension still waiting when it passes throws {@link CoroutineTimeoutException}.
 *
 * <pre>{@code
 * try (Deadline d = Deadline.after(Duration.ofSeconds(10))) {
 *     greeting = conn.readLine(1024);      // the whole line within 10 s, however it trickles in
 * }
 * }</pre>
 *
 * The block form of {@link Coroutine#withTimeout}, without a lambda: a coroutine that is
 * suspended inside the block keeps every frame of its stack on the heap, and a lambda adds two.
 * Nested deadlines keep the earliest. Close in reverse order of creation (try-with-resources
 * does); loop thread, inside the coroutine that made it.
 */
public final class Deadline implements AutoCloseable {
    private final Coroutine coroutine;
    final long nanos;
    private final Duration timeout;
    /** The deadline this one replaced while open, or null. */
    private final Deadline outer;
    /** Wakes the coroutine when the deadline passes; null when an enclosing deadline governs. */
    private final Timer timer;

    private Deadline(Coroutine coroutine, long nanos, Duration timeout, Deadline outer, Timer timer) {
        this.coroutine = coroutine;
        this.nanos = nanos;
        this.timeout = timeout;
        this.outer = outer;
        this.timer = timer;
    }

    /** Starts a deadline {@code timeout} from now for the current coroutine. */
    public static Deadline after(Duration timeout) {
        Coroutine co = Coroutine.require("Deadline.after");
        long nanos = System.nanoTime() + Math.max(0, timeout.toNanos());
        Deadline outer = co.deadline;
        if (outer != null && outer.nanos - nanos <= 0) {
            return new Deadline(co, outer.nanos, timeout, outer, null); // the enclosing one comes first
        }
        Deadline d = new Deadline(co, nanos, timeout, outer, co.loop().schedule(nanos, co.waker()));
        co.deadline = d;
        return d;
    }

    /** True when this deadline (not an enclosing, earlier one) is the one in force. */
    boolean governs() {
        return timer != null;
    }

    boolean hasPassed(long now) {
        return now - nanos >= 0;
    }

    CoroutineTimeoutException expired() {
        return new CoroutineTimeoutException("timed out after " + timeout.toMillis() + " ms", nanos);
    }

    /** Ends the deadline: suspensions after this no longer time out because of it. */
    @Override
    public void close() {
        if (Coroutine.current() != coroutine) {
            // the timer lives on the opening coroutine's loop: another thread must not touch it
            throw new IllegalStateException("a Deadline is closed by the coroutine that opened it ('" + coroutine.name()
                    + "'), not from " + (Coroutine.current() != null ? "coroutine '" + Coroutine.current().name() + "'"
                    : "thread '" + Thread.currentThread().getName() + "'"));
        }
        if (timer == null) {
            return;
        }
        if (coroutine.deadline != this) {
            throw new IllegalStateException("deadlines must be closed in reverse order of creation");
        }
        timer.cancel();
        coroutine.deadline = outer;
    }
}
