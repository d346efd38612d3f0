package io.coronet.cli;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The life of a long-running server command ({@code serve}, {@code redis}): start the loops
 * and the server, announce {@code listening on HOST:PORT} on stdout once bound, wait until the
 * loops end. On SIGTERM/SIGINT the server drains ({@link TcpServer#drain}: listeners close
 * first, open connections get the grace to finish, the rest are cut; the counts are logged),
 * then the loops end; a second signal while draining stops at once.
 */
final class ServerLifecycle {
    /** Starts the server on a group (the group is shut down if this throws). */
    @FunctionalInterface
    interface Starter {
        TcpServer start(EventLoopGroup group) throws Exception;
    }

    private final EventLoopGroup group;
    private final TcpServer server;

    private ServerLifecycle(EventLoopGroup group, TcpServer server) {
        this.group = group;
        this.server = server;
    }

    /**
     * Starts {@code loops} event loops and the server on them; on SIGTERM/SIGINT open
     * connections get {@code grace} to finish.
     */
    static ServerLifecycle start(String loopName, int loops, Duration grace, Starter starter) throws Exception {
        EventLoopGroup group = EventLoopGroup.start(loopName, loops);
        TcpServer server;
        try {
            server = starter.start(group);
        } catch (Exception e) {
            group.shutdown(Duration.ZERO);
            throw e;
        }
        AtomicBoolean stopping = new AtomicBoolean();
        Cli.onTerminationSignal(signal -> {
            if (stopping.getAndSet(true)) {
                Cli.log("received SIG" + signal + " while draining: stopping now");
                group.shutdown(Duration.ZERO);
                return;
            }
            server.stopAccepting(); // at once: a connection that ends from here on counts as finished
            Cli.log("received SIG" + signal + ": draining (grace " + grace.toMillis() + " ms, "
                    + server.openConnections() + " connections open)");
            // not on the signal thread: a second signal must still get through while we wait
            Thread drainer = new Thread(() -> drainThenStop(server, group, grace), "coronet-drain");
            drainer.setDaemon(true);
            drainer.start();
        });
        return new ServerLifecycle(group, server);
    }

    /** The SIGTERM path: the server drains (listeners first), then the loops end. */
    private static void drainThenStop(TcpServer server, EventLoopGroup group, Duration grace) {
        try {
            TcpServer.DrainReport r = server.drain(grace);
            Cli.log("drained: " + r.finished() + " connection(s) finished, " + r.cut() + " cut at the deadline"
                    + (r.stillOpen() > 0 ? ", " + r.stillOpen() + " did not end" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            group.shutdown(Duration.ofMillis(500));
        }
    }

    EventLoopGroup group() {
        return group;
    }

    TcpServer server() {
        return server;
    }

    /**
     * Prints {@code listening on HOST:PORT} and serves until the loops end (a signal shuts them
     * down); {@code warmedUp} connections of the server's own are left out of the final count.
     */
    int announceAndServe(long warmedUp) throws InterruptedException {
        // Start-up (loading the native binding, its generated stubs, ~700 classes) leaves ~20 MiB
        // of garbage in the young generation, and the pages it touched stay resident. Collected
        // now, before clients come, connection state is allocated into those same pages instead of
        // touching new ones: ~10 MiB less RSS with 10,000 connections open (benchmarks/RESULTS.md).
        System.gc();
        System.out.println("listening on " + server.host() + ":" + server.port());
        System.out.flush();
        while (!group.awaitTermination(Duration.ofDays(1))) {
            // serve until the loops end (a signal shuts them down)
        }
        long served = server.acceptedConnections() - warmedUp;
        Cli.log("stopped after " + served + " connections" + (warmedUp > 0 ? " (and " + warmedUp + " of the warm-up)" : ""));
        return 0;
    }
}
