package io.coronet.loop;

import java.util.concurrent.RejectedExecutionException;

/** Work was offered to an {@link EventLoop} that is shutting down or has terminated. */
public final class EventLoopClosedException extends RejectedExecutionException {
    public EventLoopClosedException(String message) {
        super(message);
    }
}
