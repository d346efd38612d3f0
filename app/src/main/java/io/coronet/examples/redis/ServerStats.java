package io.coronet.examples.redis;

import java.util.concurrent.atomic.AtomicInteger;

/** What INFO reports about the server: port, loops, uptime, clients connected now. */
final class ServerStats {
    private final long startNanos = System.nanoTime();
    private final AtomicInteger clients = new AtomicInteger();
    private volatile int port;
    private volatile int loops;

    void started(int port, int loops) {
        this.port = port;
        this.loops = loops;
    }

    int port() {
        return port;
    }

    int loops() {
        return loops;
    }

    long uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1_000_000_000L;
    }

    void connected() {
        clients.incrementAndGet();
    }

    void disconnected() {
        clients.decrementAndGet();
    }

    int connectedClients() {
        return clients.get();
    }
}
