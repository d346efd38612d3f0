package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.coro.Coroutine;
import io.coronet.coro.SelectClause;
import io.coronet.coro.SelectWaker;

import java.util.function.BooleanSupplier;

/**
 * {@link Connection#readable}: wins when a read would not wait for the kernel (the connection's
 * own test, {@code ready}: bytes queued, end of stream, the fd readable); waits on the fd's
 * readability. Looks, never reads: a losing clause leaves every byte where it was.
 */
final class ReadableClause<R> extends SelectClause<R> {
    private final AsyncFd fd;
    private final BooleanSupplier ready;
    private final Coroutine.Body<? extends R> action;
    private SelectWaker registered;

    ReadableClause(AsyncFd fd, BooleanSupplier ready, Coroutine.Body<? extends R> action) {
        this.fd = fd;
        this.ready = ready;
        this.action = action;
    }

    @Override
    protected boolean isReady() {
        return ready.getAsBoolean();
    }

    @Override
    protected R complete() throws Exception {
        return action.run();
    }

    @Override
    protected void register(SelectWaker waker) {
        fd.watchReadable(waker);
        registered = waker;
    }

    @Override
    protected void unregister() {
        if (registered != null) {
            fd.unwatchReadable(registered);
            registered = null;
        }
    }
}
