package io.coronet.net.tls;

import io.coronet.coro.Coroutine;
import io.coronet.loop.EventLoop;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.BufferPool;
import io.coronet.net.TcpServer;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A coronet TLS server on one event loop (127.0.0.1, a free port) running the test protocol:
 * a greeting line "hello SNI ALPN VERSION CLIENT-CERT" ("-" for what was not negotiated), then every line
 * echoed back, until the client closes or sends "quit" (then the server closes). What ended each connection is kept for the test.
 */
final class TlsServerFixture implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final EventLoopGroup group;
    final TcpServer server;
    /** How each handler ended: the exception, or "clean" for a close_notify. */
    final ConcurrentLinkedQueue<Object> endings = new ConcurrentLinkedQueue<>();

    TlsServerFixture(TlsConfig config) throws Exception {
        group = EventLoopGroup.start("tls-test", 1);
        try {
            server = TcpServer.start(group, "127.0.0.1", 0, 2048, TlsServer.handler(config, this::greetAndEcho));
        } catch (Exception e) {
            group.shutdown(Duration.ZERO);
            throw e;
        }
    }

    private void greetAndEcho(TlsConnection c) throws Exception {
        try {
            c.write("hello " + orDash(c.requestedServerName()) + " " + orDash(c.applicationProtocol()) + " " + c.protocol()
                    + " " + peer(c) + "\n");
            String line;
            while ((line = c.readLine(16 * 1024)) != null && !line.equals("quit")) {
                c.write(line + "\n");
            }
            endings.add("clean");
        } catch (Exception e) {
            endings.add(e);
            throw e;
        }
    }

    /** The client certificate's subject, or "-". */
    private static String peer(TlsConnection c) {
        return c.peerCertificates().isEmpty() ? "-" : c.peerCertificates().get(0).getSubjectX500Principal().getName().replace(' ', '_');
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    int port() {
        return server.port();
    }

    EventLoop loop() {
        return group.get(0);
    }

    <T> T onLoop(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(loop(), body).join(WAIT);
    }

    /** Record buffers and receive chunks lent out on the server's loop right now. */
    int buffersLent() throws Exception {
        return onLoop(() -> RecordBuffers.of(loop()).lentCount() + BufferPool.of(loop()).lentCount());
    }

    /** Waits (bounded) until the server has no open connection. */
    void awaitNoConnections() throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (server.openConnections() > 0 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        if (server.openConnections() > 0) {
            throw new AssertionError(server.openConnections() + " connections still open after " + WAIT);
        }
    }

    /** Waits (bounded) until {@code n} handlers have ended. */
    void awaitEndings(int n) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (endings.size() < n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        if (endings.size() < n) {
            throw new AssertionError("only " + endings.size() + " of " + n + " connections ended: " + endings);
        }
    }

    @Override
    public void close() throws Exception {
        group.shutdown(Duration.ofMillis(200));
        if (!group.awaitTermination(WAIT)) {
            throw new AssertionError("the server's loop did not terminate");
        }
    }
}
