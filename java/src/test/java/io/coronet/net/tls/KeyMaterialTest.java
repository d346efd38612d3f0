package io.coronet.net.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.*;

/** Loading keys and certificates openssl wrote, the errors for files that are wrong, and our self-signed certificate. */
@Timeout(120)
class KeyMaterialTest {
    @TempDir
    Path tmp;

    @Test
    void loadsEveryFormatOpensslWrites() throws Exception {
        KeyMaterial pkcs8 = TestCerts.keys("server");
        assertEquals("EC", pkcs8.privateKey().getAlgorithm());
        assertEquals("RSA", KeyMaterial.fromPem(TestCerts.file("rsa1.pem"), TestCerts.file("rsa1.key")).privateKey().getAlgorithm());
        assertEquals("EC", KeyMaterial.fromPem(TestCerts.file("sec1.pem"), TestCerts.file("sec1.key")).privateKey().getAlgorithm());
        KeyMaterial p12 = KeyMaterial.fromPkcs12(TestCerts.file("server.p12"), "secret".toCharArray());
        assertEquals(pkcs8.certificate(), p12.certificate());
        // a chain file (leaf, then CA) keeps its order
        Path chain = tmp.resolve("chain.pem");
        Files.writeString(chain, Files.readString(TestCerts.file("server.pem")) + Files.readString(TestCerts.file("ca.pem")));
        assertEquals(2, KeyMaterial.fromPem(chain, TestCerts.file("server.key")).chain().size());
        // one file holding both
        Path both = tmp.resolve("both.pem");
        Files.writeString(both, Files.readString(TestCerts.file("server.key")) + Files.readString(TestCerts.file("server.pem")));
        assertEquals(pkcs8.certificate(), KeyMaterial.fromPem(both, both).certificate());
        // the fingerprint is the one openssl computes
        Tools.Result fp = Tools.run(Duration.ofSeconds(30), null, "openssl", "x509", "-in", TestCerts.file("server.pem").toString(),
                "-noout", "-fingerprint", "-sha256");
        assertTrue(fp.output().contains(pkcs8.fingerprint()), fp.output() + " vs " + pkcs8.fingerprint());
    }

    @Test
    void errorsNameTheFileAndWhatIsWrong() throws Exception {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "just some text\n");
        assertProblem(text, "not a PEM file", () -> KeyMaterial.fromPem(text, TestCerts.file("server.key")));
        assertProblem(tmp.resolve("missing.pem"), "no such file", () -> KeyMaterial.fromPem(tmp.resolve("missing.pem"), text));
        Path key = TestCerts.file("server.key");
        assertProblem(key, "no certificate in it", () -> KeyMaterial.fromPem(key, key));
        Path cert = TestCerts.file("server.pem");
        assertProblem(cert, "no private key in it", () -> KeyMaterial.fromPem(cert, cert));
        Path encrypted = TestCerts.file("encrypted.key");
        assertProblem(encrypted, "encrypted", () -> KeyMaterial.fromPem(cert, encrypted));
        assertProblem(TestCerts.file("other.key"), "does not match the certificate",
                () -> KeyMaterial.fromPem(cert, TestCerts.file("other.key")));
        Path badBase64 = tmp.resolve("bad.pem");
        Files.writeString(badBase64, "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n");
        assertProblem(badBase64, "not valid Base64", () -> KeyMaterial.fromPem(badBase64, key));
        Path badDer = tmp.resolve("der.pem");
        Files.writeString(badDer, "-----BEGIN CERTIFICATE-----\n" + Base64.getEncoder().encodeToString("nope".getBytes(StandardCharsets.US_ASCII))
                + "\n-----END CERTIFICATE-----\n");
        assertProblem(badDer, "cannot be parsed", () -> KeyMaterial.fromPem(badDer, key));
        Path unterminated = tmp.resolve("cut.pem");
        Files.writeString(unterminated, "-----BEGIN CERTIFICATE-----\nMIIB\n");
        assertProblem(unterminated, "no matching END", () -> KeyMaterial.fromPem(unterminated, key));
        Path p12 = TestCerts.file("server.p12");
        assertProblem(p12, "wrong password", () -> KeyMaterial.fromPkcs12(p12, "guess".toCharArray()));
    }

    private static void assertProblem(Path file, String what, org.junit.jupiter.api.function.Executable load) {
        KeyFileException e = assertThrows(KeyFileException.class, load);
        assertEquals(file, e.file(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void theSelfSignedCertificateIsOneOpensslReadsAndTrusts() throws Exception {
        KeyMaterial km = KeyMaterial.selfSigned("localhost", "example.test");
        Path pem = tmp.resolve("self.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(km.certificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Tools.require("openssl", "to check the certificate we build");
        Tools.Result text = Tools.run(Duration.ofSeconds(30), null, "openssl", "x509", "-in", pem.toString(), "-noout", "-text");
        assertEquals(0, text.exit(), text.output());
        for (String expected : new String[] {"Version: 3 (0x2)", "ecdsa-with-SHA256", "Subject: CN = coronet self-signed",
                "DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1", "DNS:example.test", "TLS Web Server Authentication",
                "CA:FALSE", "prime256v1"}) {
            assertTrue(text.output().contains(expected), expected + " in:\n" + text.output());
        }
        Tools.Result verify = Tools.run(Duration.ofSeconds(30), null, "openssl", "verify", "-CAfile", pem.toString(),
                "-verify_hostname", "localhost", "-purpose", "sslserver", pem.toString());
        assertTrue(verify.output().contains(": OK"), verify.output());
        // and a TLS client trusting it with -CAfile completes a handshake against it
        try (TlsServerFixture s = new TlsServerFixture(TlsConfig.server(km).build())) {
            Tools.Result r = Tools.run(Duration.ofSeconds(30), "quit\n", "openssl", "s_client", "-connect", "127.0.0.1:" + s.port(),
                    "-CAfile", pem.toString(), "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof");
            assertTrue(r.output().contains("Verify return code: 0 (ok)") && r.output().contains("hello - - TLSv1.3 -"), r.output());
        }
    }
}
