package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.coro.Coroutine;
import io.coronet.ffi.Abi;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.SocketAddress;
import io.coronet.ffi.TooManyOpenFilesException;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.util.List;
import java.time.Duration;

/**
 * A listening TCP socket whose {@link #accept()} suspends the calling coroutine.
 *
 * <p>Accepts in batches: one native call takes up to {@link #BATCH} pending connections
 * (accept4 each, until EAGAIN), later {@code accept()} calls are served from that batch.
 *
 * <p>Out of fds (EMFILE/ENFILE): a pending connection cannot be taken, its readiness stays,
 * and a naive loop would spin at 100% CPU retrying. We log once, sleep with exponential
 * backoff (the connections wait in the kernel's backlog meanwhile), and log again when
 * accepting works again. Connections never take the last {@value #FD_RESERVE} fds below the
 * limit either (see roomBelowReserve): the runtime needs a few for itself.
 *
 * <p>Loop-confined: every method but {@link #loop()} and {@link #isClosed()} refuses another
 * thread with {@link io.coronet.loop.WrongLoopException}.
 */
public final class TcpListener implements AutoCloseable {
    static final int BATCH = 64;
    /** fds kept free below RLIMIT_NOFILE for the runtime itself (see roomBelowReserve). */
    static final int FD_RESERVE = 32;
    private static final long MIN_BACKOFF_MS = 5, MAX_BACKOFF_MS = 500;
    private static final System.Logger LOG = System.getLogger(TcpListener.class.getName());

    private final AsyncFd fd;
    private final NativeBuffer acceptedFds = NativeBuffer.allocate(BATCH * 4);
    private int next, count; // acceptedFds[next, count) are accepted, not yet handed out
    private boolean starved;   // in an out-of-fds episode
    private long fdLimit;      // the soft RLIMIT_NOFILE when last read
    private int fdCeiling;     // fdLimit - FD_RESERVE: no connection gets an fd at or above it
    private boolean nearLimit; // the last fd handed out was within a batch of the ceiling
    private long starvedSince;

    private TcpListener(AsyncFd fd) {
        this.fd = fd;
        this.nearLimit = true; // so the first accept reads the limit
    }

    /**
     * Binds and listens on host:port (port 0: a free port; see {@link #port()}) on the current
     * coroutine's loop.
     */
    public static TcpListener bind(String host, int port, int backlog, boolean reusePort) throws IOException {
        Coroutine co = Coroutine.current();
        if (co == null) {
            throw new IllegalStateException("TcpListener.bind must be called from a coroutine");
        }
        return bind(co.loop(), host, port, backlog, reusePort);
    }

