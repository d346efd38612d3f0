package io.coronet.net.tls;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** Python's ssl module (OpenSSL underneath, nothing of ours) against our server. */
@Timeout(120)
class TlsPythonTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * The client: argv = port, server_hostname, TLS version (1.2/1.3), client cert or "-", how to
     * end ("unwrap": close_notify, "drop": close the socket without one). Prints what it got or
     * the name of the error that stopped it.
     */
    static final String CLIENT = """
            import socket, ssl, sys
            port, host, version, cert, end, ca = sys.argv[1:7]
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(ca)
            v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
            ctx.minimum_version = v
            ctx.maximum_version = v
            if cert != "-":
                ctx.load_cert_chain(cert + ".pem", cert + ".key")
            raw = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
            try:
                s = ctx.wrap_socket(raw, server_hostname=host)
                f = s.makefile("rwb")
                print("greeting:", f.readline().decode().strip())
                f.write(b"from python\\n"); f.flush()
                print("echo:", f.readline().decode().strip())
                print("version:", s.version())
                if end == "unwrap":
                    f.close(); s.unwrap(); raw.close()
                else:
                    raw.close()
                print("done")
            except (ssl.SSLError, ssl.CertificateError, ConnectionError) as e:
                print("error:", type(e).__name__, e)
            """;

    @BeforeEach
    void needsPython() {
        Tools.requirePythonSsl();
    }

    private static Tools.Result python(int port, String host, String version, String cert, String end) throws Exception {
        return Tools.run(WAIT, null, "python3", "-c", CLIENT, String.valueOf(port), host, version,
                cert.equals("-") ? "-" : TestCerts.file(cert).toString(), end, TestCerts.file("ca.pem").toString());
    }

    @Test
    void tls13AndTls12WithACleanCloseAndATruncation() throws Exception {
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(TestCerts.keys("server")).build())) {
            Tools.Result r13 = python(s.port(), "localhost", "1.3", "-", "unwrap");
            assertTrue(r13.output().contains("greeting: hello localhost - TLSv1.3 -"), r13.output());
            assertTrue(r13.output().contains("echo: from python") && r13.output().contains("version: TLSv1.3"), r13.output());
            assertTrue(r13.output().contains("done"), r13.output());
            s.awaitEndings(1);
            assertEquals("clean", s.endings.poll(), "close_notify is a clean end of stream");

            Tools.Result r12 = python(s.port(), "localhost", "1.2", "-", "drop");
            assertTrue(r12.output().contains("version: TLSv1.2") && r12.output().contains("done"), r12.output());
            s.awaitEndings(1);
            assertInstanceOf(TlsTruncationException.class, s.endings.poll(), "FIN without close_notify is a truncation, not EOF");
            s.awaitNoConnections();
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void clientCertificatesRequiredAndOptional() throws Exception {
        TlsConfig required = TlsConfig.server(TestCerts.keys("server")).clientAuth(TlsConfig.ClientAuth.REQUIRED)
                .trust(TestCerts.file("ca.pem")).build();
        try (TlsServerFixture s = new TlsServerFixture(required)) {
            Tools.Result with = python(s.port(), "localhost", "1.3", "client", "unwrap");
            assertTrue(with.output().contains("greeting: hello localhost - TLSv1.3 CN=coronet_test_client"), "the server saw one client certificate: "
                    + with.output());
            Tools.Result without = python(s.port(), "localhost", "1.3", "-", "unwrap");
            assertTrue(without.output().contains("error:"), "no certificate, no session: " + without.output());
            Tools.Result without12 = python(s.port(), "localhost", "1.2", "-", "unwrap");
            assertTrue(without12.output().contains("error:"), without12.output());
            s.awaitNoConnections();
            assertEquals(2, s.server.failedConnections(), "both refused in the handshake");
        }
        TlsConfig optional = TlsConfig.server(TestCerts.keys("server")).clientAuth(TlsConfig.ClientAuth.OPTIONAL)
                .trust(TestCerts.file("ca.pem")).build();
        try (TlsServerFixture s = new TlsServerFixture(optional)) {
            Tools.Result without = python(s.port(), "localhost", "1.3", "-", "unwrap");
            assertTrue(without.output().contains("greeting: hello localhost - TLSv1.3 -"), without.output());
            Tools.Result with = python(s.port(), "localhost", "1.2", "client", "unwrap");
            assertTrue(with.output().contains("greeting: hello localhost - TLSv1.2 CN=coronet_test_client"), with.output());
        }
    }

    @Test
    void aHostNameMismatchIsRefusedByTheClient() throws Exception {
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(TestCerts.keys("server")).build())) {
            Tools.Result r = python(s.port(), "wrong.example", "1.3", "-", "unwrap");
            assertTrue(r.output().contains("error: SSLCertVerificationError") && r.output().contains("wrong.example"), r.output());
            s.awaitNoConnections();
            assertEquals(1, s.server.failedConnections());
            assertEquals(0, s.buffersLent());
            assertTrue(s.endings.isEmpty(), "the handler never saw the refused connection");
        }
    }
}
