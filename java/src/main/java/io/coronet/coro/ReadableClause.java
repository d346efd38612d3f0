package io.coronet.coro;

import java.util.function.BooleanSupplier;

/**
 * A select clause on an fd's readability: wins when {@code ready} says a read would not wait
 * for the kernel ({@link Select#onReadable}: the fd readable or closed; a connection adds the
 * bytes it has queued, {@code io.coronet.net.Connection#readable}); waits on the fd's
 * readability. Looks, never reads: a losing clause leaves every byte where it was.
 */
public final class ReadableClause<R> extends SelectClause<R> {
    private final AsyncFd fd;
    private final BooleanSupplier ready;
    private final Coroutine.Body<? extends R> action;
    private SelectWaker registered;

    public ReadableClause(AsyncFd fd, BooleanSupplier ready, Coroutine.Body<? extends R> action) {
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
