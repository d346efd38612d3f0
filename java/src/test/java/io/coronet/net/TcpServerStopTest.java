package io.coronet.net;

import io.coronet.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 11.5 / 12.7: one server stops without its group; drain finishes, then cuts, and reports. */
class TcpServerStopTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoopGroup group;

    @BeforeEach
    void start() throws Exception {
        group = EventLoopGroup.start("stop", 2);
    }

    @AfterEach
    void stop() throws Exception {
        group.shutdown(Duration.ZERO);
        assertTrue(group.awaitTermination(WAIT));
    }

    /** Answers each line with "echo: line" until the client closes. */
    private static void lineEcho(Connection conn) throws IOException {
        String line;
        while ((line = conn.readLine(100)) != null) {
            conn.write("echo: " + line + "\n");
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static String exchange(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void closeStopsThisServerOnlyAndCutsItsConnections() throws Exception {
        TcpServer a = TcpServer.start(group, "127.0.0.1", 0, 64, TcpServerStopTest::lineEcho);
        TcpServer b = TcpServer.start(group, "127.0.0.1", 0, 64, TcpServerStopTest::lineEcho);
        try (Socket idleOnA = connect(a.port()); Socket onB = connect(b.port())) {
            assertEquals("echo: x", exchange(idleOnA, "x"));
            a.close();
            assertEquals(-1, idleOnA.getInputStream().read(), "a's connection was closed");
            assertThrows(ConnectException.class, () -> connect(a.port()).close(), "a's port is closed");
            assertEquals(0, a.openConnections());
            assertEquals("echo: still here", exchange(onB, "still here"), "b goes on");
            try (Socket newOnB = connect(b.port())) {
                assertEquals("echo: new", exchange(newOnB, "new"));
            }
        }
    }

    @Test
    void drainLetsOpenConnectionsFinishThenCutsTheRestAndReports() throws Exception {
        TcpServer server = TcpServer.start(group, "127.0.0.1", 0, 64, TcpServerStopTest::lineEcho);
        try (Socket finisher = connect(server.port()); Socket idler = connect(server.port())) {
            assertEquals("echo: 1", exchange(finisher, "1"));
            assertEquals("echo: 2", exchange(idler, "2"));
            CompletableFuture<TcpServer.DrainReport> report = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.drain(Duration.ofSeconds(3));
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            // listeners close first: new clients are refused while the open ones go on
            boolean refused = false;
            for (int i = 0; i < 1000 && !refused; i++) {
                try (Socket late = connect(server.port())) {
                    Thread.sleep(5);
                } catch (ConnectException expected) {
                    refused = true;
                }
            }
            assertTrue(refused, "the listener closed at the start of the drain");
            assertEquals("echo: during drain", exchange(finisher, "during drain"));
            finisher.shutdownOutput(); // the finisher's handler sees EOF and returns
            assertEquals(-1, finisher.getInputStream().read());
            assertFalse(report.isDone(), "the idler may still finish until the deadline");
            TcpServer.DrainReport r = report.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            // finished: the finisher, and any probe above that connected before the listener closed
            assertTrue(r.finished() >= 1, r.toString());
            assertEquals(1, r.cut(), r.toString());
            assertEquals(0, r.stillOpen(), r.toString());
            assertEquals(-1, idler.getInputStream().read(), "the idler was cut");
            assertEquals(0, server.openConnections());
            assertSame(r, server.drain(Duration.ZERO), "a second drain reports the first");
        }
    }

    @Test
    void drainIsRefusedOnAnEventLoopThread() throws Exception {
        TcpServer server = TcpServer.start(group, "127.0.0.1", 0, 64, TcpServerStopTest::lineEcho);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> io.coronet.coro.Coroutine.spawn(group.get(0), () -> server.drain(Duration.ZERO)).join(WAIT));
        assertTrue(e.getMessage().contains("platform thread"), e.getMessage());
        server.close();
    }
}
