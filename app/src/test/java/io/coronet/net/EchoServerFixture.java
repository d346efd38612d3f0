package io.coronet.net;

import io.coronet.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coronet server on one event loop, started per test, and blocking java.net clients to talk
 * to it (the tests' clients are deliberately not coronet: an independent implementation).
 */
abstract class EchoServerFixture {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoopGroup group;
    TcpServer server;

    abstract TcpServer.Handler handler();

    @BeforeEach
    void startServer() throws Exception {
        group = EventLoopGroup.start(getClass().getSimpleName(), 1);
        server = TcpServer.start(group, "127.0.0.1", 0, 1024, handler());
    }

    @AfterEach
    void stopServer() throws Exception {
        group.shutdown(Duration.ofMillis(100));
        assertTrue(group.awaitTermination(WAIT), "server loops did not stop");
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        s.setSoTimeout(20_000); // a hung server fails the test instead of hanging it
        s.setTcpNoDelay(true);
        return s;
    }

    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("expected " + n + " bytes, stream ended after " + b.length);
        }
        return b;
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
    }
}
