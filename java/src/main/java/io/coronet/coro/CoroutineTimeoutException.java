package io.coronet.coro;

/**
 * A deadline set by {@link Coroutine#withTimeout} passed while the coroutine was suspended (or
 * before it suspended again). Unlike cancellation it is not sticky: once the
 * {@code withTimeout} block that set the deadline has exited, the coroutine runs on normally.
 */
public final class CoroutineTimeoutException extends RuntimeException {
    private final long deadlineNanos;

    public CoroutineTimeoutException(String message, long deadlineNanos) {
        super(message);
        this.deadlineNanos = deadlineNanos;
    }

    /** The deadline that passed, on the {@link System#nanoTime()} clock. */
    public long deadlineNanos() {
        return deadlineNanos;
    }
}
