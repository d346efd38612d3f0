package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.ffi.ConnectionRefusedException;
import io.coronet.ffi.ConnectionResetException;
import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Both ends in coronet coroutines on one loop: the client side of the API and its outcomes. */
class TcpConnectionTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoop loop;

    @BeforeEach
    void start() throws Exception {
        loop = EventLoop.start("tcp-test");
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdown(Duration.ofMillis(100));
        assertTrue(loop.awaitTermination(WAIT));
    }

    private <T> T run(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(loop, body).join(WAIT);
    }

    @Test
    void connectReadExactlyReadLineAndHalfClose() throws Exception {
        String result = run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = listener.port();
                Task<String> server = Coroutine.spawn(loop, () -> {
                    try (TcpConnection c = listener.accept()) {
                        String line = c.readLine(100);
                        NativeBuffer four = NativeBuffer.allocate(4);
                        try {
                            c.readExactly(four, 0, 4);
                            byte[] b = new byte[4];
                            four.getBytes(0, b, 0, 4);
                            String rest = new String(b);
                            String after = c.readLine(100); // the client half-closed: end of stream
                            c.write("got " + line + "+" + rest + (after == null ? "+eof" : "+" + after));
                        } finally {
                            four.close();
                        }
                        return line;
                    }
                });
                try (TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10))) {
                    client.write("first line\r\nABCD");
                    client.shutdownOutput();
                    StringBuilder reply = new StringBuilder();
                    while (true) {
                        try (Chunk c = client.receive()) {
                            if (c == null) {
                                break;
                            }
                            reply.append(c.toText());
                        }
                    }
                    assertTrue(client.isEof());
                    assertEquals("first line", server.await());
                    return reply.toString();
                }
            }
        });
        assertEquals("got first line+ABCD+eof", result);
    }

    @Test
    void connectingToAClosedPortIsATypedRefusal() throws Exception {
        int freePort = run(() -> {
            try (TcpListener l = TcpListener.bind("127.0.0.1", 0, 1, false)) {
                return l.port();
            }
        });
        ConnectionRefusedException e = assertThrows(ConnectionRefusedException.class,
                () -> run(() -> TcpConnection.connect("127.0.0.1", freePort, Duration.ofSeconds(10))));
        assertTrue(e.getMessage().contains("ECONNREFUSED"), e.getMessage());
    }

    @Test
    void readExactlyReportsATruncatedStream() throws Exception {
        assertThrows(EOFException.class, () -> run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = listener.port();
                Coroutine.launch(loop, () -> {
                    try (TcpConnection c = listener.accept()) {
                        c.write("abc"); // 3 of the 10 bytes the client wants, then close
                    }
                });
                try (TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10));
                     NativeBuffer buf = NativeBuffer.allocate(10)) {
                    client.readExactly(buf, 0, 10);
                    return null;
                }
            }
        }));
    }

    @Test
    void aResetIsATypedExceptionOnTheReader() throws Exception {
        Throwable seen = run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = listener.port();
                Task<Throwable> server = Coroutine.spawn(loop, () -> {
                    try (TcpConnection c = listener.accept()) {
                        while (true) {
                            try (Chunk chunk = c.receive()) {
                                if (chunk == null) {
                                    return null;
                                }
                            }
                        }
                    } catch (ConnectionResetException e) {
                        return e;
                    }
                });
                // a blocking java.net client on another thread that resets the connection
                Thread rst = new Thread(() -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.getOutputStream().write(new byte[1000]);
                        Thread.sleep(50);
                        s.setSoLinger(true, 0);
                    } catch (Exception ignored) {
                        // the test asserts on the server side
                    }
                });
                rst.start();
                return server.await();
            }
        });
        assertInstanceOf(ConnectionResetException.class, seen);
        assertTrue(seen.getMessage().startsWith("read(fd="), seen.getMessage());
        assertTrue(seen.getMessage().contains("ECONNRESET"), seen.getMessage());
    }

    @Test
    void aLineLongerThanAllowedIsRejected() throws Exception {
        assertThrows(LineTooLongException.class, () -> run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = listener.port();
                Coroutine.launch(loop, () -> {
                    try (TcpConnection c = listener.accept()) {
                        c.write("x".repeat(5000) + "\n");
                    }
                });
                try (TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10))) {
                    return client.readLine(1024);
                }
            }
        }));
    }

    @Test
    void aPartialLineWaitsWithoutHoldingAPooledBuffer() throws Exception {
        int n = 20;
        String replies = run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, n, false)) {
                int port = listener.port();
                List<Task<Void>> servers = new ArrayList<>();
                Task<Void> acceptor = Coroutine.launch(loop, () -> {
                    for (int i = 0; i < n; i++) {
                        TcpConnection accepted = listener.accept();
                        servers.add(Coroutine.launch(loop, () -> {
                            try (TcpConnection c = accepted) {
                                String line = c.readLine(1024);
                                try (Chunk rest = c.receive()) { // what came after the line, kept while parked
                                    c.write(line + "|" + rest.toText() + "\n");
                                }
                            }
                        }));
                    }
                });
                List<TcpConnection> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < n; i++) {
                        TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10));
                        clients.add(client);
                        client.write("hel");
                    }
                    acceptor.await();
                    Coroutine.sleep(Duration.ofMillis(200)); // the servers read "hel" and wait for the rest
                    assertEquals(0, BufferPool.of(loop).lentCount(), "partial lines keep no pooled buffer");
                    StringBuilder all = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        clients.get(i).write("lo\r\nworld " + i);
                    }
                    for (int i = 0; i < n; i++) {
                        all.append(clients.get(i).readLine(100)).append(';');
                    }
                    for (Task<Void> server : servers) {
                        server.await();
                    }
                    return all.toString();
                } finally {
                    for (TcpConnection client : clients) {
                        client.close();
                    }
                }
            }
        });
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < n; i++) {
            expected.append("hello|world ").append(i).append(';');
        }
        assertEquals(expected.toString(), replies);
        assertEquals(0, run(() -> BufferPool.of(loop).lentCount()));
    }

    @Test
    void aLongLineTrickledInArrivesWhole() throws Exception {
        String line = "0123456789abcdef".repeat(300); // 4,800 bytes: outgrows the parked buffer several times
        String got = run(() -> {
            try (TcpListener listener = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = listener.port();
                Task<String> server = Coroutine.spawn(loop, () -> {
                    try (TcpConnection c = listener.accept()) {
                        return c.readLine(line.length());
                    }
                });
                try (TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10))) {
                    for (int i = 0; i < line.length(); i += 700) {
                        client.write(line.substring(i, Math.min(line.length(), i + 700)));
                        Coroutine.sleep(Duration.ofMillis(5)); // each piece is read before the next
                    }
                    client.write("\n");
                    return server.await();
                }
            }
        });
        assertEquals(line, got);
    }
}
