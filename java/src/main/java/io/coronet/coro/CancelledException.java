package io.coronet.coro;

import java.util.concurrent.CancellationException;

/**
 * Thrown at a coroutine's current or next suspension point after it was cancelled
 * ({@link Task#cancel()}, a failing sibling in a {@link Scope}, or event loop shutdown).
 * Cancellation is sticky: every later suspension throws again, so a coroutine cannot
 * accidentally keep running after it was told to stop.
 */
public class CancelledException extends CancellationException {
    public CancelledException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
