package io.coronet.faults;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 5 of the fault matrix: SIGPIPE, SIGTERM/SIGINT under load, and no acknowledged data lost
 * at close. The daemon is a child process; signals are sent to its pid as an operator would.
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class ShutdownFaultTest {

    @Test
    @Fault(area = "5 signals", name = "SIGPIPE: 200 peers vanish (RST) while the server writes a lot to them",
            expect = "daemon alive (EPIPE/ECONNRESET are per-connection errors), others echo")
    void sigpipeNeverKillsTheDaemon() throws Exception {
        try (Daemon d = Daemon.builder().loops(2).start()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    fs.add(pool.submit(() -> {
                        byte[] chunk = new byte[256 * 1024];
                        for (int i = 0; i < 25; i++) {
                            try (Peer p = Peer.connect(d).handshake()) {
                                p.send(chunk); // the server echoes 256 KiB that we never read
                                p.send(chunk);
                                p.readExactly(1); // the echo has started
                                p.reset();
                            } catch (IOException whileTheServerClosed) {
                                // fine: the point is what happens to the server
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(d.isAlive(), "daemon died; stderr:\n" + d.stderr());
            Peer.control(d);
            FaultMatrix.note("SIGPIPE in SigCgt of the daemon: " + sigpipeCaught(d.pid())
                    + " (the JVM's handler); with SIGPIPE at SIG_DFL the C layer is covered by ctest native.socket_write_closed_peer_epipe and native.socket_pipe_epipe_no_signal");
            d.terminate();
            assertEquals(0, d.awaitExit(Duration.ofSeconds(30)), d.stderr());
        }
    }

    /** Whether SIGPIPE (13) is in the caught-signals mask of /proc/PID/status. */
    static boolean sigpipeCaught(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigCgt:")) {
                long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                return (mask & (1L << 12)) != 0;
            }
        }
        return false;
    }

    @Test
    @Fault(area = "5 signals", name = "SIGTERM during load (200 streaming connections + one that never reads), --grace 2s",
            expect = "stops accepting, exits 0 within grace + 10 s, 'received SIGTERM' logged; every byte clients got is correct")
    void sigtermDuringLoadDrainsAndExitsZero() throws Exception {
        try (Daemon d = Daemon.builder().loops(2).grace("2s").start()) {
            Peer hog = Peer.connect(d).handshake(); // blocks the server's writer: must not block shutdown
            ExecutorService load = Executors.newSingleThreadExecutor();
            try {
                Future<SoakClient.Result> f = load.submit(() ->
                        SoakClient.run(d.host(), d.port(), 200, Duration.ofSeconds(30), 0, 11, false));
                Thread writer = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        hog.send(new byte[32 << 20]);
                    } catch (IOException expectedAtShutdown) {
                        // closed by the server at the end of the grace period
                    }
                });
                Thread.sleep(1500); // load is running
                long t0 = System.nanoTime();
                d.terminate();
                boolean refused = refusesNewConnectionsWithin(d, Duration.ofSeconds(10));
                int status = d.awaitExit(Duration.ofSeconds(40));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                SoakClient.Result r = f.get(180, TimeUnit.SECONDS);
                writer.join(10_000);
                FaultMatrix.note("exit " + status + " after " + ms + " ms; clients: " + (r.bytesVerified() >> 20)
                        + " MiB verified, " + r.mismatches() + " mismatches, " + r.unexpectedCloses() + " closed by shutdown");
                assertEquals(0, status, d.stderr());
                assertTrue(ms < 12_000, "took " + ms + " ms with --grace 2s");
                assertTrue(refused, "still accepting after SIGTERM");
                assertTrue(d.stderr().contains("received SIGTERM"), d.stderr());
                assertEquals(0, r.mismatches(), r.toString());
            } finally {
                hog.close();
                load.shutdownNow();
            }
        }
    }

    /** True once a new connection is refused (the listeners are closed). */
    static boolean refusesNewConnectionsWithin(Daemon d, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            try (Peer p = Peer.connect(d)) {
                Thread.sleep(20);
            } catch (IOException refused) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Fault(area = "5 signals", name = "SIGINT while idle",
            expect = "exit 0, 'received SIGINT' logged")
    void sigintExitsZero() throws Exception {
        try (Daemon d = Daemon.builder().start()) {
            Peer.control(d);
            d.signal("INT");
            assertEquals(0, d.awaitExit(Duration.ofSeconds(30)), d.stderr());
            assertTrue(d.stderr().contains("received SIGINT"), d.stderr());
        }
    }

    @Test
    @Fault(area = "5 signals", name = "no acknowledged data lost: 8 clients write 1 MiB + FIN, SIGTERM right after (--grace 10s)",
            expect = "each client receives its whole 1 MiB echo, then EOF; exit 0")
    void sigtermAfterWritesLosesNothingAcknowledged() throws Exception {
        try (Daemon d = Daemon.builder().loops(2).grace("10s").start()) {
            int n = 8;
            List<Peer> peers = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(2 * n);
            try {
                List<Future<byte[]>> echoes = new ArrayList<>();
                List<Future<?>> writes = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Peer p = Peer.connect(d).handshake();
                    byte[] data = new byte[1 << 20];
                    new Random(i).nextBytes(data);
                    peers.add(p);
                    sent.add(data);
                    echoes.add(pool.submit(() -> {
                        byte[] back = p.readExactly(data.length);
                        if (p.in.read() != -1) {
                            throw new IOException("no EOF after the echo");
                        }
                        return back;
                    }));
                    writes.add(pool.submit(() -> {
                        p.send(data); // returns once the kernel took it: acknowledged to the writer
                        p.socket.shutdownOutput();
                        return null;
                    }));
                }
                for (Future<?> w : writes) {
                    w.get(60, TimeUnit.SECONDS);
                }
                d.terminate();
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(sent.get(i), echoes.get(i).get(60, TimeUnit.SECONDS), "connection " + i);
                }
                assertEquals(0, d.awaitExit(Duration.ofSeconds(40)), d.stderr());
                FaultMatrix.note(n + " x 1 MiB echoed in full after SIGTERM");
            } finally {
                for (Peer p : peers) {
                    p.close();
                }
                pool.shutdownNow();
            }
        }
    }
}
