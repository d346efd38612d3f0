package io.coronet.net.tls;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.loop.EventLoop;
import io.coronet.net.BufferPool;
import io.coronet.net.Chunk;
import io.coronet.net.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** coronet's TLS client against coronet's TLS server: the API, its outcomes, and its buffers. */
@Timeout(120)
class TlsConnectionTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoop client;

    @BeforeEach
    void start() throws Exception {
        client = EventLoop.start("tls-client");
    }

    @AfterEach
    void stop() throws Exception {
        client.shutdown(Duration.ofMillis(100));
        assertTrue(client.awaitTermination(WAIT));
    }

    private <T> T onClient(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(client, body).join(WAIT);
    }

    static TlsConfig.Builder serverConfig(KeyMaterial keys) {
        return TlsConfig.server(keys);
    }

    @Test
    void echoThroughTls13WithAlpnAndSni() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).applicationProtocols("echo", "other").build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).applicationProtocols("x", "echo").build();
            List<String> got = onClient(() -> {
                try (TlsConnection c = TlsConnection.connect("localhost", s.port(), cfg)) {
                    String greeting = c.readLine(1000);
                    c.write("first line\n");
                    String echo = c.readLine(1000);
                    Connection plain = c; // the handler API is the transport-neutral one
                    plain.buffered().write("buffered\n");
                    String echo2 = c.readLine(1000);
                    return List.of(greeting, echo, echo2, c.applicationProtocol(), c.protocol());
                }
            });
            assertEquals(List.of("hello localhost echo TLSv1.3 -", "first line", "buffered", "echo", "TLSv1.3"), got);
            s.awaitEndings(1);
            assertEquals("clean", s.endings.peek(), "our close() sends close_notify: the server sees a clean end of stream");
        }
    }

    @Test
    void tls12AndLargeMessagesAcrossManyRecords() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).protocols("TLSv1.2").build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            String big = "x".repeat(15_000);
            List<String> got = onClient(() -> {
                try (TlsConnection c = TlsConnection.connect("127.0.0.1", s.port(), cfg)) {
                    String greeting = c.readLine(1000);
                    StringBuilder all = new StringBuilder();
                    for (int i = 0; i < 20; i++) {
                        all.append(big).append(i).append('\n');
                    }
                    // 300 KB in one write: many records, the server's socket fills, both sides wait their turn
                    Coroutine.launch(client, () -> c.write(all.toString()));
                    int ok = 0;
                    for (int i = 0; i < 20; i++) {
                        if (c.readLine(16 * 1024).equals(big + i)) {
                            ok++;
                        }
                    }
                    return List.of(greeting, String.valueOf(ok));
                }
            });
            assertEquals(List.of("hello - - TLSv1.2 -", "20"), got);
        }
    }

    @Test
    void receiveReadAndReadExactlyOverTls() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            String got = onClient(() -> {
                try (TlsConnection c = TlsConnection.connect("localhost", s.port(), cfg);
                     io.coronet.ffi.NativeBuffer buf = io.coronet.ffi.NativeBuffer.allocate(64)) {
                    c.readLine(1000);
                    c.write("abcdef\n");
                    c.readExactly(buf, 0, 3);
                    byte[] three = new byte[3];
                    buf.getBytes(0, three, 0, 3);
                    int n = c.read(buf, 0, 64);
                    String rest;
                    try (Chunk more = receiveAfterWrite(c, "gh\n")) {
                        rest = more.toText();
                    }
                    return new String(three) + "|" + n + "|" + rest;
                }
            });
            assertEquals("abc|4|gh\n", got); // "def\n" is 4 bytes
        }
    }

    /** Select over a TLS connection: decrypted bytes queued behind a line count as readable; a losing clause takes nothing. */
    @Test
    void aTlsConnectionIsSelectableLikeAPlainOne() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            List<String> got = onClient(() -> {
                try (TlsConnection c = TlsConnection.connect("localhost", s.port(), cfg)) {
                    List<String> lines = new ArrayList<>();
                    lines.add(c.readLine(1000)); // the greeting
                    Task<String> idle = Coroutine.spawn(client, () -> io.coronet.coro.Select.<String>first()
                            .on(c.readable(() -> "readable before anything was sent?"))
                            .onTimeout(Duration.ofMillis(200), () -> "nothing yet")
                            .await());
                    lines.add(idle.await());
                    c.write("one\ntwo\n"); // echoed back in one record: "two" waits decrypted after "one"
                    lines.add(c.readLine(100));
                    Task<String> done = new Task<>();
                    done.complete("lost");
                    String r = null;
                    long end = System.nanoTime() + WAIT.toNanos();
                    while (r == null && System.nanoTime() < end) { // both may be ready: a loser must leave "two" alone
                        r = io.coronet.coro.Select.<String>first()
                                .on(c.readable(() -> c.readLine(100)))
                                .onComplete(done, v -> null)
                                .await();
                    }
                    lines.add(r);
                    return lines;
                }
            });
            assertEquals("nothing yet", got.get(1), "no input, no readiness");
            assertEquals(List.of("one", "two"), got.subList(2, 4));
        }
    }

    private static Chunk receiveAfterWrite(TlsConnection c, String text) throws Exception {
        c.write(text);
        return c.receive();
    }

    @Test
    void theClientVerifiesTheHostName() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("other.test");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            Exception e = assertThrows(SSLHandshakeException.class,
                    () -> onClient(() -> TlsConnection.connect("localhost", s.port(), cfg)));
            assertTrue(String.valueOf(e.getMessage()).contains("localhost") || String.valueOf(e.getCause()).contains("localhost"),
                    "names the host that did not match: " + e);
            // an untrusted certificate is refused too
            TlsConfig untrusting = TlsConfig.client().trust(List.of(KeyMaterial.selfSigned("localhost").certificate())).build();
            assertThrows(SSLHandshakeException.class, () -> onClient(() -> TlsConnection.connect("localhost", s.port(), untrusting)));
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void anIdleTlsConnectionHoldsNoBuffer() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            int[] lent = onClient(() -> {
                TlsConnection[] conns = new TlsConnection[20];
                for (int i = 0; i < conns.length; i++) {
                    conns[i] = TlsConnection.connect("localhost", s.port(), cfg);
                    conns[i].readLine(1000);
                }
                conns[0].write("partial line without its end"); // a pending line is the one thing kept
                Coroutine.sleep(Duration.ofMillis(200));
                int server = s.buffersLent();
                int clientSide = RecordBuffers.of(client).lentCount() + BufferPool.of(client).lentCount();
                conns[0].write(" and its end\n"); // the parked partial line comes back whole
                String echoed = conns[0].readLine(1000);
                for (TlsConnection c : conns) {
                    c.close();
                }
                return new int[] {server, clientSide, echoed.equals("partial line without its end and its end") ? 1 : 0};
            });
            assertEquals(0, lent[0], "20 idle sessions on the server hold no pooled buffer, not even the one with a partial line");
            assertEquals(1, lent[2], "the partial line was kept whole");
            assertEquals(0, lent[1], "idle client sessions hold no buffer");
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void aHandshakeThatStallsIsClosedAtItsDeadlineAndOthersGoOn() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        TlsConfig server = TlsConfig.server(keys).handshakeTimeout(Duration.ofMillis(500)).build();
        try (TlsServerFixture s = new TlsServerFixture(server);
             java.net.Socket silent = new java.net.Socket("127.0.0.1", s.port());
             java.net.Socket trickle = new java.net.Socket("127.0.0.1", s.port())) {
            trickle.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xc8, 0x01}); // a ClientHello's start
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            Thread.sleep(200); // let the server read the trickled bytes and wait for the rest
            assertEquals(0, s.buffersLent(), "the stalled handshakes hold no pooled buffer (the partial record is parked)");
            String meanwhile = onClient(() -> {
                try (TlsConnection c = TlsConnection.connect("localhost", s.port(), cfg)) {
                    return c.readLine(1000);
                }
            });
            assertEquals("hello localhost - TLSv1.3 -", meanwhile, "a silent client does not hold up the others");
            silent.setSoTimeout(10_000);
            trickle.setSoTimeout(10_000);
            assertEquals(-1, silent.getInputStream().read(), "closed at the deadline");
            assertEquals(-1, trickle.getInputStream().read(), "closed at the deadline");
            s.awaitNoConnections();
            assertEquals(2, s.server.failedConnections(), "the two stalled handshakes failed (timed out), nothing else");
            assertEquals(List.of("clean"), List.copyOf(s.endings));
            assertEquals(0, s.buffersLent());
        }
    }
}
