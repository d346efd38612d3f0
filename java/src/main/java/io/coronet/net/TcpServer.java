package io.coronet.net;

import io.coronet.coro.CancelledException;
import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;
import io.coronet.loop.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A TCP server on an {@link EventLoopGroup}: one SO_REUSEPORT listener per loop (the kernel
 * spreads connections over them, so loops share nothing), one coroutine per connection
 * running {@link Handler#handle}.
 *
 * <p>On loop shutdown the listeners close at once (no new connections); connection
 * coroutines finish or are cancelled when the loop's grace period ends. A handler that throws
 * only ends its own connection: the failure is counted, logged unless it is an ordinary peer
 * problem (reset, broken pipe, EOF), and the loop goes on.
 */
public final class TcpServer {
    /**
     * The per-connection logic: straight-line code in a coroutine, {@code handle(connection)};
     * the connection is closed after it returns.
     */
    @FunctionalInterface
    public interface Handler extends Coroutine.Handler<TcpConnection> {
    }

    private static final System.Logger LOG = System.getLogger(TcpServer.class.getName());

    private final List<TcpListener> listeners;
    private final String host;
    private final int port;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** What runs in a connection's coroutine after its handler: one object for all connections. */
    private final BiConsumer<TcpConnection, Throwable> connectionEnded = this::connectionEnded;

    private TcpServer(List<TcpListener> listeners, String host, int port) {
        this.listeners = listeners;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts listening on host:port on every loop of {@code group} (port 0: the first listener
     * picks a free port and the others share it). Returns once all listeners are bound.
     */
    public static TcpServer start(EventLoopGroup group, String host, int port, int backlog, Handler handler)
            throws Exception {
        List<TcpListener> listeners = new ArrayList<>();
        int boundPort = port;
        boolean reusePort = group.size() > 1;
        try {
            for (EventLoop loop : group.loops()) {
                int p = boundPort;
                TcpListener l = Coroutine.spawn(loop, "bind", () -> TcpListener.bind(host, p, backlog, reusePort))
                        .join(Duration.ofSeconds(30));
                listeners.add(l);
                boundPort = p == 0 ? listenerPort(l, loop) : p;
            }
        } catch (Exception e) {
            for (TcpListener l : listeners) {
                l.loop().execute(() -> closeQuietly(l));
            }
            throw e;
        }
        TcpServer server = new TcpServer(List.copyOf(listeners), host, boundPort);
        for (TcpListener l : listeners) {
            EventLoop loop = l.loop();
            loop.execute(() -> loop.onShutdown(() -> closeQuietly(l)));
            Coroutine.launch(loop, "accept:" + boundPort, () -> server.acceptLoop(l, handler));
        }
        return server;
    }

    private static int listenerPort(TcpListener l, EventLoop loop) throws Exception {
        return Coroutine.spawn(loop, l::port).join(Duration.ofSeconds(30));
    }

    private void acceptLoop(TcpListener listener, Handler handler) throws IOException {
        EventLoop loop = listener.loop();
        while (!listener.isClosed()) {
            TcpConnection conn;
            try {
                conn = listener.accept();
            } catch (ClosedException | CancelledException stopped) {
                return; // the server or the loop is shutting down
            }
            if (loop.isShuttingDown()) { // a coroutine would be refused: do not take the connection
                conn.close();
                return;
            }
            accepted.incrementAndGet();
            open.incrementAndGet();
            try {
                NativeSockets.setNoDelay(conn.fd(), true);
                // the handler's frame sits right on the coroutine's entry: no wrapper on the stack
                Coroutine.launchDetached(loop, handler, conn, connectionEnded);
            } catch (NativeException e) { // the peer reset before we got to it: its problem only
                failed.incrementAndGet();
                open.decrementAndGet();
                conn.close();
            }
        }
    }

    /** After a connection's handler returned ({@code failure} null) or threw: in its coroutine. */
    private void connectionEnded(TcpConnection conn, Throwable failure) {
        try {
            conn.close();
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
        }
        open.decrementAndGet();
        if (failure != null) {
            failed.incrementAndGet();
            if (!isPeerProblem(failure)) {
                LOG.log(System.Logger.Level.WARNING, "connection handler failed", failure);
            }
        }
    }

    /** Failures a server sees from peers every day: not worth a log line each. */
    static boolean isPeerProblem(Throwable e) {
        return e instanceof io.coronet.ffi.PeerGoneException
                || e instanceof java.io.EOFException
                || e instanceof LineTooLongException
                || e instanceof CancelledException
                || e instanceof io.coronet.coro.CoroutineTimeoutException
                || e instanceof ClosedException;
    }

    private static void closeQuietly(TcpListener l) {
        try {
            l.close();
        } catch (IOException ignored) {
            // shutting down: the fd is gone either way
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Connections currently open. */
    public int openConnections() {
        return open.get();
    }

    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections whose handler ended with an exception (peer resets included). */
    public long failedConnections() {
        return failed.get();
    }
}
