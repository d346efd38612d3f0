package io.coronet.net;

import io.coronet.coro.CancelledException;
import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Offload;
import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;
import io.coronet.loop.EventLoopClosedException;
import io.coronet.loop.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP server on an {@link EventLoopGroup}: one listener per loop (with several loops, an
 * SO_REUSEPORT group: the kernel spreads connections over them, so loops share nothing), one
 * coroutine per connection running {@link Handler#handle}.
 *
 * <pre>{@code
 * TcpServer server = TcpServer.start(group, "127.0.0.1", 5566, 1024, Echo::serve);
 * ...
 * TcpServer.DrainReport r = server.drain(Duration.ofSeconds(5));  // stop: finish, then cut
 * }</pre>
 *
 * <h2>The port is ours alone</h2>
 * Starting on a port that is already served fails with
 * {@link io.coronet.ffi.AddressInUseException} naming host:port, however many loops the group
 * has. With several loops the listeners must set SO_REUSEPORT, which would also let another
 * socket of the same user join the group silently; so the server first binds a plain probe
 * socket (no SO_REUSEPORT, not listening) on host:port, which fails if anyone serves it, closes
 * it and binds the group. The window between the two is microseconds wide, and only a socket
 * that sets SO_REUSEPORT itself, as the same user, can slip in there (a probing server like
 * this one cannot: its group bind is refused, see TcpServerPortTest). Sharing the port with
 * another process on purpose is {@link PortSharing#REUSE_PORT}.
 *
 * <h2>Stopping</h2>
 * {@link #drain(Duration)} stops this server only (other servers of the group go on): listeners
 * close first, open connections may finish until the deadline, the rest are cancelled, and the
 * report says how many finished and how many were cut. {@link #close()} is a drain with no
 * grace. On loop shutdown the listeners also close at once and connections end with the loop's
 * grace period. A handler that throws only ends its own connection: the failure is counted,
 * logged unless it is an ordinary peer problem (reset, broken pipe, EOF), and the loop goes on.
 */
public final class TcpServer implements AutoCloseable {
    /**
     * The per-connection logic: straight-line code in a coroutine, {@code handle(connection)};
     * the connection is closed after it returns.
     */
    @FunctionalInterface
    public interface Handler extends Coroutine.Handler<Connection> {
    }

    /** Whether other sockets may bind the server's port too. */
    public enum PortSharing {
        /** The port is this server's: starting fails if anyone serves it (the default). */
        EXCLUSIVE,
        /**
         * Every listener sets SO_REUSEPORT and no probe is made: other processes of the same user
         * that set it too share the port and the kernel splits the connections (a rolling restart,
         * several daemons behind one port).
         */
        REUSE_PORT
    }

    /** What {@link #drain} did: connections that finished on their own, were cancelled, or never ended. */
    public record DrainReport(int finished, int cut, int stillOpen) {
    }

    private static final System.Logger LOG = System.getLogger(TcpServer.class.getName());
    /** After cutting, how long cancelled handlers get to unwind before drain gives up waiting. */
    private static final Duration UNWIND = Duration.ofSeconds(5);

    private final List<ServerLoop> loops;
    private final String host;
    private final int port;
    private final ServerCounts counts = new ServerCounts();
    /** Held by the one drain that runs; the loops never take it. */
    private final ReentrantLock drainLock = new ReentrantLock();
    private DrainReport drainReport; // guarded by drainLock

    private TcpServer(List<TcpListener> listeners, String host, int port) {
        List<ServerLoop> states = new ArrayList<>();
        for (TcpListener l : listeners) {
            states.add(new ServerLoop(l, counts));
        }
        this.loops = List.copyOf(states);
        this.host = host;
        this.port = port;
    }

    /** {@link #start(EventLoopGroup, String, int, int, PortSharing, Handler)} with the port exclusive. */
    public static TcpServer start(EventLoopGroup group, String host, int port, int backlog, Handler handler)
            throws Exception {
        return start(group, host, port, backlog, PortSharing.EXCLUSIVE, handler);
    }

    /**
     * Starts listening on host:port on every loop of {@code group} (port 0: a free port, shared
     * by all the listeners). Returns once all listeners are bound: a platform thread waits, a
     * coroutine suspends.
     */
    public static TcpServer start(EventLoopGroup group, String host, int port, int backlog, PortSharing sharing,
                                  Handler handler) throws Exception {
        if (EventLoop.isLoopThread() && Coroutine.current() == null) {
            throw new IllegalStateException("TcpServer.start waits for every loop of the group to bind:"
                    + " call it from a platform thread or a coroutine, not from event loop '"
                    + EventLoop.current().name() + "' outside one");
        }
        boolean reusePort = sharing == PortSharing.REUSE_PORT || group.size() > 1;
        int boundPort = port;
        if (sharing == PortSharing.EXCLUSIVE && group.size() > 1) {
            boundPort = Offload.call(() -> probe(host, port)); // a name may resolve slowly: never on a loop thread
        }
        List<TcpListener> listeners = new ArrayList<>();
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
        TcpServer server = new TcpServer(listeners, host, boundPort);
        for (ServerLoop s : server.loops) {
            EventLoop loop = s.loop();
            loop.execute(() -> loop.onShutdown(s::stopAccepting));
            Coroutine.launch(loop, "accept:" + boundPort, () -> s.acceptLoop(handler));
        }
        return server;
    }

    /** Binds and closes a plain socket on host:port: AddressInUseException if anyone serves it. Returns the port. */
    private static int probe(String host, int port) throws IOException {
        int fd = NativeSockets.bindProbe(host, port);
        try {
            return NativeSockets.localPort(fd);
        } finally {
            NativeSockets.close(fd);
        }
    }

    private static int listenerPort(TcpListener l, EventLoop loop) throws Exception {
        return Coroutine.spawn(loop, l::port).join(Duration.ofSeconds(30));
    }

    /** Failures a server sees from peers every day: not worth a log line each. */
    static boolean isPeerProblem(Throwable e) {
        return e instanceof io.coronet.ffi.PeerGoneException
                || e instanceof java.io.EOFException
                || e instanceof LineTooLongException
                || e instanceof CancelledException
                || e instanceof io.coronet.coro.CoroutineTimeoutException
                || e instanceof ClosedException
                || e instanceof javax.net.ssl.SSLException; // a failed TLS handshake, a truncation: the peer's doing
    }

    private static void closeQuietly(TcpListener l) {
        try {
            l.close();
        } catch (IOException ignored) {
            // shutting down: the fd is gone either way
        }
    }

    // ---- stopping ----------------------------------------------------------------------------

    /**
     * The first step of {@link #drain}, on its own: from now on no new connection is taken (the
     * listeners close on their loops soon after) and every connection that ends counts as
     * finished in the drain's report. Returns at once, from any thread, so a signal handler can
     * call it before it hands the waiting part of the drain to a thread of its own.
     */
    public void stopAccepting() {
        counts.draining = true;
        for (ServerLoop s : loops) {
            try {
                s.loop().execute(s::stopAccepting);
            } catch (EventLoopClosedException terminated) {
                // the loop is gone, and its listener with it
            }
        }
    }

    /**
     * Stops this server gracefully: closes its listeners (new clients are refused at once), lets
     * the open connections finish until {@code grace} has passed, then cancels the handlers still
     * running (their current or next wait throws {@link CancelledException}) and waits a bounded
     * time for them to unwind. Other servers on the same loops are not touched. Returns what
     * happened; a second call returns the first one's report. Blocks: not on an event loop thread.
     */
    public DrainReport drain(Duration grace) throws InterruptedException {
        if (EventLoop.isLoopThread()) {
            throw new IllegalStateException("TcpServer.drain waits for connections to finish: call it from a"
                    + " platform thread, not from event loop '" + EventLoop.current().name() + "' (it would stall it);"
                    + " in a coroutine, Offload.call(() -> server.drain(grace))");
        }
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        drainLock.lock();
        try {
            if (drainReport != null) {
                return drainReport;
            }
            counts.draining = true;
            onEachLoop(ServerLoop::stopAccepting);
            counts.awaitAllClosed(deadline);
            AtomicInteger cut = new AtomicInteger();
            if (counts.open.get() > 0) {
                onEachLoop(s -> cut.addAndGet(s.cut()));
                counts.awaitAllClosed(System.nanoTime() + UNWIND.toNanos());
            }
            drainReport = new DrainReport(counts.finishedInDrain.get(), cut.get(), counts.open.get());
            return drainReport;
        } finally {
            drainLock.unlock();
        }
    }

    /** Stops this server now: {@link #drain} with no grace (open connections are cancelled). */
    @Override
    public void close() {
        try {
            drain(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code action} on every loop's state, on that loop, and waits (bounded) for all of them. */
    private void onEachLoop(java.util.function.Consumer<ServerLoop> action) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(loops.size());
        for (ServerLoop s : loops) {
            try {
                s.loop().execute(() -> {
                    try {
                        action.accept(s);
                    } finally {
                        done.countDown();
                    }
                });
            } catch (EventLoopClosedException terminated) {
                done.countDown(); // the loop is gone, and with it its listener and connections
            }
        }
        if (!done.await(30, TimeUnit.SECONDS)) {
            LOG.log(System.Logger.Level.WARNING, "TcpServer on " + host + ":" + port
                    + ": an event loop did not respond within 30 s while stopping");
        }
    }

    // ---- accessors ---------------------------------------------------------------------------

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Connections currently open. */
    public int openConnections() {
        return counts.open.get();
    }

    public long acceptedConnections() {
        return counts.accepted.get();
    }

    /** Connections whose handler ended with an exception (peer resets included). */
    public long failedConnections() {
        return counts.failed.get();
    }

    @Override
    public String toString() {
        return "TcpServer[" + host + ":" + port + ", " + loops.size() + " loop(s), " + counts.open.get() + " open]";
    }
}
