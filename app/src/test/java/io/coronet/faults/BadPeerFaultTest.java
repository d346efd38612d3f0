package io.coronet.faults;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 1 of the fault matrix: peers that misbehave, against the real daemon (a child process).
 * Every case checks that a control connection echoes before and after and that the daemon is
 * still alive: one bad peer must never cost the others their service.
 *
 * <p>Two daemons: {@code strict} has a 1 s greeting deadline (the deadline cases stay fast),
 * {@code patient} a 60 s one, so a connection it closes within seconds was closed for what the
 * peer sent, not by the deadline.
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class BadPeerFaultTest {
    static Daemon strict, patient;

    @BeforeAll
    static void startDaemons() throws Exception {
        strict = Daemon.builder().greetingTimeout("1s").start();
        patient = Daemon.builder().greetingTimeout("60s").start();
    }

    @AfterAll
    static void stopDaemons() throws Exception {
        for (Daemon d : new Daemon[] {strict, patient}) {
            if (d == null) {
                continue;
            }
            try (d) {
                assertTrue(d.isAlive(), d + " died; stderr:\n" + d.stderr());
                d.terminate();
                assertEquals(0, d.awaitExit(Duration.ofSeconds(30)), "exit status after SIGTERM; stderr:\n" + d.stderr());
            }
        }
    }

    @BeforeEach
    void othersWorkBefore() throws IOException {
        Peer.control(strict);
        Peer.control(patient);
    }

    @AfterEach
    void othersWorkAfter() throws IOException {
        assertTrue(strict.isAlive(), "strict daemon died; stderr:\n" + strict.stderr());
        assertTrue(patient.isAlive(), "patient daemon died; stderr:\n" + patient.stderr());
        Peer.control(strict);
        Peer.control(patient);
    }

    @Test
    @Fault(area = "1 bad peers", name = "wrong greeting (\"goodbye\")",
            expect = "no reply, connection closed long before the 60 s deadline; others echo")
    void wrongGreetingIsClosed() throws Exception {
        try (Peer p = Peer.connect(patient)) {
            p.send("goodbye\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, p.in.read(), "the server must close without replying");
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "greeting over 1 KiB (2 KiB, no newline; 1025 bytes + newline)",
            expect = "closed long before the deadline; a 1006-byte padded \"hello\" is still accepted")
    void oversizedGreetingIsClosed() throws Exception {
        byte[] noNewline = new byte[2048];
        Arrays.fill(noNewline, (byte) 'a');
        try (Peer p = Peer.connect(patient)) {
            p.send(noNewline);
            assertTrue(p.closedByServerWithin(Duration.ofSeconds(20)), "2 KiB without a newline must be closed");
        }
        byte[] tooLong = ("x".repeat(1025) + "\n").getBytes(StandardCharsets.US_ASCII);
        try (Peer p = Peer.connect(patient)) {
            p.send(tooLong);
            assertTrue(p.closedByServerWithin(Duration.ofSeconds(20)), "a 1025-byte line must be closed");
        }
        // the limit is not off by one the other way: 1000 spaces + "hello" fits in 1 KiB
        try (Peer p = Peer.connect(patient)) {
            p.send((" ".repeat(1000) + "hello\n").getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals(Peer.HELLO, p.readExactly(Peer.HELLO.length));
            p.echo("still here".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "greeting trickled 1 byte/s (deadline 1 s)",
            expect = "closed at the deadline without a reply; others echo meanwhile")
    void trickledGreetingIsClosedAtTheDeadline() throws Exception {
        try (Peer p = Peer.connect(strict)) {
            long start = System.nanoTime();
            boolean closed = false;
            for (byte b : Peer.HELLO) {
                try {
                    p.send(new byte[] {b});
                } catch (IOException resetWhileSending) {
                    closed = true;
                    break;
                }
                if (p.closedByServerWithin(Duration.ofSeconds(1))) {
                    closed = true;
                    break;
                }
                Peer.control(strict); // the slow peer holds nobody up
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            FaultMatrix.note("closed after " + ms + " ms");
            assertTrue(closed, "a greeting trickled over 6 s must not beat a 1 s deadline");
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "connect, then silence",
            expect = "closed at the greeting deadline; others echo meanwhile")
    void silentPeerIsClosedAtTheDeadline() throws Exception {
        try (Peer silent = Peer.connect(strict)) {
            Peer.control(strict);
            assertTrue(silent.closedByServerWithin(Duration.ofSeconds(20)), "a silent peer must be closed at the deadline");
        }
        // and on the patient daemon a silent peer does not hold up anyone while it waits
        try (Peer silent = Peer.connect(patient)) {
            Peer.control(patient);
            assertFalse(silent.closedByServerWithin(Duration.ofMillis(300)), "closed before the 60 s deadline");
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "RST in the middle of a large echo (SO_LINGER 0)",
            expect = "daemon alive, no fd leaked, others echo")
    void resetInTheMiddleOfALargeEcho() throws Exception {
        int fdsBefore = patient.openFds();
        for (int round = 0; round < 5; round++) {
            Peer p = Peer.connect(patient).handshake();
            byte[] big = new byte[1 << 20];
            new Random(round).nextBytes(big);
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                Future<?> w = writer.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        p.send(big); // 8 MiB, while we read only the first bytes
                    }
                    return null;
                });
                p.readExactly(64 * 1024); // the echo is under way
                p.reset();
                try {
                    w.get(20, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException expected) {
                    // our own writer sees the socket we reset
                }
            } finally {
                writer.shutdownNow();
            }
        }
        Peer.control(patient);
        boolean back = fdCountReturnsTo(patient, fdsBefore, Duration.ofSeconds(15));
        FaultMatrix.note("5 resets mid-echo (8 MiB each); daemon fds before " + fdsBefore + ", after " + patient.openFds());
        assertTrue(back, "fds before " + fdsBefore + ", now " + patient.openFds());
    }

    @Test
    @Fault(area = "1 bad peers", name = "half-close (shutdown SHUT_WR), then read",
            expect = "every byte sent before the FIN is echoed, then EOF")
    void halfCloseThenRead() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(42).nextBytes(data);
        try (Peer p = Peer.connect(patient).handshake()) {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                Future<?> w = writer.submit(() -> {
                    p.send(data);
                    p.socket.shutdownOutput();
                    return null;
                });
                byte[] back = p.readExactly(data.length);
                w.get(30, TimeUnit.SECONDS);
                assertArrayEquals(data, back);
                assertEquals(-1, p.in.read(), "after the echo, EOF");
            } finally {
                writer.shutdownNow();
            }
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "peer sends 64 MiB (more if the kernel could buffer that) and never reads",
            expect = "sender stalls (backpressure), daemon RSS grows < 32 MiB and live heap < 16 MiB, others echo meanwhile")
    void aPeerThatNeverReadsCannotGrowTheServer() throws Exception {
        for (int i = 0; i < 5; i++) {
            Peer.control(patient); // warm up (JIT, pools) before the baseline
        }
        long rssBefore = patient.rssKiB();
        long heapBefore = patient.heapUsedAfterGcKiB();
        AtomicLong pushed = new AtomicLong();
        Peer hog = Peer.connect(patient).handshake();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            long attempt = bytesToOutrunKernelBuffers();
            Future<?> w = writer.submit(() -> {
                byte[] piece = new byte[64 * 1024];
                for (long sent = 0; sent < attempt; sent += piece.length) {
                    hog.send(piece);
                    pushed.addAndGet(piece.length);
                }
                return null;
            });
            // wait until the writer makes no progress for 2 s (or finishes), at most 60 s
            long last = -1, stableSince = System.nanoTime(), end = System.nanoTime() + 60_000_000_000L;
            while (!w.isDone() && System.nanoTime() < end) {
                Thread.sleep(200);
                long now = pushed.get();
                if (now != last) {
                    last = now;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > 2_000_000_000L) {
                    break;
                }
            }
            long t0 = System.nanoTime();
            Peer.control(patient);
            long controlMs = (System.nanoTime() - t0) / 1_000_000;
            long rssAfter = patient.rssKiB();
            long heapAfter = patient.heapUsedAfterGcKiB();
            long growthMiB = (rssAfter - rssBefore) / 1024;
            FaultMatrix.note("tried " + (attempt >> 20) + " MiB, sender stalled after " + (pushed.get() >> 20) + " MiB; RSS " + (rssBefore / 1024)
                    + " -> " + (rssAfter / 1024) + " MiB; heap after GC " + (heapBefore / 1024) + " -> "
                    + (heapAfter / 1024) + " MiB; control echo " + controlMs + " ms");
            if (heapBefore >= 0 && heapAfter >= 0) {
                assertTrue(heapAfter - heapBefore < 16 * 1024, "live heap grew by " + (heapAfter - heapBefore) + " KiB");
            }
            assertFalse(w.isDone(), "the sender pushed all " + (attempt >> 20) + " MiB into a server whose peer "
                    + "does not read: no backpressure");
            assertTrue(growthMiB < 32, "daemon RSS grew by " + growthMiB + " MiB while a peer did not read");
        } finally {
            hog.reset();
            writer.shutdownNow();
            writer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Fault(area = "1 bad peers", name = "3,000 connections opened and dropped at random",
            expect = "daemon alive, others echo, fd count back to where it started")
    void thousandsOfConnectionsOpenedAndDroppedAtRandom() throws Exception {
        int fdsBefore = strict.openFds();
        int total = 3000, threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long seed = 1000 + t;
                results.add(pool.submit(() -> abuse(new Random(seed), total / threads)));
            }
            int served = 0;
            for (Future<Integer> f : results) {
                served += f.get(120, TimeUnit.SECONDS);
            }
            FaultMatrix.note(total + " connections, " + served + " completed an echo first");
            assertTrue(served > 0, "no connection was served at all");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(fdCountReturnsTo(strict, fdsBefore, Duration.ofSeconds(20)),
                "fds before " + fdsBefore + ", now " + strict.openFds());
    }

    /**
     * 64 MiB, or more where the kernel could hold that much: a stall then proves backpressure in
     * the server, not small socket buffers. The most four buffers on the path can hold (client
     * send, server receive, server send, client receive) is 2 x (tcp_rmem max + tcp_wmem max);
     * see tcp(7).
     */
    static long bytesToOutrunKernelBuffers() {
        long max = 0;
        for (String f : new String[] {"tcp_rmem", "tcp_wmem"}) {
            try {
                String[] v = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/" + f)).trim().split("\\s+");
                max += Long.parseLong(v[2]);
            } catch (IOException | RuntimeException unknown) {
                max += 32L << 20;
            }
        }
        return Math.max(64L << 20, 2 * max + (16L << 20));
    }

    /** n connections, each dropped at a random point in a random way; returns how many echoed. */
    private static int abuse(Random r, int n) throws IOException {
        int echoed = 0;
        for (int i = 0; i < n; i++) {
            Peer p;
            try {
                p = Peer.connect(strict);
            } catch (IOException refusedUnderLoad) {
                continue; // a full backlog may refuse: the test is what happens to the server
            }
            try {
                switch (r.nextInt(6)) {
                    case 0 -> { } // connect and close
                    case 1 -> p.send("hel".getBytes(StandardCharsets.US_ASCII)); // half a greeting
                    case 2 -> { p.handshake(); p.send(new byte[r.nextInt(100_000)]); } // close with unread echo
                    case 3 -> { p.handshake(); p.echo(new byte[1 + r.nextInt(10_000)]); echoed++; }
                    case 4 -> { p.send("hello\n".getBytes(StandardCharsets.US_ASCII)); } // close before the reply
                    default -> { p.handshake(); p.send(new byte[r.nextInt(50_000)]); p.reset(); }
                }
            } catch (IOException peerSideFailure) {
                // the server closing on us is allowed here; its survival is checked afterwards
            } finally {
                if (!p.socket.isClosed()) {
                    p.socket.setSoLinger(r.nextBoolean(), 0); // half of them RST, half FIN
                    p.close();
                }
            }
        }
        return echoed;
    }

    /** Polls the daemon's fd count until it is at most {@code target} (bounded). */
    static boolean fdCountReturnsTo(Daemon d, int target, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (d.openFds() <= target) {
                return true;
            }
            Thread.sleep(100);
        }
        return d.openFds() <= target;
    }
}
