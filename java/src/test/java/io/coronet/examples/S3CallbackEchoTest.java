package io.coronet.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.coronet.examples.SeedTestSupport.MIB;
import static io.coronet.examples.SeedTestSupport.assertEchoes;
import static io.coronet.examples.SeedTestSupport.assertEndOfStream;
import static io.coronet.examples.SeedTestSupport.assertSmallEcho;
import static io.coronet.examples.SeedTestSupport.assertThreadsEnd;
import static io.coronet.examples.SeedTestSupport.connect;
import static io.coronet.examples.SeedTestSupport.openSocketLikeFds;
import static io.coronet.examples.SeedTestSupport.randomBytes;
import static io.coronet.examples.SeedTestSupport.readExactly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class S3CallbackEchoTest {

    @BeforeAll
    static void warmUp() throws Exception {
        // the first server loads libcoronet and JDK socket classes: keep that out of fd counts
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            assertSmallEcho(s, "warm");
        }
    }

    @Test
    void echoesManyMessagesOnOneConnection() throws Exception {
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            for (int i = 0; i < 100; i++) {
                assertSmallEcho(s, "line " + i + "\n");
            }
        }
    }

    /** 1 MiB is far more than the socket buffers: partial writes and EAGAIN must keep every byte. */
    @Test
    void echoesOneMebibyteByteForByte() throws Exception {
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            assertEchoes(s, randomBytes(MIB, 3), 3);
        }
    }

    @Test
    void servesConcurrentClientsOnOneThread() throws Exception {
        int clients = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0)) {
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                long seed = 100 + c;
                results.add(pool.submit(() -> {
                    try (Socket s = connect(server)) {
                        assertEchoes(s, randomBytes(128 * 1024 + (int) seed, seed), seed);
                    }
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

    @Test
    void halfCloseGetsTheEchoThenEndOfStream() throws Exception {
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            byte[] msg = randomBytes(300_000, 9);
            s.getOutputStream().write(msg);
            s.shutdownOutput();
            assertArrayEquals(msg, readExactly(s.getInputStream(), msg.length));
            assertEndOfStream(s);
        }
    }

    /** Clients that reset mid-stream (echo half sent) are closed alone; the others go on. */
    @Test
    void clientDisconnectingMidStreamDoesNotHurtOthers() throws Exception {
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0);
             Socket a = connect(server);
             Socket b = connect(server)) {
            assertSmallEcho(a, "a1");
            for (int i = 0; i < 5; i++) {
                Socket victim = connect(server);
                // more than the buffers hold: the server is mid-write (interest WRITE) when we reset
                victim.getOutputStream().write(randomBytes(512 * 1024, i));
                readExactly(victim.getInputStream(), 1000);
                SeedTestSupport.reset(victim);
                assertSmallEcho(b, "b" + i);
            }
            Socket quitter = connect(server);
            assertSmallEcho(quitter, "bye");
            quitter.close(); // plain EOF while registered for READ
            assertEchoes(a, randomBytes(MIB, 11), 11);
            try (Socket late = connect(server)) {
                assertSmallEcho(late, "new client");
            }
        }
    }

    @Test
    void closeReleasesEveryFdAndTheThread() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
        int before = openSocketLikeFds();
        SeedServer server = S3CallbackEcho.start("127.0.0.1", 0);
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = connect(server);
                clients.add(s);
                assertSmallEcho(s, "x" + i);
            }
            // one with a write pending: the server holds unsent bytes for it
            Socket stuck = connect(server);
            clients.add(stuck);
            stuck.getOutputStream().write(randomBytes(MIB, 5));
            assertTrue(openSocketLikeFds() > before);
        } finally {
            server.close();
        }
        assertThreadsEnd("s3-");
        for (Socket s : clients) {
            s.close();
        }
        assertEquals(before, openSocketLikeFds(), "fds left open after close");
    }

    /**
     * EMFILE on accept: the listener is level-triggered, so without a pause the loop would
     * retry at once, for ever. It must pause, then accept the waiting client once fds are free.
     */
    @Test
    void runningOutOfFdsPausesAcceptingAndRecovers() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd and RLIMIT_NOFILE");
        try (S3CallbackEcho server = (S3CallbackEcho) S3CallbackEcho.start("127.0.0.1", 0)) {
            Socket waiting;
            try (SeedTestSupport.FdExhaustion fds = new SeedTestSupport.FdExhaustion()) {
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
                assertSmallEcho(s, "served after the fd shortage");
            }
        }
    }
}
