package io.coronet.examples;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.PeerGoneException;
import io.coronet.poll.Interest;
import io.coronet.poll.Poller;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * The selector loop S3 and S4 share: the part of the seed that is the same in both programs.
 *
 * <pre>
 * sel = DefaultSelector()
 *
 * def accept(s, mask):
 *     conn, addr = s.accept()
 *     conn.setblocking(False)
 *     sel.register(conn, EVENT_READ, read)
 *
 * sel.register(s, EVENT_READ, accept)
 * while True:
 *     events = sel.select()
 *     for e, m in events:
 *         cb = e.data
 *         cb(e.fileobj, m)
 * </pre>
 *
 * <p>Each registration carries the callback to run next ({@link Registration#callback}, the
 * selector key's {@code data}), and {@link #modify} swaps interest and callback together like
 * {@code sel.modify}. A subclass supplies what a connection does: {@link #accepted} registers a
 * new connection with its first callback (the seed's {@code read}), and {@link #beforePoll} may
 * bound the wait (S4's greeting deadlines).
 *
 * <p>Registrations are level-triggered, as with Python's selectors. Added to the seed: a
 * connection that fails (reset, broken pipe) is closed alone and the loop goes on; a failed
 * accept (EMFILE) takes the listener out of the poll set for {@link #ACCEPT_PAUSE_NANOS} instead
 * of spinning; {@link #close()} stops the loop and releases every fd.
 *
 * @param <R> the subclass's registration type, with whatever per-connection state it needs
 */
abstract class CallbackLoop<R extends CallbackLoop.Registration<R>> implements SeedServer {
    /** The seed's {@code s.listen(10240)}. */
    static final int BACKLOG = 10240;
    /** The seed's {@code conn.recv(65535)}: the size of each connection's buffer. */
    static final int RECV_SIZE = 65535;
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    /**
     * After a failed accept (EMFILE: out of fds) the listener leaves the poll set for this long.
     * Level-triggered, it would otherwise be reported again at once, and the loop would spin.
     */
    static final long ACCEPT_PAUSE_NANOS = 100_000_000;

    /** A callback, as the seed calls it: {@code cb(e.fileobj, m)}. */
    @FunctionalInterface
    interface Callback<R> {
        void call(R r, int mask) throws IOException;
    }

    /** What the selector keeps per registered fd (Python's SelectorKey), plus a connection's buffer. */
    static class Registration<R extends Registration<R>> {
        final int fd;
        int key;
        Callback<R> callback;
        NativeBuffer buffer; // connections only
        boolean open = true;

        Registration(int fd) {
            this.fd = fd;
        }
    }

    private final String name;
    private final System.Logger log;
    private final String host;
    private final int port;
    private final int listenFd;
    private final Poller sel;
    private final Thread loop;
    private R listener;
    /** Every open connection, to close them when the server stops. Loop thread only. */
    private final Set<R> connections = new HashSet<>();
    private volatile boolean closing;
    /** Accepting is paused until {@link #acceptResumeAt} (loop thread only). */
    private boolean acceptPaused;
    private long acceptResumeAt;
    /** In a run of failed accepts: logged once, at its start. */
    private boolean acceptFailing;
    /** Failed accepts so far (written by the loop thread, read by tests). */
    private volatile long acceptFailures;

    /**
     * Binds host:port (0: a free port) non-blocking, like {@code s.setblocking(False)}, and opens
     * the poller; {@link #serve()} then starts the loop. name ("S3") prefixes log lines and,
     * in lower case, the loop thread's name.
     */
    CallbackLoop(String name, String host, int port) throws IOException {
        this.name = name;
        this.log = System.getLogger(getClass().getName());
        this.host = host;
        this.listenFd = NativeSockets.listen(host, port, BACKLOG, false);
        Poller poller = null;
        try {
            poller = Poller.open();
            this.port = NativeSockets.localPort(listenFd);
        } catch (IOException | RuntimeException | Error e) {
            closeAfterFailure(poller, listenFd, e);
            throw e;
        }
        this.sel = poller;
        this.loop = new Thread(this::run, name.toLowerCase(java.util.Locale.ROOT) + "-callback-loop");
        this.loop.setDaemon(true);
    }

    /** A registration for fd, with the subclass's per-connection state. */
    abstract R newRegistration(int fd);

    /**
     * A connection was accepted and has its buffer: register it with its first callback
     * ({@code sel.register(conn, EVENT_READ, read)}) and set up its state. If this throws,
     * the connection is closed.
     */
    abstract void accepted(R conn) throws IOException;

    /**
     * Called before each wait, on the loop thread: the subclass's own timers. Returns the poll
     * timeout in milliseconds it needs (-1: none).
     */
    long beforePoll(long now) {
        return -1;
    }

    /** {@code sel.register(s, EVENT_READ, accept)} and the loop on a new thread; on failure closes all. */
    final SeedServer serve() throws IOException {
        try {
            listener = newRegistration(listenFd);
            register(listener, Interest.READABLE, this::accept);
            loop.start();
            return this;
        } catch (IOException | RuntimeException | Error e) {
            closeAfterFailure(sel, listenFd, e);
            throw e;
        }
    }

    /** Releases what a failed start opened (poller may be null); a failure to close is added to cause. */
    private static void closeAfterFailure(Poller poller, int listenFd, Throwable cause) {
        if (poller != null) {
            try {
                poller.close();
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        S1BlockingEcho.closeQuietly(listenFd);
    }

    // ---- accept and the selector's register / modify / unregister ------------------------------

    private void accept(R s, int mask) throws IOException {
        int fd = NativeSockets.accept(s.fd); // already non-blocking: no setblocking(False)
        if (fd == NativeSockets.WOULD_BLOCK) {
            return; // another process took it, or the peer gave up: wait for the next one
        }
        R conn = newRegistration(fd);
        try {
            conn.buffer = NativeBuffer.allocate(RECV_SIZE);
            accepted(conn);
        } catch (IOException | RuntimeException | Error e) {
            if (conn.buffer != null) {
                conn.buffer.close();
            }
            S1BlockingEcho.closeQuietly(fd);
            throw e;
        }
        connections.add(conn);
        acceptFailing = false;
    }

    final void register(R r, int interest, Callback<R> callback) throws IOException {
        r.callback = callback;
        r.key = sel.register(r.fd, interest, r);
    }

    /** {@code sel.modify(conn, events, data)}: one epoll_ctl(EPOLL_CTL_MOD) per call. */
    final void modify(R r, int interest, Callback<R> callback) throws IOException {
        r.callback = callback;
        sel.modify(r.key, interest);
    }

    /** {@code sel.unregister(conn); conn.close()}; does nothing if conn is closed already. */
    final void closeConnection(R conn) {
        if (!conn.open) {
            return;
        }
        conn.open = false;
        connections.remove(conn);
        try {
            sel.deregister(conn.key); // before close: see Poller.deregister
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, name + ": " + e.getMessage());
        }
        conn.buffer.close();
        S1BlockingEcho.closeQuietly(conn.fd);
    }

    // ---- the loop -------------------------------------------------------------------------------

    /** The seed's {@code while True: events = sel.select(); ...}, until {@link #close()}. */
    private void run() {
        try {
            while (!closing) {
                long now = System.nanoTime();
                long timeout = earliest(beforePoll(now), resumeAcceptingIfDue(now));
                int n = sel.poll(timeout); // a wake() from close() returns 0
                for (int i = 0; i < n; i++) {
                    // null: an earlier callback of this batch closed that connection
                    if (sel.attachment(i) instanceof Registration<?> r) {
                        @SuppressWarnings("unchecked") // only registrations of type R are registered
                        R registration = (R) r;
                        dispatch(registration, sel.events(i));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.log(System.Logger.Level.ERROR, name + ": the loop failed", e);
        } finally {
            for (R c : new ArrayList<>(connections)) {
                closeConnection(c);
            }
            try {
                sel.close();
            } catch (IOException e) {
                log.log(System.Logger.Level.WARNING, name + ": " + e.getMessage());
            }
            S1BlockingEcho.closeQuietly(listenFd);
        }
    }

    /** {@code cb(e.fileobj, m)}, with one connection's failure kept to that connection. */
    private void dispatch(R r, int mask) {
        try {
            r.callback.call(r, mask);
        } catch (PeerGoneException e) {
            closeConnection(r); // the peer went away: ordinary
        } catch (IOException | RuntimeException e) {
            if (r == listener) {
                pauseAccepting(e); // e.g. EMFILE: the pending connection waits in the backlog
            } else {
                log.log(System.Logger.Level.WARNING, name + ": connection fd " + r.fd + ": " + e.getMessage());
                closeConnection(r);
            }
        }
    }

    private void pauseAccepting(Exception cause) {
        acceptFailures++;
        if (!acceptFailing) {
            log.log(System.Logger.Level.WARNING, name + ": accept failed, pausing accepts: " + cause.getMessage());
            acceptFailing = true;
        }
        try {
            sel.modify(listener.key, 0);
            acceptPaused = true;
            acceptResumeAt = System.nanoTime() + ACCEPT_PAUSE_NANOS;
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, name + ": " + e.getMessage());
        }
    }

    /** Re-enables accepting once the pause is over; returns the poll timeout in ms (-1: none). */
    private long resumeAcceptingIfDue(long now) throws IOException {
        if (!acceptPaused) {
            return -1;
        }
        long left = acceptResumeAt - now;
        if (left > 0) {
            return millisUntil(left);
        }
        sel.modify(listener.key, Interest.READABLE);
        acceptPaused = false;
        return -1;
    }

    /** A poll timeout for a deadline nanos away: rounded up, so the loop does not wake just before it. */
    static long millisUntil(long nanos) {
        return (nanos + 999_999) / 1_000_000;
    }

    /** The earlier of two poll timeouts in ms, -1 meaning none. */
    private static long earliest(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** Stops the loop (it closes every connection, the poller and the listener) and waits for it. */
    @Override
    public final synchronized void close() { // synchronized: a second caller must not close fds again
        if (closing) {
            return;
        }
        closing = true;
        try {
            sel.wake();
        } catch (IOException | RuntimeException e) {
            // the poller is closed: the loop has already ended
        }
        try {
            loop.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive()) {
            log.log(System.Logger.Level.WARNING, name + ": loop did not stop within " + CLOSE_WAIT_MILLIS + " ms");
        }
    }

    /** Failed accepts so far (for tests). */
    final long acceptFailures() {
        return acceptFailures;
    }

    @Override
    public final String host() {
        return host;
    }

    @Override
    public final int port() {
        return port;
    }
}
