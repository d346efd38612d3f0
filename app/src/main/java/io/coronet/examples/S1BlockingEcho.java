package io.coronet.examples;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.PeerGoneException;

import java.io.IOException;
import java.util.List;

/**
 * Seed program S1: the blocking echo server, one connection at a time, on coronet's native
 * sockets switched to blocking mode (no java.net, no java.nio).
 *
 * <pre>
 * import socket
 *
 * s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
 * s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
 * s.bind(("127.0.0.1", 5566))
 * s.listen(10)
 *
 * while True:
 *     conn, addr = s.accept()
 *     msg = conn.recv(1024)
 *     conn.send(msg)
 * </pre>
 *
 * <p>Kept from the seed: one thread, a blocking accept, <em>one</em> recv of at most 1024 bytes,
 * its bytes sent back, next connection. That is the seed's point: a client that connects and
 * says nothing stops every other client, because the only thread sits in recv.
 *
 * <p>Fixed: the seed leaks {@code conn}: it never closes it, so the client waits for an end of
 * stream that comes only if CPython's reference counting happens to free the socket when the
 * name is rebound at the next accept (the language promises nothing; in Java nothing would
 * close it). Here the connection is closed right after the reply. And {@code conn.send} may
 * send only part of the message; this writes all of it.
 */
public final class S1BlockingEcho implements SeedServer {
    /** The seed's {@code s.listen(10)}. */
    static final int BACKLOG = 10;
    /** The seed's {@code conn.recv(1024)}. */
    static final int RECV_SIZE = 1024;
    private static final System.Logger LOG = System.getLogger(S1BlockingEcho.class.getName());

    private final BlockingListener listener;
    private final Thread server;
    private volatile boolean closing;

    /** Guards {@link #connFd}: the server thread closes it, {@link #close()} shuts it down. */
    private final Object connLock = new Object();
    private int connFd = -1;

    private S1BlockingEcho(BlockingListener listener) {
        this.listener = listener;
        this.server = new Thread(this::serve, "s1-blocking-echo");
        this.server.setDaemon(true);
    }

    /** Binds host:port (0: a free port) and serves on one background thread. */
    public static SeedServer start(String host, int port) throws Exception {
        S1BlockingEcho s = new S1BlockingEcho(BlockingListener.open(host, port, BACKLOG));
        s.listener.startAcceptor(s.server);
        return s;
    }

    public static void main(String[] args) throws Exception {
        SeedMain.run(args, S1BlockingEcho::start);
    }

    /** The seed's {@code while True} loop. */
    private void serve() {
        try (NativeBuffer msg = NativeBuffer.allocate(RECV_SIZE)) {
            while (!closing) {
                int conn = listener.accept("S1", () -> closing); // blocks until a client connects
                if (conn < 0) {
                    continue; // failed (logged, paused) or closing
                }
                if (!adopt(conn)) {
                    break; // close() connected to wake us up: this is its connection
                }
                try {
                    echoOnce(conn, msg);
                } catch (PeerGoneException e) {
                    // the peer's own doing: nothing to report
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "S1: connection failed: " + e.getMessage());
                } finally {
                    release(conn);
                }
            }
        }
    }

    /** {@code msg = conn.recv(1024); conn.send(msg)}, in blocking mode. */
    private static void echoOnce(int conn, NativeBuffer msg) throws IOException {
        // accept4(2) gives a non-blocking socket (SOCK_NONBLOCK): make it blocking like the seed's
        NativeSockets.setBlocking(conn, true);
        int n = NativeSockets.read(conn, msg, 0, RECV_SIZE); // blocks until data or EOF
        writeAll(conn, msg, n); // n == 0: EOF, nothing to send
    }

    /** Publishes conn so close() can shut it down; false (conn closed) when closing already. */
    private boolean adopt(int conn) {
        synchronized (connLock) {
            if (closing) {
                closeQuietly(conn);
                return false;
            }
            connFd = conn;
            return true;
        }
    }

    private void release(int conn) {
        synchronized (connLock) {
            connFd = -1;
            closeQuietly(conn); // under the lock: close() never shuts down a reused fd number
        }
    }

    /**
     * Stops the server. A thread blocked in accept(2) or read(2) is not woken by closing another
     * thread's fd (Linux leaves it blocked), so: shut the current connection down (its read
     * returns 0), and connect to the listener once so a blocked accept returns.
     */
    @Override
    public synchronized void close() { // synchronized: a second caller must not close fds again
        if (closing) {
            return;
        }
        closing = true;
        synchronized (connLock) {
            if (connFd >= 0) {
                shutdownQuietly(connFd);
            }
        }
        listener.stop("S1", List.of(server)); // wakes a blocked accept, joins, closes the listener
    }

    /** True while a connection is being served (for tests: the thread is then in read or write). */
    boolean hasConnection() {
        synchronized (connLock) {
            return connFd >= 0;
        }
    }

    @Override
    public String host() {
        return listener.host;
    }

    @Override
    public int port() {
        return listener.port;
    }

    // ---- helpers shared with S2 and S3/S4 (the listener's part is BlockingListener) -------------

    /** Blocking write of msg[0, n): loops because write(2) may take part of it. */
    static void writeAll(int conn, NativeBuffer msg, int n) throws IOException {
        int sent = 0;
        while (sent < n) {
            int w = NativeSockets.write(conn, msg, sent, n - sent);
            if (w <= 0) {
                // a blocking write returns only after writing something (or fails)
                throw new IOException("write(fd=" + conn + ") returned " + w + " in blocking mode");
            }
            sent += w;
        }
    }

    /** shutdown(2) both ways: a read blocked on fd returns 0, a blocked write fails with EPIPE. */
    static void shutdownQuietly(int fd) {
        try {
            NativeSockets.shutdownInput(fd);
            NativeSockets.shutdownOutput(fd);
        } catch (IOException e) {
            // ENOTCONN: the peer is gone already, which is what we wanted
        }
    }

    static void closeQuietly(int fd) {
        try {
            NativeSockets.close(fd);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }
}
