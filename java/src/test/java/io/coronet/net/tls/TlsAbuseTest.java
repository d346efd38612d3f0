package io.coronet.net.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Peers that misbehave, against our server: each is closed, the server stays up, the other
 * connections keep working, nothing leaks. The well-behaved clients are the JDK's SSLSocket
 * (code nobody here wrote).
 */
@Timeout(180)
class TlsAbuseTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    private static KeyMaterial keys;

    private static synchronized KeyMaterial keys() throws Exception {
        if (keys == null) {
            keys = KeyMaterial.selfSigned("localhost");
        }
        return keys;
    }

    private static SSLContext clientContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("server", keys().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A JDK SSLSocket client: greeting, one echo, close_notify. Returns the echo. */
    private static String wellBehaved(SSLContext ctx, int port) throws IOException {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            raw.setSoTimeout(20_000);
            return talk(ctx, raw, "localhost", port);
        }
    }

    private static String talk(SSLContext ctx, Socket raw, String host, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String greeting = in.readLine();
            assertTrue(greeting.startsWith("hello "), greeting);
            s.getOutputStream().write("still here\n".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return in.readLine();
        }
    }

    private static TlsServerFixture server() throws Exception {
        return new TlsServerFixture(TlsConfig.server(keys()).handshakeTimeout(Duration.ofSeconds(5)).build());
    }

    /** Reads until the server closes (or resets); bounded by the socket timeout. */
    private static void readUntilClosed(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // an alert, then EOF
            }
        } catch (java.net.SocketException reset) {
            // closed with unread bytes of ours: a reset, which is closed as well
        }
    }

    @Test
    void plainTextGarbageAndSplitRecords() throws Exception {
        try (TlsServerFixture s = server()) {
            SSLContext ctx = clientContext();
            // plain text to the TLS port: an alert and a close
            try (Socket plain = new Socket("127.0.0.1", s.port())) {
                plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                readUntilClosed(plain);
            }
            // a record header that claims a handshake, then random bytes
            byte[] garbage = new byte[3000];
            new Random(7).nextBytes(garbage);
            garbage[0] = 0x16;
            garbage[1] = 0x03;
            garbage[2] = 0x03;
            garbage[3] = 0x0b;
            garbage[4] = (byte) 0xb0;
            try (Socket g = new Socket("127.0.0.1", s.port())) {
                g.getOutputStream().write(garbage);
                readUntilClosed(g);
            }
            // a length beyond any record's: refused, not buffered
            try (Socket big = new Socket("127.0.0.1", s.port())) {
                big.getOutputStream().write(new byte[] {0x16, 0x03, 0x03, (byte) 0xff, (byte) 0xff, 1, 2, 3});
                readUntilClosed(big);
            }
            // a session whose every byte arrives on its own, through a relay
            try (ByteRelay relay = new ByteRelay(s.port())) {
                assertEquals("still here", wellBehaved(ctx, relay.port()));
                assertTrue(relay.segments() > 500, "the records were split: " + relay.segments() + " writes");
            }
            assertEquals("still here", wellBehaved(ctx, s.port()), "the server goes on");
            s.awaitNoConnections();
            assertEquals(3, s.server.failedConnections(), "the three abusers failed in their handshakes, nobody else");
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void aPeerThatResetsMidRecord() throws Exception {
        try (TlsServerFixture s = server()) {
            SSLContext ctx = clientContext();
            // in the handshake: half a ClientHello, then RST
            try (Socket r = new Socket("127.0.0.1", s.port())) {
                r.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01});
                r.setSoLinger(true, 0);
            }
            // after the handshake: a session, half an application record, then RST
            try (ByteRelay relay = new ByteRelay(s.port())) {
                Socket raw = new Socket("127.0.0.1", relay.port());
                SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "localhost", relay.port(), true);
                BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                assertTrue(in.readLine().startsWith("hello"));
                relay.resetAfter(20); // forward the next 20 bytes (part of a record), then reset the server's side
                tls.getOutputStream().write(("x".repeat(1000) + "\n").getBytes(StandardCharsets.UTF_8));
                tls.getOutputStream().flush();
                relay.awaitReset();
                raw.close();
            }
            assertEquals("still here", wellBehaved(ctx, s.port()));
            s.awaitNoConnections();
            assertEquals(2, s.server.failedConnections());
            assertEquals(0, s.buffersLent());
        }
    }

    @Test
    void aThousandConcurrentHandshakes() throws Exception {
        long fdsBefore = openFds();
        // the deadline starts at accept, and 1,000 handshakes (both ends' crypto in this JVM) take a
        // 2-core machine several seconds: a deadline that covers them, so the test is deterministic
        TlsConfig config = TlsConfig.server(keys()).handshakeTimeout(Duration.ofSeconds(90)).build();
        try (TlsServerFixture s = new TlsServerFixture(config)) {
            SSLContext ctx = clientContext();
            wellBehaved(ctx, s.port()); // warm: the first handshake loads the JDK's TLS classes
            long heapBefore = usedHeapAfterGc();
            int n = 1000;
            // 1,000 clients connect first (the server accepts them all), then handshake together
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Socket raw = new Socket();
                    raw.connect(new InetSocketAddress("127.0.0.1", s.port()), 10_000);
                    raw.setSoTimeout(60_000);
                    sockets.add(raw);
                }
                Semaphore inFlight = new Semaphore(n);
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<String>> done = new ArrayList<>();
                    for (Socket raw : sockets) {
                        done.add(clients.submit(() -> {
                            inFlight.acquire();
                            try {
                                return talk(ctx, raw, "localhost", s.port());
                            } finally {
                                inFlight.release();
                            }
                        }));
                    }
                    // meanwhile another client is served as usual
                    assertEquals("still here", wellBehaved(ctx, s.port()));
                    int ok = 0;
                    for (Future<String> f : done) {
                        if ("still here".equals(f.get(120, TimeUnit.SECONDS))) {
                            ok++;
                        }
                    }
                    assertEquals(n, ok, "server failures: " + s.server.failedConnections());
                }
            } finally {
                for (Socket raw : sockets) {
                    raw.close();
                }
            }
            s.awaitNoConnections();
            assertEquals(0, s.server.failedConnections());
            assertEquals(0, s.buffersLent());
            long heapAfter = usedHeapAfterGc();
            assertTrue(heapAfter - heapBefore < 32 << 20, "heap after a GC grew by " + (heapAfter - heapBefore) / 1024 + " KiB");
        }
        assertTrue(openFds() <= fdsBefore + 8, "fds before " + fdsBefore + ", after " + openFds());
    }

    private static long openFds() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return 0;
        }
        try (var list = Files.list(fds)) {
            return list.count();
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * A TCP relay in front of the server for one client: client-to-server bytes are forwarded
     * one per write (every record arrives split into single bytes), or cut off with a reset.
     */
    static final class ByteRelay implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        private final int target;
        private volatile int segments;
        private volatile int resetAfter = -1;
        private final java.util.concurrent.CountDownLatch reset = new java.util.concurrent.CountDownLatch(1);
        private final Thread thread;

        ByteRelay(int target) throws IOException {
            this.target = target;
            this.thread = Thread.ofPlatform().daemon().start(this::run);
        }

        int port() {
            return listener.getLocalPort();
        }

        int segments() {
            return segments;
        }

        void resetAfter(int bytes) {
            resetAfter = bytes;
        }

        void awaitReset() throws InterruptedException {
            assertTrue(reset.await(20, TimeUnit.SECONDS), "the relay never reset");
        }

        private void run() {
            try (Socket client = listener.accept(); Socket server = new Socket("127.0.0.1", target)) {
                server.setTcpNoDelay(true);
                Thread back = Thread.ofPlatform().daemon().start(() -> pump(server, client));
                InputStream in = client.getInputStream();
                OutputStream out = server.getOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (resetAfter == 0) {
                        server.setSoLinger(true, 0);
                        server.close();
                        reset.countDown();
                        return;
                    }
                    if (resetAfter > 0) {
                        resetAfter--;
                    }
                    out.write(b);
                    out.flush();
                    segments++;
                }
                server.shutdownOutput();
                back.join(20_000);
            } catch (IOException | InterruptedException ignored) {
                // the test ended the session
            }
        }

        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (IOException ignored) {
                // one side closed
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            thread.join(20_000);
        }
    }
}
