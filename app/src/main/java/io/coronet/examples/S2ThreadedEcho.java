package io.coronet.examples;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.PeerGoneException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seed program S2: one platform thread per connection, blocking native sockets.
 *
 * <pre>
 * import threading
 * import socket
 *
 * s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
 * s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
 * s.bind(("127.0.0.1", 5566))
 * s.listen(10240)
 *
 * def handler(conn):
 *     while True:
 *         msg = conn.recv(65535)
 *         conn.send(msg)
 *
 * while True:
 *     conn, addr = s.accept()
 *     t = threading.Thread(target=handler, args=(conn,))
 *     t.start()
 * </pre>
 *
 * <p>Fixed: the seed's handler never sees end of stream: {@code recv} returns {@code b""} for
 * ever once the peer has closed, and the thread spins sending nothing. Here a read of 0 ends the
 * handler, which closes its connection. A connection that fails (reset, broken pipe) ends only
 * its own thread. Every reply is written in full (the seed's {@code send} may write part).
 *
 * <p>What the seed wants to show is still here: each connection costs a thread (a stack, a
 * kernel task, a context switch per message), which is what event loops avoid.
 */
public final class S2ThreadedEcho implements SeedServer {
    /** The seed's {@code s.listen(10240)}. */
    static final int BACKLOG = 10240;
    /** The seed's {@code conn.recv(65535)}. */
    static final int RECV_SIZE = 65535;
    private static final System.Logger LOG = System.getLogger(S2ThreadedEcho.class.getName());

    private final BlockingListener listener;
    private final Thread acceptor;
    private final AtomicLong threadNumbers = new AtomicLong();
    private volatile boolean closing;

    /**
     * Live connections (fd to its thread). A handler removes and closes its fd while holding the
     * lock, and {@link #close()} shuts fds down while holding it, so close() never touches an fd
     * number that was closed and reused meanwhile.
     */
    private final Map<Integer, Thread> connections = new HashMap<>();

    private S2ThreadedEcho(BlockingListener listener) {
        this.listener = listener;
        this.acceptor = new Thread(this::acceptLoop, "s2-accept");
        this.acceptor.setDaemon(true);
    }

    /** Binds host:port (0: a free port) and accepts on a background thread. */
    public static SeedServer start(String host, int port) throws Exception {
        S2ThreadedEcho s = new S2ThreadedEcho(BlockingListener.open(host, port, BACKLOG));
        s.listener.startAcceptor(s.acceptor);
        return s;
    }

    public static void main(String[] args) throws Exception {
        SeedMain.run(args, S2ThreadedEcho::start);
    }

    /** The seed's main loop: accept, start a thread for the connection, repeat. */
    private void acceptLoop() {
        while (!closing) {
            int conn = listener.accept("S2", () -> closing); // blocks until a client connects
            if (conn < 0) {
                continue; // failed (logged, paused) or closing
            }
            Thread t = new Thread(() -> handler(conn), "s2-conn-" + threadNumbers.incrementAndGet());
            t.setDaemon(true);
            synchronized (connections) {
                if (closing) { // close() connected to wake us up; or a client raced it
                    S1BlockingEcho.closeQuietly(conn);
                    break;
                }
                connections.put(conn, t);
            }
            t.start();
        }
    }

    /** The seed's {@code handler(conn)}: echo until end of stream, then close. */
    private void handler(int conn) {
        try (NativeBuffer msg = NativeBuffer.allocate(RECV_SIZE)) {
            NativeSockets.setBlocking(conn, true); // accepted sockets start non-blocking
            while (true) {
                int n = NativeSockets.read(conn, msg, 0, RECV_SIZE);
                if (n <= 0) {
                    return; // 0: the peer closed its side (WOULD_BLOCK cannot happen when blocking)
                }
                S1BlockingEcho.writeAll(conn, msg, n); // all of it: send may take part
            }
        } catch (PeerGoneException e) {
            // the peer went away: an ordinary end for this connection only
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "S2: " + Thread.currentThread().getName() + ": " + e.getMessage());
        } finally {
            synchronized (connections) {
                connections.remove(conn);
                S1BlockingEcho.closeQuietly(conn);
            }
        }
    }

    /**
     * Stops accepting, shuts every connection down (their blocked reads return 0, blocked writes
     * fail) and waits for all threads to end.
     */
    @Override
    public synchronized void close() { // synchronized: a second caller must not close fds again
        if (closing) {
            return;
        }
        List<Thread> threads;
        synchronized (connections) {
            closing = true;
            for (int fd : connections.keySet()) {
                S1BlockingEcho.shutdownQuietly(fd);
            }
            threads = new ArrayList<>(connections.values());
        }
        threads.add(acceptor);
        listener.stop("S2", threads); // wakes the blocked accept, joins all, closes the listener
    }

    /** Connections being served right now (for tests). */
    int connectionCount() {
        synchronized (connections) {
            return connections.size();
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
}
