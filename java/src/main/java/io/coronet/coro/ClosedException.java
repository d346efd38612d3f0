package io.coronet.coro;

import java.io.IOException;

/** An operation on an fd or socket that this process has already closed. */
public final class ClosedException extends IOException {
    public ClosedException(String message) {
        super(message);
    }
}
