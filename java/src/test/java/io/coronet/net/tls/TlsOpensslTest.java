package io.coronet.net.tls;

import io.coronet.coro.Coroutine;
import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLProtocolException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** openssl's s_client against our server, and our client against openssl's s_server. */
@Timeout(120)
class TlsOpensslTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    private static Tools.Result sClient(int port, String stdin, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestCerts.file("ca.pem").toString(), "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(extra));
        return Tools.run(WAIT, stdin, cmd.toArray(new String[0]));
    }

    @Test
    void greetingAndEchoThroughSClientWithAlpnAndSni() throws Exception {
        TlsConfig config = TlsConfig.server(TestCerts.keys("server")).serverName("other.test", TestCerts.keys("other"))
                .applicationProtocols("echo/1", "http/1.1").build();
        try (TlsServerFixture s = new TlsServerFixture(config)) {
            // "quit" makes the server close (close_notify), which ends s_client
            Tools.Result r = sClient(s.port(), "first\nsecond\nquit\n", "-servername", "localhost", "-alpn", "http/1.1,echo/1",
                    "-verify_hostname", "localhost");
            assertTrue(r.output().contains("hello localhost echo/1 TLSv1.3 -"), r.output());
            assertTrue(r.output().contains("\nfirst\n") && r.output().contains("\nsecond\n"), r.output());
            assertTrue(r.output().contains("ALPN protocol: echo/1"), r.output());
            assertTrue(r.output().contains("Verify return code: 0 (ok)"), r.output());

            // SNI: asked for other.test, it gets other.test's certificate
            Tools.Result other = sClient(s.port(), "quit\n", "-servername", "other.test", "-verify_hostname", "other.test");
            assertTrue(other.output().contains("hello other.test - TLSv1.3 -"), other.output());
            assertTrue(other.output().contains("CN = other.test"), other.output());
            assertTrue(other.output().contains("Verify return code: 0 (ok)"), other.output());

            // TLS 1.2 through s_client too
            Tools.Result tls12 = sClient(s.port(), "twelve\nquit\n", "-tls1_2", "-servername", "localhost");
            assertTrue(tls12.output().contains("hello localhost - TLSv1.2 -") && tls12.output().contains("\ntwelve\n"), tls12.output());
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void noCommonAlpnProtocolIsRefusedAsRfc7301Says() throws Exception {
        TlsConfig config = TlsConfig.server(TestCerts.keys("server")).applicationProtocols("echo/1").build();
        try (TlsServerFixture s = new TlsServerFixture(config)) {
            Tools.Result r = sClient(s.port(), "", "-alpn", "h2", "-servername", "localhost");
            assertTrue(r.output().contains("no application protocol") || r.output().contains("alert number 120"), r.output());
            s.awaitNoConnections();
        }
    }

    @Test
    void renegotiationIsRefused() throws Exception {
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(TestCerts.keys("server")).build())) {
            // "R" on a line of its own makes s_client renegotiate (TLS 1.2)
            Tools.Result r = Tools.run(WAIT, "R\n", "openssl", "s_client", "-connect", "127.0.0.1:" + s.port(), "-tls1_2",
                    "-CAfile", TestCerts.file("ca.pem").toString(), "-servername", "localhost");
            assertTrue(r.output().contains("RENEGOTIATING"), r.output());
            s.awaitEndings(1);
            Object ending = s.endings.peek();
            assertInstanceOf(SSLProtocolException.class, ending, String.valueOf(ending));
            assertTrue(((Exception) ending).getMessage().contains("renegotiat"), String.valueOf(ending));
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void ourClientAgainstSServer() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process server = Tools.start("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", TestCerts.file("server.pem").toString(),
                "-key", TestCerts.file("server.key").toString(), "-alpn", "echo/1", "-rev", "-naccept", "2");
        EventLoop loop = EventLoop.start("tls-client");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.contains("ACCEPT")) {
                // s_server prints its setup, then ACCEPT once it listens
            }
            assertNotNull(line, "s_server did not start");
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // it ended
                }
            });
            TlsConfig cfg = TlsConfig.client().trust(TestCerts.file("ca.pem")).applicationProtocols("echo/1").build();
            for (String version : List.of("TLSv1.3", "TLSv1.2")) {
                TlsConfig c = version.equals("TLSv1.3") ? cfg
                        : TlsConfig.client().trust(TestCerts.file("ca.pem")).protocols("TLSv1.2").build();
                List<String> got = Coroutine.spawn(loop, () -> {
                    try (TlsConnection tls = TlsConnection.connect("localhost", port, c)) {
                        tls.write("hello openssl\n");
                        return List.of(tls.readLine(1000), tls.protocol(), String.valueOf(tls.applicationProtocol()));
                    }
                }).join(WAIT);
                assertEquals(List.of("lssnepo olleh", version, version.equals("TLSv1.3") ? "echo/1" : "null"), got);
            }
        } finally {
            loop.shutdown(Duration.ofMillis(100));
            loop.awaitTermination(WAIT);
            server.destroy();
            server.waitFor();
        }
    }
}
