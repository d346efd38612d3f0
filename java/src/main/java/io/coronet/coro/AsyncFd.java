package io.coronet.coro;

import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;
import io.coronet.loop.IoHandler;
import io.coronet.poll.Interest;

import java.io.IOException;

/**
 * A non-blocking fd registered once with its loop's poller, edge-triggered, and the readiness
 * bookkeeping that lets coroutines wait on it: the one await primitive of coronet.
 *
 * <h2>Protocol for the code that does the I/O</h2>
 * <pre>{@code
 * fd.awaitReadable();                 // returns at once while the fd is believed readable
 * long n = read(...);
 * if (n == WOULD_BLOCK || n < asked) fd.readDrained();   // the kernel buffer is empty now
 * }</pre>
 * Readiness is a hint: the fd starts out believed writable (an empty send buffer) and not
 * readable until the poller reports it, and is believed not-ready again after the kernel said
 * EAGAIN or a read came back short. A short read on a stream socket means the receive queue was emptied, and edge-triggered
 * epoll/kqueue report the next arrival, so we skip the read that would only return EAGAIN:
 * one syscall per message saved. After a hang-up or error event the fd stays readable, so the
 * reader always gets to see EOF or the error.
 *
 * <p>The registration never changes (READABLE|WRITABLE|EDGE): no epoll_ctl per wait. With
 * the poll(2) backend, whose edges are emulated, {@link #readDrained()} re-arms.
 *
 * <p>One coroutine may wait to read and another to write at the same time (full duplex).
 * Loop-confined: every method but the getters refuses another thread (a platform thread or a
 * coroutine of another loop) with {@link io.coronet.loop.WrongLoopException}. Owns the fd: {@link #close()} deregisters and closes it.
 */
public final class AsyncFd implements IoHandler, AutoCloseable {
    private static final int INTEREST = Interest.READABLE | Interest.WRITABLE | Interest.EDGE;

    private final EventLoop loop;
    private final int fd;
    private final int key;
    /**
     * False until the poller says otherwise: registering an fd that already has data queues an
     * event at once (epoll_ctl ADD with EPOLLET, kqueue EV_ADD, and poll(2) all report the current
     * state), so starting pessimistic costs no wait and saves a read that would only say EAGAIN.
     */
    private boolean readable;
    /** Sockets start with an empty send buffer: try the write, the kernel will tell us if not. */
    private boolean writable = true;
    private boolean hangup;
    private boolean error;
    private boolean closed;
    private Coroutine reader;
    /** A {@link Select} waiting for this fd to turn readable, or null. */
    private SelectWaker readWatcher;
    private Coroutine writer;
    /** Runs once at the next writable event ({@link #whenWritable}), or null. */
    private Runnable writableAction;

    private AsyncFd(EventLoop loop, int fd) throws IOException {
        this.loop = loop;
        this.fd = fd;
        this.key = loop.register(fd, INTEREST, this);
    }

    /** Registers a non-blocking {@code fd} with {@code loop} (loop thread). Takes ownership of the fd. */
    public static AsyncFd register(EventLoop loop, int fd) throws IOException {
        loop.checkInLoop("AsyncFd.register");
        if (fd < 0) {
            throw new IllegalArgumentException("invalid fd " + fd);
        }
        return new AsyncFd(loop, fd);
    }

    public int fd() {
        return fd;
    }

