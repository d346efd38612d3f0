package io.coronet.net.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Keys and certificates made by openssl (not by us) once per test JVM in a temp dir: a CA, a
 * server certificate for localhost/127.0.0.1, one for other.test (SNI), a client certificate,
 * all EC P-256 (quick handshakes on a slow machine), plus the older key formats openssl writes.
 */
final class TestCerts {
    static Path dir;

    private TestCerts() {
    }

    static synchronized Path dir() throws Exception {
        Tools.require("openssl", "the TLS tests make their certificates with openssl");
        if (dir != null) {
            return dir;
        }
        Path d = Files.createTempDirectory("coronet-tls-test");
        d.toFile().deleteOnExit();
        openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=coronet test CA");
        leaf(d, "server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        leaf(d, "other", "other.test", "subjectAltName=DNS:other.test\nextendedKeyUsage=serverAuth\n");
        leaf(d, "client", "coronet test client", "extendedKeyUsage=clientAuth\n");
        // the older formats: PKCS#1 RSA ("RSA PRIVATE KEY") and SEC1 EC ("EC PRIVATE KEY")
        openssl(d, "genrsa", "-traditional", "-out", "rsa1.key", "2048");
        openssl(d, "req", "-x509", "-key", "rsa1.key", "-out", "rsa1.pem", "-days", "2", "-subj", "/CN=rsa");
        openssl(d, "ecparam", "-name", "prime256v1", "-genkey", "-out", "sec1.key");
        openssl(d, "req", "-x509", "-key", "sec1.key", "-out", "sec1.pem", "-days", "2", "-subj", "/CN=sec1");
        openssl(d, "pkcs8", "-topk8", "-in", "server.key", "-out", "encrypted.key", "-passout", "pass:secret");
        openssl(d, "pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12", "-passout", "pass:secret");
        dir = d;
        return d;
    }

    static Path file(String name) throws Exception {
        return dir().resolve(name);
    }

    static KeyMaterial keys(String name) throws Exception {
        return KeyMaterial.fromPem(file(name + ".pem"), file(name + ".key"));
    }

    private static void leaf(Path d, String name, String cn, String extensions) throws Exception {
        Files.writeString(d.resolve(name + ".ext"), extensions);
        openssl(d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + cn);
        openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    private static void openssl(Path d, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(d.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        Tools.Result r = Tools.finish(p, Duration.ofSeconds(60));
        if (r.exit() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + r.output());
        }
    }
}
