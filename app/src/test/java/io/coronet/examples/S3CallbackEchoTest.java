package io.coronet.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.coronet.examples.SeedTestSupport.MIB;
import static io.coronet.examples.SeedTestSupport.assertAcceptPausesOnEmfileAndRecovers;
import static io.coronet.examples.SeedTestSupport.assertCloseReleasesEveryFd;
import static io.coronet.examples.SeedTestSupport.assertEchoes;
import static io.coronet.examples.SeedTestSupport.assertEndOfStream;
import static io.coronet.examples.SeedTestSupport.assertSmallEcho;
import static io.coronet.examples.SeedTestSupport.assertSmallEchoes;
import static io.coronet.examples.SeedTestSupport.connect;
import static io.coronet.examples.SeedTestSupport.randomBytes;
import static io.coronet.examples.SeedTestSupport.readExactly;
import static io.coronet.examples.SeedTestSupport.runConcurrently;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class S3CallbackEchoTest {

    @BeforeAll
    static void warmUp() throws Exception {
        // the first server loads libcoronet and JDK socket classes: keep that out of fd counts
        SeedTestSupport.warmUp(S3CallbackEcho::start, s -> assertSmallEcho(s, "warm"));
    }

    @Test
    void echoesManyMessagesOnOneConnection() throws Exception {
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            assertSmallEchoes(s, 100);
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
        try (SeedServer server = S3CallbackEcho.start("127.0.0.1", 0)) {
            runConcurrently(16, c -> {
                long seed = 100 + c;
                try (Socket s = connect(server)) {
                    assertEchoes(s, randomBytes(128 * 1024 + (int) seed, seed), seed);
                }
            });
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
        assertCloseReleasesEveryFd(S3CallbackEcho::start, "s3-", (server, clients) -> {
            for (int i = 0; i < 10; i++) {
                Socket s = connect(server);
                clients.add(s);
                assertSmallEcho(s, "x" + i);
            }
            // one with a write pending: the server holds unsent bytes for it
            Socket stuck = connect(server);
            clients.add(stuck);
            stuck.getOutputStream().write(randomBytes(MIB, 5));
        });
    }

    /** EMFILE on accept: the level-triggered listener must pause, not spin, then recover. */
    @Test
    void runningOutOfFdsPausesAcceptingAndRecovers() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd and RLIMIT_NOFILE");
        try (S3CallbackEcho server = (S3CallbackEcho) S3CallbackEcho.start("127.0.0.1", 0)) {
            assertAcceptPausesOnEmfileAndRecovers(server, s -> assertSmallEcho(s, "served after the fd shortage"));
        }
    }
}
