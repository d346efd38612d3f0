package io.coronet.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test clients for the seed servers: plain java.net sockets (the tests' side may use the JDK;
 * the servers may not). Every read is bounded by {@link #READ_TIMEOUT_MILLIS}, so a server that
 * does not answer fails the test instead of hanging it.
 */
final class SeedTestSupport {
    static final int READ_TIMEOUT_MILLIS = 10_000;
    static final int MIB = 1 << 20;

    private SeedTestSupport() {
    }

    /** Something a test does with one client connection. */
    @FunctionalInterface
    interface ClientCheck {
        void check(Socket s) throws Exception;
    }

    /** What client number c (0, 1, ...) of {@link #runConcurrently} does. */
    @FunctionalInterface
    interface ClientTask {
        void run(int c) throws Exception;
    }

    /** Opens the clients a close test leaves connected, adding each to clients. */
    @FunctionalInterface
    interface Clients {
        void open(SeedServer server, List<Socket> clients) throws Exception;
    }

    static Socket connect(SeedServer server) throws IOException {
        Socket s = new Socket(server.host(), server.port());
        s.setSoTimeout(READ_TIMEOUT_MILLIS);
        s.setTcpNoDelay(true);
        return s;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Reads exactly n bytes, failing at end of stream. */
    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) {
                fail("end of stream after " + got + " of " + n + " bytes");
            }
            got += r;
        }
        return b;
    }

    /**
     * Sends payload in random chunks from a second thread while this one reads the echo, and
     * asserts it comes back byte for byte. (Writing all first would deadlock once both sides'
     * socket buffers are full: the server blocks writing to us while we block writing to it.)
     */
    static void assertEchoes(Socket s, byte[] payload, long seed) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> sent = writer.submit(() -> {
                Random random = new Random(seed);
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < payload.length; ) {
                    int n = Math.min(payload.length - off, 1 + random.nextInt(64 * 1024));
                    out.write(payload, off, n);
                    off += n;
                }
                out.flush();
                return null;
            });
            byte[] echoed = readExactly(s.getInputStream(), payload.length);
            sent.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            if (!Arrays.equals(payload, echoed)) {
                assertEquals(payload.length, echoed.length);
                assertEquals(-1, Arrays.mismatch(payload, echoed), "first differing byte");
            }
        } finally {
            writer.shutdownNow();
            assertTrue(writer.awaitTermination(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    /** One small message round trip. */
    static void assertSmallEcho(Socket s, String message) throws IOException {
        byte[] b = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        assertArrayEquals(b, readExactly(s.getInputStream(), b.length));
    }

    /**
     * Asserts that the server closed the connection: the next read is end of stream, or a reset
     * (the server may close with bytes of ours still unread, and then TCP sends RST, tcp(7)).
     */
    static void assertClosedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            int r = in.read();
            assertEquals(-1, r, "expected end of stream, got a byte");
        } catch (SocketException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
        }
    }

    /** Asserts the server closed cleanly: end of stream, not a reset. */
    static void assertEndOfStream(Socket s) throws IOException {
        assertEquals(-1, s.getInputStream().read());
    }

    /** Resets a connection: SO_LINGER 0 makes close() send RST instead of FIN (socket(7)). */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    /**
     * Sockets and anonymous-inode fds (epoll, eventfd) this process has open: what a leaking
     * server would leave behind. Jar files and the like are left out, the JVM opens those at will.
     */
    static int openSocketLikeFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            List<Path> all = fds.toList();
            int n = 0;
            for (Path fd : all) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:") || target.startsWith("anon_inode:")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // the directory's own fd, closed by the time we look: not ours to count
                }
            }
            return n;
        }
    }

    /**
     * Asserts that every thread whose name starts with prefix ends, waiting a bounded time for
     * each (a thread that has signalled "done" may still be returning from its run method).
     */
    static void assertThreadsEnd(String prefix) throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                t.join(READ_TIMEOUT_MILLIS);
                assertFalse(t.isAlive(), "thread " + t.getName() + " still running");
            }
        }
    }

    /**
     * Runs out of file descriptors on purpose: lowers RLIMIT_NOFILE's soft limit to just above
     * the highest open fd, then fills every free number below it with /dev/null, so the next
     * fd the process asks for fails with EMFILE (getrlimit(2): the limit is one greater than the
     * highest fd number that may be opened). {@link #release()} frees one number at a time;
     * {@link #close()} frees all and restores the limit.
     */
    static final class FdExhaustion implements AutoCloseable {
        private static final int MAX_FILLERS = 10_000;
        private final jnr.posix.POSIX posix = jnr.posix.POSIXFactory.getNativePOSIX();
        private final int resource = jnr.constants.platform.RLIMIT.RLIMIT_NOFILE.intValue();
        private final long soft;
        private final long hard;
        private final java.util.ArrayDeque<java.io.FileInputStream> fillers = new java.util.ArrayDeque<>();

        FdExhaustion() throws IOException {
            // Publish one log record first: java.util.logging loads lazily what its first record
            // needs (the formatter reads lib/tzdb.dat), and with no fd left that would fail
            // inside the server under test.
            java.util.logging.Logger.getLogger(SeedTestSupport.class.getName())
                    .info("exhausting file descriptors on purpose (EMFILE test)");
            jnr.posix.RLimit limit = posix.getrlimit(resource);
            soft = limit.rlimCur();
            hard = limit.rlimMax();
            int highest;
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                highest = fds.mapToInt(p -> Integer.parseInt(p.getFileName().toString())).max().orElseThrow();
            }
            if (posix.setrlimit(resource, highest + 1L, hard) != 0) {
                throw new IOException("setrlimit(RLIMIT_NOFILE, " + (highest + 1) + "): errno " + posix.errno());
            }
            try {
                while (fillers.size() < MAX_FILLERS) {
                    fillers.push(new java.io.FileInputStream("/dev/null"));
                }
                throw new IllegalStateException("still no EMFILE after " + MAX_FILLERS + " fds");
            } catch (java.io.FileNotFoundException full) {
                // EMFILE: every number below the limit is taken
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        /** Frees one fd number (the next open, in any thread, takes it). */
        void release() throws IOException {
            fillers.pop().close();
        }

        @Override
        public void close() throws IOException {
            // raise first: closing does not need fds, but whatever runs meanwhile might
            posix.setrlimit(resource, soft, hard);
            while (!fillers.isEmpty()) {
                fillers.pop().close();
            }
        }
    }

    /**
     * Starts a server, runs hello on one connection and closes both: the first server loads
     * libcoronet and JDK socket classes, which later fd counts must not see.
     */
    static void warmUp(SeedMain.Starter start, ClientCheck hello) throws Exception {
        try (SeedServer server = start.start("127.0.0.1", 0); Socket s = connect(server)) {
            hello.check(s);
        }
    }

    /** count small round trips on one connection ("line 0\n", "line 1\n", ...). */
    static void assertSmallEchoes(Socket s, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            assertSmallEcho(s, "line " + i + "\n");
        }
    }

    /** Runs task(0) .. task(clients - 1) at once, one thread each; fails if one fails or hangs. */
    static void runConcurrently(int clients, ClientTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    task.run(client);
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /**
     * Starts a server, opens clients (kept connected), closes the server, and asserts that its
     * threads (names starting with threadPrefix) end and that every socket-like fd it opened is
     * closed. Call after a warm-up (see {@link #warmUp}).
     */
    static void assertCloseReleasesEveryFd(SeedMain.Starter start, String threadPrefix, Clients open)
            throws Exception {
        int before = openSocketLikeFds();
        SeedServer server = start.start("127.0.0.1", 0);
        List<Socket> clients = new ArrayList<>();
        try {
            open.open(server, clients);
            assertTrue(openSocketLikeFds() > before); // at least our own client sockets
        } finally {
            server.close();
        }
        assertThreadsEnd(threadPrefix);
        for (Socket s : clients) {
            s.close();
        }
        assertEquals(before, openSocketLikeFds(), "fds left open after close");
    }

    /**
     * EMFILE on accept (S3, S4): the listener is level-triggered, so without a pause the loop
     * would retry at once, for ever. It must pause, then accept the waiting client once fds are
     * free; served then checks that client is served.
     */
    static void assertAcceptPausesOnEmfileAndRecovers(CallbackLoop<?> server, ClientCheck served) throws Exception {
        Socket waiting;
        try (FdExhaustion fds = new FdExhaustion()) {
            fds.release(); // exactly one free fd: the client's; the server's accept gets EMFILE
            waiting = connect(server); // the kernel completes the handshake into the backlog
            for (int i = 0; i < 1000 && server.acceptFailures() == 0; i++) {
                Thread.sleep(10);
            }
            long first = server.acceptFailures();
            assertTrue(first > 0, "accept did not fail: the fd table was not full");
            Thread.sleep(500);
            long failures = server.acceptFailures() - first;
            // paused 100 ms per failure: about 5 retries; a busy loop makes tens of thousands
            assertTrue(failures < 50, failures + " failed accepts in 0.5 s: the loop is spinning");
        }
        try (Socket s = waiting) { // fds are back: the next retry accepts it
            served.check(s);
        }
    }
}