    /**
     * Binds on {@code loop}; loop thread only. A name is resolved off the loop ({@link Resolver},
     * so from a coroutine; a numeric host needs none) and its addresses are tried in order until
     * one binds (else the first one's error); a name that does not resolve is an
     * {@link io.coronet.ffi.UnresolvedHostException}.
     */
    public static TcpListener bind(EventLoop loop, String host, int port, int backlog, boolean reusePort) throws IOException {
        List<String> addresses;
        try {
            addresses = Resolver.resolveForListening(host, port);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) { // Offload.call declares Exception; resolution throws nothing else checked
            throw new IOException("resolving " + host, e);
        }
        int raw = -1;
        IOException first = null;
        for (String address : addresses) {
            try {
                raw = NativeSockets.listen(address, port, backlog, reusePort);
                break;
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (raw < 0) {
            throw first;
        }
        try {
            return new TcpListener(AsyncFd.register(loop, raw));
        } catch (IOException | RuntimeException e) {
            NativeSockets.close(raw);
            throw e;
        }
    }

    public SocketAddress localAddress() throws IOException {
        fd.loop().checkConfined(this);
        return NativeSockets.localAddress(fd.fd());
    }

    public int port() throws IOException {
        fd.loop().checkConfined(this);
        return NativeSockets.localPort(fd.fd());
    }

    public EventLoop loop() {
        return fd.loop();
    }

    /** Suspends until a connection arrives; the new connection is non-blocking and close-on-exec. */
    public TcpConnection accept() throws IOException {
        fd.loop().checkConfined(this);
        while (true) {
            if (next < count) {
                int conn = acceptedFds.getInt(4 * next++);
                nearLimit = conn >= fdCeiling - BATCH;
                try {
                    return new TcpConnection(AsyncFd.register(fd.loop(), conn));
                } catch (IOException | RuntimeException e) {
                    NativeSockets.close(conn);
                    throw e;
                }
            }
            fd.awaitReadable();
            int room = nearLimit ? roomBelowReserve() : BATCH;
            if (room <= 0) {
                backOff("fewer than " + FD_RESERVE + " fds left below the fd limit " + fdLimit
                        + " (kept for the runtime); new connections wait in the backlog");
                continue;
            }
            int n;
            try {
                n = NativeSockets.acceptMany(fd.fd(), acceptedFds, room);
            } catch (TooManyOpenFilesException e) {
                backOff(e.getMessage());
                continue;
            } catch (NativeException e) {
                if (e.errno() == Abi.ECONNABORTED) {
                    continue; // more than 64 connections in a row lost in the queue: go on taking the rest
                }
                if (e.errno() == Abi.ENOBUFS || e.errno() == Abi.ENOMEM) {
                    backOff(e.getMessage()); // kernel memory, like fds: wait for it, do not stop serving
                    continue;
                }
                throw e;
            }
            if (n == NativeSockets.WOULD_BLOCK) {
                fd.readDrained();
                continue;
            }
            if (starved) {
                starved = false;
                log("accept on " + localAddress() + " recovered after "
                        + Duration.ofNanos(System.nanoTime() - starvedSince).toMillis() + " ms without fds");
            }
            next = 0;
            count = n;
            // A short batch does not prove the backlog empty: cn_tcp_accept_many also ends a batch
            // at EMFILE/ENFILE/ENOBUFS after the first success and reports only the count. Taking
            // it as drained would, with edge-triggered epoll, leave the queued connections waiting
            // for an edge that only a new arrival makes (and never log the fd shortage). So the
            // next call tries again: EAGAIN there (one syscall per burst) marks it drained.
        }
    }


    private long backoffMs = MIN_BACKOFF_MS;

    /**
     * How many connections we may accept without eating into the reserve: the last
     * {@value #FD_RESERVE} fds below RLIMIT_NOFILE stay free for the runtime itself (a class file
     * read from a directory, a log file, a jar re-opened); a JVM that failed to open a class file
     * remembers the failure for good. open(2)/accept(2) take the lowest free fd, so the next
     * fd's number tells how many are left. Asked only near the limit: it costs two syscalls.
     */
    private int roomBelowReserve() throws IOException {
        long limit = NativeSockets.fdSoftLimit(); // may have been raised meanwhile
        fdLimit = limit;
        fdCeiling = (int) Math.max(FD_RESERVE, Math.min(Integer.MAX_VALUE, limit - FD_RESERVE));
        int next = NativeSockets.lowestFreeFd();
        if (next < 0) {
            return 0;
        }
        nearLimit = next >= fdCeiling - BATCH;
        return Math.min(BATCH, fdCeiling - next);
    }

    private void backOff(String reason) {
        if (!starved) {
            starved = true;
            starvedSince = System.nanoTime();
            backoffMs = MIN_BACKOFF_MS;
            String where;
            try {
                where = localAddress().toString();
            } catch (IOException ignored) {
                where = "fd " + fd.fd();
            }
            log("accept on " + where + ": " + reason
                    + "; pausing accepts (backing off up to " + MAX_BACKOFF_MS + " ms) until connections close");
        }
        Coroutine.sleep(Duration.ofMillis(backoffMs));
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }

    /**
     * Logs without ever failing: this runs exactly when the process is out of fds, and a
     * logging backend that opens a file then (java.util.logging loads lib/tzdb.dat on its first
     * record) throws, which must not end the accept coroutine.
     */
    private static void log(String message) {
        try {
            LOG.log(System.Logger.Level.WARNING, message);
        } catch (Throwable loggingFailed) {
            System.err.println("coronet: " + message);
        }
    }

    public boolean isClosed() {
        return fd.isClosed();
    }

    /** Stops listening; a coroutine suspended in accept() gets {@link io.coronet.coro.ClosedException}. */
    @Override
    public String toString() {
        return "TcpListener[fd=" + fd.fd() + (fd.isClosed() ? ", closed" : "") + "]";
    }

    @Override
    public void close() throws IOException {
        if (fd.isClosed()) {
            return;
        }
        fd.loop().checkConfined(this);
        try {
            while (next < count) { // accepted but never handed out: do not leak them
                NativeSockets.close(acceptedFds.getInt(4 * next++));
            }
            fd.close();
        } finally {
            acceptedFds.close();
        }
    }
}
