package io.coronet.faults;

import io.coronet.coro.Coroutine;
import io.coronet.examples.Echo;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 2 of the fault matrix: running out of file descriptors, fd leaks over many connections,
 * and failures inside a coroutine.
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class ExhaustionFaultTest {
    /** Generous: a 2-core shared VM is noisy; a spinning accept loop burns ~100%. */
    static final double MAX_CPU_WHILE_SATURATED = 0.30;

    @Test
    @Fault(area = "2 exhaustion", name = "ulimit -n 256, 400 clients (more than the daemon can accept)",
            expect = "log line once, CPU < 30% of a core while saturated, accepted clients keep echoing, "
                    + "full recovery (new clients served, 'recovered' logged) when clients leave")
    void outOfFdsBacksOffAndRecovers() throws Exception {
        try (Daemon d = Daemon.builder().fdLimit(256).start()) {
            int fdsAtStart = d.openFds();
            List<Peer> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) {
                    Peer p = Peer.connect(d); // completes in the kernel's backlog even when not accepted
                    p.send(Peer.HELLO);
                    clients.add(p);
                }
                assertTrue(d.awaitLog("pausing accepts", Duration.ofSeconds(30)),
                        "no log line about running out of fds; stderr:\n" + d.stderr());
                double cpu = d.cpuShare(Duration.ofSeconds(3));
                // the first client was accepted before the fds ran out: its connection still works
                Peer first = clients.get(0);
                assertArrayEquals(Peer.HELLO, first.readExactly(Peer.HELLO.length));
                first.echo("served while starved".getBytes(StandardCharsets.US_ASCII));
                FaultMatrix.note(String.format("CPU %.1f%% of a core over 3 s while saturated; fds %d -> %d",
                        cpu * 100, fdsAtStart, d.openFds()));
                assertTrue(cpu < MAX_CPU_WHILE_SATURATED, "daemon CPU while out of fds: " + cpu);
                assertEquals(1, count(d.stderr(), "pausing accepts"), "the starvation is logged once:\n" + d.stderr());
            } finally {
                for (Peer p : clients) {
                    p.close();
                }
            }
            // recovery: once the clients are gone, a new one is served (backoff is at most 500 ms)
            assertTrue(serveable(d, Duration.ofSeconds(30)), "no recovery after clients left; stderr:\n" + d.stderr());
            assertTrue(d.awaitLog("recovered", Duration.ofSeconds(10)), "no recovery log line:\n" + d.stderr());
            assertTrue(BadPeerFaultTest.fdCountReturnsTo(d, fdsAtStart, Duration.ofSeconds(30)),
                    "fds at start " + fdsAtStart + ", now " + d.openFds());
            assertTrue(d.isAlive());
        }
    }

    @Test
    @Fault(area = "2 exhaustion", name = "ulimit -n 256, 400 clients arrive in one burst (daemon SIGSTOPped while they connect)",
            expect = "'pausing accepts' logged; when the first 300 leave, the clients still queued in the backlog "
                    + "are served without any new connection arriving")
    void outOfFdsInOneBurstThenQueuedClientsAreServed() throws Exception {
        try (Daemon d = Daemon.builder().fdLimit(256).start()) {
            Peer.control(d); // the connection path is loaded and warm
            List<Peer> clients = new ArrayList<>();
            try {
                d.signal("STOP"); // every client is in the backlog before the daemon accepts one
                for (int i = 0; i < 400; i++) {
                    Peer p = Peer.connect(d);
                    p.send(Peer.HELLO);
                    clients.add(p);
                }
                d.signal("CONT");
                assertTrue(d.awaitLog("pausing accepts", Duration.ofSeconds(30)),
                        "no log line about running out of fds; stderr:\n" + d.stderr());
                assertArrayEquals(Peer.HELLO, clients.get(0).readExactly(Peer.HELLO.length));
                for (Peer p : clients.subList(0, 300)) {
                    p.close();
                }
                // the last 100 were still queued: served now, with no new connection to wake the listener
                int served = 0;
                for (Peer p : clients.subList(300, 400)) {
                    assertArrayEquals(Peer.HELLO, p.readExactly(Peer.HELLO.length),
                            "client queued in the backlog was not served after fds freed; stderr:\n" + d.stderr());
                    served++;
                }
                FaultMatrix.note(served + " queued clients served after the first 300 left");
                assertTrue(d.awaitLog("recovered", Duration.ofSeconds(10)), d.stderr());
            } finally {
                for (Peer p : clients) {
                    p.close();
                }
            }
            assertTrue(serveable(d, Duration.ofSeconds(30)), "no recovery; stderr:\n" + d.stderr());
        }
    }

    @Test
    @Fault(area = "2 exhaustion", name = "ulimit -n 256, 400 clients queued while the daemon is stopped (SIGSTOP), "
            + "classes loaded from a directory (test/IDE runs)",
            expect = "as above: accepted clients served, full recovery when clients leave")
    void outOfFdsBeforeTheFirstConnectionWasServed() throws Exception {
        try (Daemon d = Daemon.builder().fdLimit(256).classesFromDirectory().start()) {
            List<Peer> clients = new ArrayList<>();
            try {
                d.signal("STOP"); // all 400 arrive at once: the accept loop takes them in one go
                for (int i = 0; i < 400; i++) {
                    Peer p = Peer.connect(d);
                    p.send(Peer.HELLO);
                    clients.add(p);
                }
                d.signal("CONT");
                assertTrue(d.awaitLog("pausing accepts", Duration.ofSeconds(30)), d.stderr());
                Peer first = clients.get(0);
                assertArrayEquals(Peer.HELLO, first.readExactly(Peer.HELLO.length),
                        "the first accepted client was not served; stderr:\n" + tail(d.stderr()));
            } finally {
                for (Peer p : clients) {
                    p.close();
                }
            }
            assertTrue(serveable(d, Duration.ofSeconds(30)), "no recovery after clients left; stderr:\n" + tail(d.stderr()));
        }
    }

    private static String tail(String log) {
        return log.length() <= 3000 ? log : "..." + log.substring(log.length() - 3000);
    }

    private static boolean serveable(Daemon d, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            try {
                Peer.control(d);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        return false;
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    @Fault(area = "2 exhaustion", name = "5,000 connect/close cycles",
            expect = "daemon's /proc/PID/fd count back where it started")
    void connectCloseCyclesLeakNoFds() throws Exception {
        try (Daemon d = Daemon.builder().start()) {
            Peer.control(d); // load what the first connection loads before the baseline
            int before = d.openFds();
            int cycles = 5000, threads = 4;
            AtomicInteger done = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Random r = new Random(t);
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < cycles / threads; i++) {
                            try (Peer p = Peer.connect(d)) {
                                if (r.nextBoolean()) {
                                    p.handshake().echo(new byte[] {(byte) i});
                                }
                            }
                            done.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(180, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(cycles, done.get());
            boolean back = BadPeerFaultTest.fdCountReturnsTo(d, before, Duration.ofSeconds(20));
            FaultMatrix.note("fds before " + before + ", after " + d.openFds());
            assertTrue(back, "fds before " + before + ", after " + d.openFds());
            Peer.control(d);
        }
    }

    @Test
    @Fault(area = "2 exhaustion", name = "a coroutine that throws (RuntimeException, checked, Error) in a handler and bare",
            expect = "only that coroutine ends; its connection is closed; the loop keeps serving others")
    void aThrowingCoroutineDoesNotTakeDownItsLoop() throws Exception {
        EventLoopGroup group = EventLoopGroup.start("faults-throw", 1);
        // the server logs each failed handler with its stack: expected here, so keep the output short
        java.util.logging.Logger serverLog = java.util.logging.Logger.getLogger(TcpServer.class.getName());
        java.util.logging.Level level = serverLog.getLevel();
        serverLog.setLevel(java.util.logging.Level.SEVERE);
        try {
            AtomicInteger uncaught = new AtomicInteger();
            group.get(0).setUncaughtExceptionHandler((t, e) -> uncaught.incrementAndGet());
            TcpServer server = TcpServer.start(group, "127.0.0.1", 0, 128, conn -> {
                String line = conn.readLine(100);
                switch (line == null ? "" : line) {
                    case "runtime" -> throw new IllegalStateException("boom");
                    case "checked" -> throw new Exception("boom");
                    case "error" -> throw new AssertionError("boom");
                    case "npe" -> throw new NullPointerException("boom");
                    default -> {
                        conn.write("ok\n");
                        Echo.serve(conn);
                    }
                }
            });
            try (Peer survivor = Peer.connect("127.0.0.1", server.port())) {
                survivor.send("fine\n".getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("ok\n".getBytes(StandardCharsets.US_ASCII), survivor.readExactly(3));
                for (String kind : new String[] {"runtime", "checked", "error", "npe"}) {
                    for (int i = 0; i < 3; i++) {
                        try (Peer p = Peer.connect("127.0.0.1", server.port())) {
                            p.send((kind + "\n").getBytes(StandardCharsets.US_ASCII));
                            assertTrue(p.closedByServerWithin(Duration.ofSeconds(20)), kind + ": connection not closed");
                        }
                    }
                    // bare coroutines that throw, nobody joins them
                    Coroutine.launch(group.get(0), () -> {
                        throw new IllegalStateException("unjoined");
                    });
                    survivor.echo(("after " + kind).getBytes(StandardCharsets.US_ASCII));
                }
                // a fresh connection is served too
                try (Peer p = Peer.connect("127.0.0.1", server.port())) {
                    p.send("again\n".getBytes(StandardCharsets.US_ASCII));
                    assertArrayEquals("ok\n".getBytes(StandardCharsets.US_ASCII), p.readExactly(3));
                    p.echo(new byte[100_000]);
                }
            }
            assertFalse(group.get(0).isTerminated(), "the loop ended");
            assertTrue(server.failedConnections() >= 12, "failed handlers counted: " + server.failedConnections());
            FaultMatrix.note(server.failedConnections() + " handlers failed, " + uncaught.get()
                    + " uncaught reports, loop alive");
        } finally {
            serverLog.setLevel(level);
            group.shutdown(Duration.ofMillis(100));
            assertTrue(group.awaitTermination(Duration.ofSeconds(30)));
        }
    }
}
