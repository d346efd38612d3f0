package io.coronet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code bin/coronet serve} over TLS, with openssl s_client and Python's ssl as the clients. */
@Timeout(300)
class TlsServeIT {
    @TempDir
    Path tmp;

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** s_client with its stdin open: writes {@code send}, reads until a line equals {@code expect} (bounded). */
    static List<String> sClientUntil(int port, String send, String expect, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-quiet"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                        if (line.equals(expect)) {
                            return;
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // killed
                }
            });
            OutputStream in = p.getOutputStream();
            in.write(send.getBytes(StandardCharsets.UTF_8));
            in.flush();
            reader.join(30_000);
            return lines;
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void selfSignedEchoPrintsItsFingerprintAndPythonSeesThatCertificate() throws Exception {
        assumeTrue(onPath("openssl"), "openssl is not on PATH (.ci/run installs it)");
        try (DaemonProcess d = DaemonProcess.start("serve", "--protocol", "echo", "--tls-self-signed", "--port", "0", "--loops", "1")) {
            Matcher m = Pattern.compile("SHA-256 fingerprint ([0-9A-F:]{95})").matcher(d.stderr());
            assertTrue(m.find(), d.stderr());
            String fingerprint = m.group(1);
            List<String> got = sClientUntil(d.port, "ping over tls\n", "ping over tls");
            assertTrue(got.contains("ping over tls"), got.toString());
            // the fingerprint printed is the certificate's (openssl computes it from what the server sent)
            Process show = new ProcessBuilder("sh", "-c", "openssl s_client -connect 127.0.0.1:" + d.port
                    + " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256").redirectErrorStream(true).start();
            String fp = new String(show.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(show.waitFor(30, TimeUnit.SECONDS));
            assertTrue(fp.contains(fingerprint), fp + " vs " + fingerprint);
            assertTrue(d.stderr().contains("echo over TLS server"), d.stderr());
            assertEquals(0, d.terminate());
        }
    }

    @Test
    void handshakeProtocolWithPemFilesAndPython() throws Exception {
        assumeTrue(onPath("openssl"), "openssl is not on PATH (.ci/run installs it)");
        Path cert = tmp.resolve("cert.pem"), key = tmp.resolve("key.pem");
        Process gen = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
                .redirectErrorStream(true).start();
        gen.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertTrue(gen.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gen.exitValue());
        try (DaemonProcess d = DaemonProcess.start("serve", "--tls-cert", cert.toString(), "--tls-key", key.toString(),
                "--port", "0", "--loops", "1")) {
            List<String> got = sClientUntil(d.port, "hello\nand echo\n", "and echo", "-CAfile", cert.toString(),
                    "-verify_return_error", "-verify_hostname", "localhost");
            assertEquals(List.of("hello", "and echo"), got.stream().filter(l -> l.equals("hello") || l.equals("and echo")).toList(),
                    got.toString());
            if (onPath("python3")) {
                String script = """
                        import socket, ssl, sys
                        ctx = ssl.create_default_context(cafile=sys.argv[2])
                        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20), server_hostname="localhost") as s:
                            s.sendall(b"hello\\nfrom python\\n")
                            data = b""
                            while b"from python\\n" not in data:
                                more = s.recv(100)
                                if not more: break
                                data += more
                            print(data.decode().replace("\\n", "|"), s.version())
                        """;
                Process py = new ProcessBuilder("python3", "-c", script, String.valueOf(d.port), cert.toString())
                        .redirectErrorStream(true).start();
                String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(py.waitFor(60, TimeUnit.SECONDS));
                assertTrue(out.contains("hello|from python| TLSv1.3"), out);
            }
            assertEquals(0, d.terminate());
        }
    }

    @Test
    void badTlsOptionsAreUsageErrorsThatNameTheFile() throws Exception {
        Path notPem = tmp.resolve("notes.txt");
        Files.writeString(notPem, "hello\n");
        for (String[] args : new String[][] {
                {"serve", "--tls-cert", tmp.resolve("missing.pem").toString(), "--tls-key", notPem.toString()},
                {"serve", "--tls-cert", notPem.toString(), "--tls-key", notPem.toString()},
                {"serve", "--tls-key", notPem.toString()},
                {"serve", "--tls-cert", notPem.toString()},
                {"serve", "--tls-self-signed", "--tls-cert", notPem.toString()},
                {"serve", "--tls-self-signed=yes"},
                {"serve", "--tls-self-signed", "--warmup", "10"},
                {"serve", "--tls-handshake-timeout", "5s"}}) {
            Process p = DaemonProcess.coronet(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), String.join(" ", args) + " -> " + out);
            assertFalse(out.contains("Exception"), out);
        }
        Process p = DaemonProcess.coronet("serve", "--tls-cert", notPem.toString(), "--tls-key", notPem.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(out.contains(notPem + ": not a PEM file"), out);
    }
}
