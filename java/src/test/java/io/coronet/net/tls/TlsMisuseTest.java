package io.coronet.net.tls;

import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.loop.EventLoop;
import io.coronet.loop.WrongLoopException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A user's own mistakes with the TLS API fail at once, saying what to do instead. */
@Timeout(60)
class TlsMisuseTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoop loop;

    @BeforeEach
    void start() throws Exception {
        loop = EventLoop.start("tls-misuse");
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdown(Duration.ofMillis(100));
        assertTrue(loop.awaitTermination(WAIT));
    }

    private static void assertMessage(Throwable e, String... words) {
        for (String w : words) {
            assertTrue(String.valueOf(e.getMessage()).contains(w), "'" + w + "' in: " + e.getMessage());
        }
    }

    @Test
    void configMistakes() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        assertMessage(assertThrows(IllegalStateException.class, () -> TlsConfig.client().clientAuth(TlsConfig.ClientAuth.REQUIRED)),
                "server setting");
        assertMessage(assertThrows(IllegalStateException.class, () -> TlsConfig.server(keys).verifyHostname(false)), "for clients");
        assertMessage(assertThrows(IllegalStateException.class, () -> TlsConfig.server(keys).keyMaterial(keys)), "TlsConfig.server(keys)");
        assertMessage(assertThrows(IllegalStateException.class,
                () -> TlsConfig.server(keys).clientAuth(TlsConfig.ClientAuth.REQUIRED).build()), "trust(");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TlsConfig.client().protocols("TLSv1.1")), "TLSv1.3");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TlsConfig.client().handshakeTimeout(Duration.ZERO)), "> 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TlsConfig.server(keys).serverName("10.0.0.1", keys)),
                "not a host name");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TlsConfig.client().applicationProtocols("")), "1..255");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TlsServer.handler(TlsConfig.client().build(), c -> { })),
                "server config");
        TlsConfig server = TlsConfig.server(keys).build();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Coroutine.spawn(loop, () -> TlsConnection.connect("localhost", 1, server)).join(WAIT)), "client config");
    }

    @Test
    void connectionMistakes() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned("localhost");
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(keys).build())) {
            TlsConfig cfg = TlsConfig.client().trust(List.of(keys.certificate())).build();
            TlsConnection c = Coroutine.spawn(loop, () -> TlsConnection.connect("localhost", s.port(), cfg)).join(WAIT);
            // from a platform thread: refused at once, naming the loop
            assertThrows(WrongLoopException.class, () -> c.write("from the wrong thread\n"));
            assertThrows(WrongLoopException.class, () -> c.readLine(100));
            List<String> outcomes = Coroutine.spawn(loop, () -> {
                String greeting = c.readLine(100);
                c.close();
                String afterClose;
                try {
                    c.write("late\n");
                    afterClose = "wrote";
                } catch (ClosedException e) {
                    afterClose = "closed: " + e.getMessage();
                }
                return List.of(greeting, afterClose);
            }).join(WAIT);
            assertEquals("hello localhost - TLSv1.3 -", outcomes.get(0));
            assertTrue(outcomes.get(1).startsWith("closed: "), outcomes.get(1));
            // the session is known only after the handshake
            TlsConnection fresh = Coroutine.spawn(loop, () -> TlsConnection.client(
                    io.coronet.net.TcpConnection.connect("127.0.0.1", s.port(), WAIT), cfg, "localhost")).join(WAIT);
            IllegalStateException early = assertThrows(IllegalStateException.class,
                    () -> Coroutine.spawn(loop, fresh::applicationProtocol).join(WAIT));
            assertMessage(early, "handshake()");
            assertThrows(IllegalStateException.class, () -> Coroutine.spawn(loop, fresh::buffered).join(WAIT));
            Coroutine.spawn(loop, () -> {
                fresh.close();
                return null;
            }).join(WAIT);
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
            assertEquals(0, (int) Coroutine.spawn(loop, () -> RecordBuffers.of(loop).lentCount()).join(WAIT));
        }
    }
}
