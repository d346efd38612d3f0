package io.coronet.examples;

import io.coronet.ffi.BrokenPipeException;
import io.coronet.ffi.ConnectionResetException;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.poll.Interest;
import io.coronet.poll.Poller;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * Seed program S3: a selector loop with callbacks, on coronet's {@link Poller} (epoll, kqueue or
 * poll(2)) and non-blocking native sockets. No coroutines, no EventLoop: the loop is the
 * {@code while True} at the bottom of the seed, on one thread.
 *
 * <pre>
 * sel = DefaultSelector()
 *
 * def accept(s, mask):
 *     conn, addr = s.accept()
 *     conn.setblocking(False)
 *     sel.register(conn, EVENT_READ, read)
 *
 * def read(conn, mask):
 *     msg = conn.recv(65535)
 *     if not msg:
 *         sel.unregister(conn)
 *         return conn.close()
 *     sel.modify(conn, EVENT_WRITE, partial(write, msg=msg))
 *
 * def write(conn, mask, msg=None):
 *     if msg:
 *         conn.send(msg)
 *     sel.modify(conn, EVENT_READ, read)
 *
 * sel.register(s, EVENT_READ, accept)
 * while True:
 *     events = sel.select()
 *     for e, m in events:
 *         cb = e.data
 *         cb(e.fileobj, m)
 * </pre>
 *
 * <p>The structure is the seed's: each registration carries the callback to run next
 * ({@link Registration#callback}, the selector key's {@code data}), and {@link #modify} swaps
 * interest and callback together like {@code sel.modify}. The state a callback needs travels
 * inside it: {@code (c, m) -> write(c, m, offset, length)} is {@code partial(write, msg=msg)}.
 *
 * <p>Fixed: the seed ignores what {@code send} returns, so a partial write loses the rest of
 * the message; here the unsent part stays pending (a new partial) until the socket is writable
 * again. {@code recv}/{@code send} may find nothing to do (EAGAIN: readiness is only a hint);
 * that is not an error. A connection that fails (reset, broken pipe) is closed alone; the loop
 * goes on.
 *
 * <p>The cost of the seed's design, kept on purpose so it can be measured: registrations are
 * level-triggered and every message flips the interest READ to WRITE and back, two epoll_ctl
 * (or kevent) calls per message on top of the read, the write and the waits. The coroutine
 * servers register once, edge-triggered, and write at once when the socket has room. Counted
 * with {@code -Dcoronet.stats=true} over 20,000 sequential 64-byte round trips on one
 * connection (epoll): 6 native calls per message here (wait, read, ctl, wait, write, ctl),
 * 3 for S5 (wait, read, write).
 *
 * <p>The message buffer belongs to its connection (the seed allocates a new {@code msg} per
 * recv): while a message is pending, the connection does not read, so one buffer suffices.
 */
public final class S3CallbackEcho implements SeedServer {
    /** The seed's {@code s.listen(10240)}. */
    static final int BACKLOG = 10240;
    /** The seed's {@code conn.recv(65535)}. */
    static final int RECV_SIZE = 65535;
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    /**
     * After a failed accept (EMFILE: out of fds) the listener leaves the poll set for this long.
     * Level-triggered, it would otherwise be reported again at once, and the loop would spin.
     */
    private static final long ACCEPT_PAUSE_NANOS = 100_000_000;
    private static final System.Logger LOG = System.getLogger(S3CallbackEcho.class.getName());

    /** A callback, as the seed calls it: {@code cb(e.fileobj, m)}. */
    @FunctionalInterface
    interface Callback {
        void call(Registration r, int mask) throws IOException;
    }

    /** What the selector keeps per registered fd (Python's SelectorKey), plus a connection's buffer. */
    static final class Registration {
        final int fd;
        int key;
        Callback callback;
        NativeBuffer buffer; // connections only

        Registration(int fd) {
            this.fd = fd;
        }
    }

    private final String host;
    private final int port;
    private final Registration listener;
    private final Poller sel;
    private final Thread loop;
    /** Every open connection, to close them when the server stops. Loop thread only. */
    private final Set<Registration> connections = new HashSet<>();
    private volatile boolean closing;
    /** Accepting is paused until {@link #acceptResumeAt} (loop thread only). */
    private boolean acceptPaused;
    private long acceptResumeAt;
    /** In a run of failed accepts: logged once, at its start. */
    private boolean acceptFailing;
    /** Failed accepts so far (written by the loop thread, read by tests). */
    private volatile long acceptFailures;

    private S3CallbackEcho(String host, int port, int listenFd, Poller sel) {
        this.host = host;
        this.port = port;
        this.listener = new Registration(listenFd);
        this.sel = sel;
        this.loop = new Thread(this::run, "s3-callback-loop");
        this.loop.setDaemon(true);
    }

    /** Binds host:port (0: a free port), registers the listener and runs the loop on a new thread. */
    public static SeedServer start(String host, int port) throws Exception {
        int fd = NativeSockets.listen(host, port, BACKLOG, false); // non-blocking, like s.setblocking(False)
        Poller sel = null;
        try {
            sel = Poller.open();
            S3CallbackEcho s = new S3CallbackEcho(host, NativeSockets.localPort(fd), fd, sel);
            s.register(s.listener, Interest.READABLE, s::accept); // sel.register(s, EVENT_READ, accept)
            s.loop.start();
            return s;
        } catch (Exception | Error e) {
            if (sel != null) {
                sel.close();
            }
            NativeSockets.close(fd);
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5566;
        SeedServer s = start(host, port);
        System.out.println("listening on " + s.host() + ":" + s.port());
        Thread.currentThread().join(); // serve until killed
    }

    // ---- the callbacks ---------------------------------------------------------------------------

    private void accept(Registration s, int mask) throws IOException {
        int conn = NativeSockets.accept(s.fd); // already non-blocking: no setblocking(False)
        if (conn == NativeSockets.WOULD_BLOCK) {
            return; // another process took it, or the peer gave up: wait for the next one
        }
        Registration c = new Registration(conn);
        try {
            c.buffer = NativeBuffer.allocate(RECV_SIZE);
            register(c, Interest.READABLE, this::read);
        } catch (IOException | RuntimeException | Error e) {
            if (c.buffer != null) {
                c.buffer.close();
            }
            S1BlockingEcho.closeQuietly(conn);
            throw e;
        }
        connections.add(c);
        acceptFailing = false;
    }

    private void read(Registration conn, int mask) throws IOException {
        int n = NativeSockets.read(conn.fd, conn.buffer, 0, RECV_SIZE);
        if (n == NativeSockets.WOULD_BLOCK) {
            return; // a spurious wake-up: stay registered for reading
        }
        if (n == 0) {
            closeConnection(conn); // sel.unregister(conn); conn.close()
            return;
        }
        modify(conn, Interest.WRITABLE, (c, m) -> write(c, m, 0, n));
    }

    private void write(Registration conn, int mask, int offset, int length) throws IOException {
        int w = NativeSockets.write(conn.fd, conn.buffer, offset, length);
        if (w == NativeSockets.WOULD_BLOCK) {
            w = 0;
        }
        if (w < length) {
            // The socket took part (or none): keep the rest pending, interest stays WRITE.
            // (Level-triggered corner: a peer that half-closed and stopped reading keeps
            // reporting HANGUP, so this runs again at each poll until it reads or resets.)
            int rest = offset + w, restLength = length - w;
            conn.callback = (c, m) -> write(c, m, rest, restLength);
            return;
        }
        modify(conn, Interest.READABLE, this::read);
    }

    // ---- the selector's register / modify / unregister -----------------------------------------

    private void register(Registration r, int interest, Callback callback) throws IOException {
        r.callback = callback;
        r.key = sel.register(r.fd, interest, r);
    }

    /** {@code sel.modify(conn, events, data)}: one epoll_ctl(EPOLL_CTL_MOD) per call. */
    private void modify(Registration r, int interest, Callback callback) throws IOException {
        r.callback = callback;
        sel.modify(r.key, interest);
    }

    private void closeConnection(Registration conn) {
        if (!connections.remove(conn)) {
            return; // closed already
        }
        try {
            sel.deregister(conn.key); // before close: see Poller.deregister
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "S3: " + e.getMessage());
        }
        conn.buffer.close();
        S1BlockingEcho.closeQuietly(conn.fd);
    }

    // ---- the loop -------------------------------------------------------------------------------

    /** The seed's {@code while True: events = sel.select(); ...}, until {@link #close()}. */
    private void run() {
        try {
            while (!closing) {
                long timeout = resumeAcceptingIfDue(System.nanoTime());
                int n = sel.poll(timeout); // a wake() from close() returns 0
                for (int i = 0; i < n; i++) {
                    // null: an earlier callback of this batch closed that connection
                    if (sel.attachment(i) instanceof Registration r) {
                        dispatch(r, sel.events(i));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "S3: the loop failed", e);
        } finally {
            for (Registration c : new ArrayList<>(connections)) {
                closeConnection(c);
            }
            try {
                sel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "S3: " + e.getMessage());
            }
            S1BlockingEcho.closeQuietly(listener.fd);
        }
    }

    /** {@code cb(e.fileobj, m)}, with one connection's failure kept to that connection. */
    private void dispatch(Registration r, int mask) {
        try {
            r.callback.call(r, mask);
        } catch (ConnectionResetException | BrokenPipeException e) {
            closeConnection(r); // the peer went away: ordinary
        } catch (IOException | RuntimeException e) {
            if (r == listener) {
                pauseAccepting(e); // e.g. EMFILE: the pending connection waits in the backlog
            } else {
                LOG.log(System.Logger.Level.WARNING, "S3: connection fd " + r.fd + ": " + e.getMessage());
                closeConnection(r);
            }
        }
    }

    private void pauseAccepting(Exception cause) {
        acceptFailures++;
        if (!acceptFailing) {
            LOG.log(System.Logger.Level.WARNING, "S3: accept failed, pausing accepts: " + cause.getMessage());
            acceptFailing = true;
        }
        try {
            sel.modify(listener.key, 0);
            acceptPaused = true;
            acceptResumeAt = System.nanoTime() + ACCEPT_PAUSE_NANOS;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "S3: " + e.getMessage());
        }
    }

    /** Re-enables accepting once the pause is over; returns the poll timeout in ms (-1: none). */
    private long resumeAcceptingIfDue(long now) throws IOException {
        if (!acceptPaused) {
            return -1;
        }
        long left = acceptResumeAt - now;
        if (left > 0) {
            return (left + 999_999) / 1_000_000; // rounded up: do not wake just before it
        }
        sel.modify(listener.key, Interest.READABLE);
        acceptPaused = false;
        return -1;
    }

    /** Stops the loop (it closes every connection, the poller and the listener) and waits for it. */
    @Override
    public synchronized void close() { // synchronized: a second caller must not close fds again
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
            LOG.log(System.Logger.Level.WARNING, "S3: loop did not stop within " + CLOSE_WAIT_MILLIS + " ms");
        }
    }

    long acceptFailures() {
        return acceptFailures;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }
}