    public EventLoop loop() {
        return loop;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---- waiting -----------------------------------------------------------------------------

    /** True when a read may find bytes without waiting: no short read or EAGAIN since the last edge. */
    public boolean isReadable() {
        return readable && !closed;
    }

    /** True when a write may go through without waiting: no EAGAIN or partial write since the last edge. */
    public boolean isWritable() {
        return writable && !closed;
    }

    /**
     * Runs {@code action} once on the loop at the next writable event (or at once if the fd is
     * writable now), with no coroutine waiting: how bytes left pending by a non-blocking write go
     * out when the kernel has room. One action at a time; a later call replaces it.
     */
    public void whenWritable(Runnable action) {
        loop.checkConfined(this);
        if (writable && !closed) {
            loop.execute(action);
            return;
        }
        writableAction = action;
    }

    /** Returns when the fd may be readable; suspends the calling coroutine until then. */
    public void awaitReadable() throws IOException {
        loop.checkConfined(this);
        if (readable && !closed) {
            spendBudget();
            return;
        }
        Coroutine co = Coroutine.require("awaitReadable");
        if ((reader != null && reader != co) || (readWatcher != null && readWatcher.isWaiting())) {
            throw new IllegalStateException("fd " + fd + " already has a coroutine waiting to read");
        }
        while (!readable && !closed) {
            reader = co;
            try {
                co.suspend();
            } finally {
                reader = null;
            }
        }
        ensureOpen();
    }

    /**
     * For {@link SelectClause}s: {@code waker} is told when the fd may have turned readable (or
     * was closed). One watcher at a time, and not while a coroutine waits in
     * {@link #awaitReadable()}: the fd has one reader. Undo with {@link #unwatchReadable}. Loop thread.
     */
    public void watchReadable(SelectWaker waker) {
        loop.checkInLoop("AsyncFd.watchReadable");
        if (reader != null || (readWatcher != null && readWatcher != waker && readWatcher.isWaiting())) {
            throw new IllegalStateException("fd " + fd + " already has a coroutine waiting to read");
        }
        readWatcher = waker;
    }

    /** Removes {@code waker} if it is the current watcher. Loop thread. */
    public void unwatchReadable(SelectWaker waker) {
        if (readWatcher == waker) {
            readWatcher = null;
        }
    }

    /** Returns when the fd may be writable; suspends the calling coroutine until then. */
    public void awaitWritable() throws IOException {
        loop.checkConfined(this);
        if (writable && !closed) {
            spendBudget();
            return;
        }
        Coroutine co = Coroutine.require("awaitWritable");
        if (writer != null && writer != co) {
            throw new IllegalStateException("fd " + fd + " already has a coroutine waiting to write");
        }
        while (!writable && !closed) {
            writer = co;
            try {
                co.suspend();
            } finally {
                writer = null;
            }
        }
        ensureOpen();
    }

    /** The last read returned EAGAIN or came back short: wait for the next edge. */
    public void readDrained() throws IOException {
        loop.checkConfined(this);
        if (hangup || error) {
            return; // no further edge will come: keep reading until EOF or the error
        }
        readable = false;
        if (!loop.nativeEdge()) {
            loop.rearm(key);
        }
    }

    /** The last write returned EAGAIN or was partial: wait until the send buffer drains. */
    public void writeBlocked() throws IOException {
        loop.checkConfined(this);
        if (error) {
            return;
        }
        writable = false;
        if (!loop.nativeEdge()) {
            loop.rearm(key);
        }
    }

    private void spendBudget() {
        Coroutine co = Coroutine.current();
        if (co != null) {
            co.spendBudget();
        }
    }

    private void ensureOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("fd " + fd + " was closed while waiting on it");
        }
    }

    // ---- events from the loop ------------------------------------------------------------------

    @Override
    public void onReady(int events) {
        if (closed) {
            return; // a stale event for an fd we closed earlier in this batch
        }
        if ((events & Interest.HANGUP) != 0) {
            hangup = true;
        }
        if ((events & Interest.ERROR) != 0) {
            error = true;
        }
        if ((events & (Interest.READABLE | Interest.HANGUP | Interest.ERROR)) != 0) {
            readable = true;
            if (reader != null) {
                reader.wake();
            }
            if (readWatcher != null) {
                readWatcher.wake();
            }
        }
        if ((events & (Interest.WRITABLE | Interest.ERROR)) != 0) {
            writable = true;
            if (writer != null) {
                writer.wake();
            }
            Runnable action = writableAction;
            if (action != null) {
                writableAction = null;
                action.run();
            }
        }
    }

    @Override
    public void onLoopClose() {
        try {
            close();
        } catch (IOException ignored) {
            // the loop is ending; the fd is gone either way
        }
    }

    /** Deregisters and closes the fd; waiting coroutines get {@link ClosedException}. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        loop.checkConfined(this);
        closed = true;
        if (reader != null) {
            reader.wake();
        }
        if (readWatcher != null) {
            readWatcher.wake();
        }
        if (writer != null) {
            writer.wake();
        }
        IOException first = null;
        try {
            loop.deregister(key);
        } catch (IOException e) {
            first = e;
        }
        try {
            NativeSockets.close(fd);
        } catch (IOException e) {
            if (first == null) {
                first = e;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "AsyncFd[fd=" + fd + (closed ? ", closed" : "") + (readable ? ", readable" : "")
                + (writable ? ", writable" : "") + (hangup ? ", hangup" : "") + "]";
    }
}
