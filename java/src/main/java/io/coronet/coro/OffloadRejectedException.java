package io.coronet.coro;

import java.util.concurrent.RejectedExecutionException;

/**
 * An {@link OffloadPool} refused a body: every thread was busy and the queue was full (or the
 * pool was shut down). Nothing ran. The caller sheds the load (an error to its own client),
 * retries later, or the pool is sized up ({@code coronet.offload.maxThreads},
 * {@code coronet.offload.queueCapacity}, or {@link OffloadPool#builder()}).
 */
public final class OffloadRejectedException extends RejectedExecutionException {
    public OffloadRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
