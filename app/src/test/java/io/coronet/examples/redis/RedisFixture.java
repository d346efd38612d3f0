package io.coronet.examples.redis;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * coronet's redis server in-process on two event loops (so the shared store is exercised),
 * on a free port, per test; blocking java.net clients and the real redis tools talk to it.
 */
abstract class RedisFixture {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoopGroup group;
    RedisServer redis;
    TcpServer server;

    RespLimits limits() {
        return RespLimits.DEFAULT;
    }

    @BeforeEach
    void startServer() throws Exception {
        group = EventLoopGroup.start(getClass().getSimpleName(), 2);
        redis = new RedisServer(limits());
        server = redis.start(group, "127.0.0.1", 0, 4096);
    }

    @AfterEach
    void stopServer() throws Exception {
        group.shutdown(Duration.ofMillis(200));
        assertTrue(group.awaitTermination(WAIT), "server loops did not stop");
    }

    int port() {
        return server.port();
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        s.setSoTimeout(20_000); // a hung server fails the test instead of hanging it
        s.setTcpNoDelay(true);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        send(s, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** Reads exactly {@code expected.length()} bytes and returns them as text. */
    static String receive(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        byte[] b = in.readNBytes(n);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code request}, expects exactly {@code reply} back. */
    static String roundTrip(Socket s, String request, int replyLength) throws IOException {
        send(s, request);
        return receive(s, replyLength);
    }

    /** Reads until end of stream (bounded by the socket timeout). */
    static String readToEnd(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** A request in RESP multibulk form. */
    static String resp(String... args) {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.ISO_8859_1).length).append("\r\n").append(a).append("\r\n");
        }
        return b.toString();
    }

    /** Waits (bounded) until {@code condition} holds. */
    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
