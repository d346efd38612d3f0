package io.coronet.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.coronet.examples.SeedTestSupport.MIB;
import static io.coronet.examples.SeedTestSupport.assertCloseReleasesEveryFd;
import static io.coronet.examples.SeedTestSupport.assertEchoes;
import static io.coronet.examples.SeedTestSupport.assertEndOfStream;
import static io.coronet.examples.SeedTestSupport.assertSmallEcho;
import static io.coronet.examples.SeedTestSupport.assertSmallEchoes;
import static io.coronet.examples.SeedTestSupport.assertThreadsEnd;
import static io.coronet.examples.SeedTestSupport.connect;
import static io.coronet.examples.SeedTestSupport.randomBytes;
import static io.coronet.examples.SeedTestSupport.readExactly;
import static io.coronet.examples.SeedTestSupport.runConcurrently;
import static io.coronet.examples.SeedTestSupport.warmUp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class S2ThreadedEchoTest {

    @Test
    void echoesManyMessagesOnOneConnection() throws Exception {
        try (SeedServer server = S2ThreadedEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            assertSmallEchoes(s, 100);
        }
    }

    @Test
    void echoesOneMebibyteByteForByte() throws Exception {
        try (SeedServer server = S2ThreadedEcho.start("127.0.0.1", 0); Socket s = connect(server)) {
            assertEchoes(s, randomBytes(MIB, 42), 42);
        }
    }

    @Test
    void servesConcurrentClients() throws Exception {
        try (SeedServer server = S2ThreadedEcho.start("127.0.0.1", 0)) {
            runConcurrently(8, c -> {
                long seed = c;
                try (Socket s = connect(server)) {
                    assertEchoes(s, randomBytes(256 * 1024 + (int) seed, seed), seed);
                }
            });
        }
    }

    /** Half-close: the client's FIN ends the handler only after the echo of what came before it. */
    @Test
    void endOfStreamEndsTheConnectionAfterTheEcho() throws Exception {
        try (S2ThreadedEcho server = (S2ThreadedEcho) S2ThreadedEcho.start("127.0.0.1", 0);
             Socket s = connect(server)) {
            byte[] msg = randomBytes(100_000, 7);
            s.getOutputStream().write(msg);
            s.shutdownOutput();
            assertArrayEquals(msg, readExactly(s.getInputStream(), msg.length));
            assertEndOfStream(s);
            for (int i = 0; i < 1000 && server.connectionCount() > 0; i++) {
                Thread.sleep(10); // the handler closes its fd just after the FIN it sent us
            }
            assertEquals(0, server.connectionCount(), "the handler thread did not end at EOF");
        }
    }

    @Test
    void resetConnectionDoesNotHurtTheServerOrOthers() throws Exception {
        try (SeedServer server = S2ThreadedEcho.start("127.0.0.1", 0); Socket other = connect(server)) {
            assertSmallEcho(other, "before");
            for (int i = 0; i < 5; i++) {
                Socket victim = connect(server);
                victim.getOutputStream().write(randomBytes(200_000, i)); // echo in flight, unread
                SeedTestSupport.reset(victim);
            }
            assertSmallEcho(other, "after");
            try (Socket late = connect(server)) {
                assertSmallEcho(late, "new client");
            }
        }
    }

    @Test
    void closeEndsEveryThreadEvenWithSilentClients() throws Exception {
        S2ThreadedEcho server = (S2ThreadedEcho) S2ThreadedEcho.start("127.0.0.1", 0);
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = connect(server);
                silent.add(s);
                assertSmallEcho(s, "hi"); // now its thread exists and is blocked in read
            }
            assertEquals(4, server.connectionCount());
            server.close();
            assertEquals(0, server.connectionCount());
            assertThreadsEnd("s2-");
            for (Socket s : silent) {
                assertEquals(-1, s.getInputStream().read());
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    @Test
    void closeReleasesEveryFd() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
        warmUp(S2ThreadedEcho::start, s -> assertSmallEcho(s, "warm")); // loads what the first server loads
        assertCloseReleasesEveryFd(S2ThreadedEcho::start, "s2-", (server, clients) -> {
            for (int i = 0; i < 5; i++) {
                Socket s = connect(server);
                clients.add(s);
                assertSmallEcho(s, "x" + i); // its thread is now blocked in read
            }
        });
    }
}
