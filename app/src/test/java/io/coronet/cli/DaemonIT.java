package io.coronet.cli;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The daemon as users run it: bin/coronet in a child process, talked to over 127.0.0.1. */
class DaemonIT {

    static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    static String exchange(Socket s, String send, int expectBytes) throws Exception {
        s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        byte[] b = s.getInputStream().readNBytes(expectBytes);
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void handshakeDaemonServesAndStopsGracefullyOnSigterm() throws Exception {
        try (DaemonProcess d = DaemonProcess.start("serve", "--port", "0", "--loops", "2")) {
            try (Socket s = connect(d.port)) {
                assertEquals("hello\n", exchange(s, "hello\n", 6));
                assertEquals("echo me", exchange(s, "echo me", 7));
            }
            try (Socket s = connect(d.port)) {
                s.getOutputStream().write("goodbye\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals(-1, s.getInputStream().read(), "a wrong greeting is closed");
            }
            assertEquals(0, d.terminate(), "SIGTERM: graceful shutdown, exit 0");
            String err = d.stderr();
            assertTrue(err.contains("fd limit"), err);
            assertTrue(err.contains("received SIGTERM"), err);
        }
    }

    @Test
    void sigtermWithOpenConnectionsClosesThemWithinTheGraceAndExitsZero() throws Exception {
        try (DaemonProcess d = DaemonProcess.start("serve", "--protocol", "echo", "--port", "0", "--loops", "1",
                "--grace", "300ms")) {
            try (Socket idle = connect(d.port)) {
                assertEquals("x", exchange(idle, "x", 1));
                assertEquals(0, d.terminate());
                assertEquals(-1, idle.getInputStream().read(), "the idle connection was closed at shutdown");
            }
        }
    }

    /** SIGTERM drains: new clients are refused, an open connection may finish within --grace, the log counts. */
    @Test
    void sigtermDrainsLettingAnOpenConnectionFinishAndReports() throws Exception {
        try (DaemonProcess d = DaemonProcess.start("serve", "--protocol", "echo", "--port", "0", "--loops", "2",
                "--grace", "20s")) {
            try (Socket finishing = connect(d.port)) {
                assertEquals("x", exchange(finishing, "x", 1));
                new ProcessBuilder("kill", "-TERM", Long.toString(d.pid())).start().waitFor();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!d.stderr().contains("draining") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(d.stderr().contains("received SIGTERM: draining"), d.stderr());
                assertEquals("still served", exchange(finishing, "still served", 12), "open connections go on");
            } // the client closes: the server's handler sees EOF and ends, well within the grace
            assertEquals(0, d.awaitExit(), "the drain ended once the connection finished");
            String err = d.stderr();
            assertTrue(err.contains("drained: 1 connection(s) finished, 0 cut"), err);
        }
    }

    @Test
    void aSecondDaemonOnTheSamePortFailsUnlessBothShareIt() throws Exception {
        try (DaemonProcess first = DaemonProcess.start("serve", "--protocol", "echo", "--port", "0", "--loops", "2")) {
            Process second = DaemonProcess.coronet("serve", "--protocol", "echo", "--port", Integer.toString(first.port),
                    "--loops", "2").redirectErrorStream(true).start();
            assertTrue(second.waitFor(120, TimeUnit.SECONDS), "the second daemon did not give up");
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertNotEquals(0, second.exitValue(), out);
            assertTrue(out.contains("EADDRINUSE") && out.contains("127.0.0.1:" + first.port), out);
            assertEquals(0, first.terminate());
        }
        try (DaemonProcess first = DaemonProcess.start("serve", "--protocol", "echo", "--port", "0", "--loops", "2",
                "--reuse-port", "on");
             DaemonProcess second = DaemonProcess.start("serve", "--protocol", "echo", "--port",
                     Integer.toString(first.port), "--loops", "1", "--reuse-port=on")) {
            assertEquals(first.port, second.port);
            assertEquals(0, second.terminate());
            assertEquals(0, first.terminate());
        }
    }

    @Test
    void aWarmedUpDaemonServesItsOwnConnectionsFirstThenClients() throws Exception {
        try (DaemonProcess d = DaemonProcess.start("serve", "--port", "0", "--loops", "1", "--warmup", "50")) {
            assertTrue(d.stderr().contains("warmed up: 50 connections of 50 messages"), d.stderr());
            try (Socket s = connect(d.port)) {
                assertEquals("hello\n", exchange(s, "hello\n", 6));
                assertEquals("after the warm-up", exchange(s, "after the warm-up", 17));
            }
            assertEquals(0, d.terminate());
            assertTrue(d.stderr().contains("stopped after 1 connections (and 50 of the warm-up)"), d.stderr());
        }
    }

    @Test
    void theDaemonKeepsTheLaunchersPid() throws Exception {
        try (DaemonProcess d = DaemonProcess.start("serve", "--protocol", "echo", "--port", "0", "--loops", "1")) {
            String cmdline = new String(Files.readAllBytes(
                    java.nio.file.Path.of("/proc/" + d.pid() + "/cmdline")), StandardCharsets.UTF_8);
            assertTrue(cmdline.contains("java"), "bin/coronet exec'd the JVM under its own pid: " + cmdline);
            assertEquals(0, d.terminate());
        }
    }

    @Test
    void badArgumentsGiveAUsageErrorAndExitTwo() throws Exception {
        for (String[] args : new String[][] {
                {"serve", "--protocol", "smtp"},
                {"serve", "--greeting-timeout", "soon"},
                {"serve", "--port", "70000"},
                {"serve", "--no-such-option"},
                {"serve", "--warmup", "-1"}}) {
            Process p = DaemonProcess.coronet(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), String.join(" ", args) + " -> " + out);
            assertFalse(out.isBlank());
        }
    }

    @Test
    void infoPrintsTheBackend() throws Exception {
        Process p = DaemonProcess.coronet("info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("backend   epoll") || out.contains("backend   kqueue") || out.contains("backend   poll"), out);
    }

    @Test
    void seedS6PrintsHelloFoo() throws Exception {
        Process p = DaemonProcess.coronet("seed", "S6").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("Hello Foo", out.strip());
    }

    @Test
    void onJdk25TheLauncherRecordsTheAotCacheOnceAndStartsFromIt() throws Exception {
        Process info = DaemonProcess.coronet("info").redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(info.waitFor(120, TimeUnit.SECONDS));
        Matcher jdk = Pattern.compile("jdk\\s+(\\d+)").matcher(out);
        assertTrue(jdk.find(), out);
        Path aot = DaemonProcess.repoRoot().resolve("app/target/aot");
        Path jar = DaemonProcess.repoRoot().resolve("app/target/coronet.jar");
        if (Integer.parseInt(jdk.group(1)) < 25) {
            return; // -XX:AOTCacheOutput is JDK 25's: older JDKs run without a cache
        }
        List<Path> caches;
        try (var files = Files.list(aot)) {
            caches = files.filter(p -> p.toString().endsWith(".aot")).toList();
        }
        assertEquals(1, caches.size(), "one cache for this JDK: " + caches);
        assertTrue(Files.getLastModifiedTime(caches.get(0)).compareTo(
                Files.getLastModifiedTime(jar)) >= 0, "the cache is at least as new as the jar");

        ProcessBuilder pb = DaemonProcess.coronet("info");
        pb.environment().put("CORONET_JAVA_OPTS", "-Xlog:aot=info:stderr");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertTrue(err.contains("Opened AOT cache " + caches.get(0)), err);
        assertFalse(err.contains("recording the JDK's AOT cache"), "recorded once, not at every start: " + err);
    }

    @Test
    void everySeedServerAnswersAClient() throws Exception {
        for (String seed : new String[] {"S1", "S2", "S3", "S4", "S5"}) {
            try (DaemonProcess d = DaemonProcess.start("seed", seed, "--port", "0")) {
                boolean handshake = seed.equals("S4") || seed.equals("S5");
                try (Socket s = connect(d.port)) {
                    if (handshake) {
                        assertEquals("hello\n", exchange(s, "hello\n", 6), seed);
                    }
                    assertEquals("ping", exchange(s, "ping", 4), seed);
                }
                assertEquals(0, d.terminate(), seed + " exits 0 on SIGTERM");
            }
        }
    }
}
