package io.coronet.net;

import io.coronet.coro.CancelledException;
import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.util.function.BiConsumer;

/**
 * One loop's part of a {@link TcpServer}: its listener, the accept coroutine, and the open
 * connections (an intrusive list through {@link TcpConnection}, no node per connection), so the
 * server can stop accepting and cut what is left. Touched on that loop only.
 */
final class ServerLoop {
    private static final System.Logger LOG = System.getLogger(TcpServer.class.getName());

    final TcpListener listener;
    private final ServerCounts counts;
    /** Head of the open connections' list. */
    private TcpConnection head;
    private boolean stopped;
    /** What runs in a connection's coroutine after its handler: one object for all connections. */
    private final BiConsumer<Connection, Throwable> connectionEnded = this::ended;

    ServerLoop(TcpListener listener, ServerCounts counts) {
        this.listener = listener;
        this.counts = counts;
    }

    EventLoop loop() {
        return listener.loop();
    }

    /** The accept coroutine: one handler coroutine per connection until the listener closes. */
    void acceptLoop(TcpServer.Handler handler) throws IOException {
        EventLoop loop = listener.loop();
        while (!listener.isClosed()) {
            TcpConnection conn;
            try {
                conn = listener.accept();
            } catch (ClosedException | CancelledException stopping) {
                return; // the server or the loop is shutting down
            }
            if (loop.isShuttingDown() || stopped) { // a coroutine would be refused: do not take the connection
                conn.close();
                return;
            }
            counts.opened();
            try {
                NativeSockets.setNoDelay(conn.fd(), true);
            } catch (NativeException e) { // the peer reset before we got to it: its problem only
                counts.failed.incrementAndGet();
                counts.gone();
                conn.close();
                continue;
            }
            link(conn);
            // the handler's frame sits right on the coroutine's entry: no wrapper on the stack
            Coroutine co = Coroutine.launchDetached(loop, handler, conn, connectionEnded);
            if (!conn.isClosed()) {
                conn.handler = co;
            }
        }
    }

    private void link(TcpConnection c) {
        c.nextOpen = head;
        if (head != null) {
            head.prevOpen = c;
        }
        head = c;
    }

    private void unlink(TcpConnection c) {
        if (c.prevOpen != null) {
            c.prevOpen.nextOpen = c.nextOpen;
        } else if (head == c) {
            head = c.nextOpen;
        }
        if (c.nextOpen != null) {
            c.nextOpen.prevOpen = c.prevOpen;
        }
        c.prevOpen = c.nextOpen = null;
    }

    /** After a connection's handler returned ({@code failure} null) or threw: in its coroutine. */
    private void ended(Connection conn, Throwable failure) {
        TcpConnection c = (TcpConnection) conn;
        unlink(c);
        c.handler = null;
        if (counts.draining && !c.cut) {
            counts.finishedInDrain.incrementAndGet();
        }
        try {
            conn.close();
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure != null) {
            counts.failed.incrementAndGet();
            if (!TcpServer.isPeerProblem(failure)) {
                LOG.log(System.Logger.Level.WARNING, "connection handler failed", failure);
            }
        }
        counts.gone();
    }

    /** Stops accepting on this loop (a drain's first step, or the loop shutting down). */
    void stopAccepting() {
        stopped = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // stopping: the fd is gone either way
        }
    }

    /** Cancels every open connection's handler; returns how many. */
    int cut() {
        int n = 0;
        for (TcpConnection c = head; c != null; c = c.nextOpen) {
            if (c.handler != null) {
                c.cut = true;
                c.handler.cancel();
                n++;
            }
        }
        return n;
    }
}
