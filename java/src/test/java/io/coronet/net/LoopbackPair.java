package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One event loop, one coronet connection accepted on it, and the blocking java.net client at
 * the other end (an independent implementation, driven from the test's platform thread).
 */
final class LoopbackPair implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    final EventLoop loop;
    final TcpListener listener;
    final Socket client;
    final TcpConnection conn;

    LoopbackPair(String loopName) throws Exception {
        loop = EventLoop.start(loopName);
        listener = on(() -> TcpListener.bind("127.0.0.1", 0, 16, false));
        int port = on(listener::port);
        client = new Socket();
        client.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        client.setSoTimeout(20_000); // a hung server fails the test instead of hanging it
        client.setTcpNoDelay(true);
        conn = on(listener::accept);
    }

    /** Runs {@code body} in a coroutine on the loop and waits for its result. */
    <T> T on(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(loop, body).join(WAIT);
    }

    /** Reads exactly {@code n} bytes at the client. */
    String clientRead(int n) throws IOException {
        InputStream in = client.getInputStream();
        byte[] b = in.readNBytes(n);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    void clientWrite(String s) throws IOException {
        client.getOutputStream().write(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        client.getOutputStream().flush();
    }

    @Override
    public void close() throws Exception {
        client.close();
        loop.shutdown(Duration.ofMillis(100));
        assertTrue(loop.awaitTermination(WAIT), "loop did not stop");
    }
}
