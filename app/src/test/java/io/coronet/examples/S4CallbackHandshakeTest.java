package io.coronet.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.coronet.examples.SeedTestSupport.MIB;
import static io.coronet.examples.SeedTestSupport.assertAcceptPausesOnEmfileAndRecovers;
import static io.coronet.examples.SeedTestSupport.assertCloseReleasesEveryFd;
import static io.coronet.examples.SeedTestSupport.assertClosedByServer;
import static io.coronet.examples.SeedTestSupport.assertEchoes;
import static io.coronet.examples.SeedTestSupport.assertEndOfStream;
import static io.coronet.examples.SeedTestSupport.assertSmallEcho;
import static io.coronet.examples.SeedTestSupport.assertSmallEchoes;
import static io.coronet.examples.SeedTestSupport.connect;
import static io.coronet.examples.SeedTestSupport.randomBytes;
import static io.coronet.examples.SeedTestSupport.readExactly;
import static io.coronet.examples.SeedTestSupport.runConcurrently;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class S4CallbackHandshakeTest {
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void warmUp() throws Exception {
        SeedTestSupport.warmUp(S4CallbackHandshake::start, S4CallbackHandshakeTest::greet);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends the greeting and expects the server's "hello\n". */
    private static void greet(Socket s) throws Exception {
        s.getOutputStream().write(ascii("hello\n"));
        assertArrayEquals(HELLO, readExactly(s.getInputStream(), HELLO.length));
    }

    @Test
    void handshakeThenEcho() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            greet(s);
            assertSmallEchoes(s, 50);
            assertSmallEcho(s, "hello\n"); // after the handshake "hello" is data like any other
        }
    }

    /** "\r\n" and surrounding whitespace are accepted, like the seed's .strip(). */
    @Test
    void greetingVariantsAreAccepted() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0)) {
            for (String greeting : new String[] {"hello\r\n", "  hello\t\n", " hello \r\n", "\thello\n"}) {
                try (Socket s = connect(server)) {
                    s.getOutputStream().write(ascii(greeting));
                    assertArrayEquals(HELLO, readExactly(s.getInputStream(), HELLO.length), greeting);
                    assertSmallEcho(s, "ok");
                }
            }
        }
    }

    @Test
    void wrongGreetingIsClosed() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0)) {
            for (String greeting : new String[] {"bye\n", "hello there\n", "HELLO\n", "hell\n", "\n", "hel\u00e9lo\n"}) {
                try (Socket s = connect(server)) {
                    s.getOutputStream().write(greeting.getBytes(StandardCharsets.UTF_8));
                    // everything we sent was read, so the close is a clean FIN, not a reset
                    assertEquals(-1, s.getInputStream().read(), greeting);
                }
            }
        }
    }

    @Test
    void eofBeforeGreetingIsClosed() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            s.getOutputStream().write(ascii("hel"));
            s.shutdownOutput();
            assertEndOfStream(s);
        }
    }

    /** The seed assumes one recv holds the greeting; here it may come in pieces. */
    @Test
    void splitGreetingIsAccepted() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("he"));
            out.flush();
            Thread.sleep(50); // let "he" arrive (and be read) on its own
            out.write(ascii("llo"));
            out.flush();
            Thread.sleep(50);
            out.write(ascii("\r"));
            out.flush();
            Thread.sleep(50);
            out.write(ascii("\n"));
            assertArrayEquals(HELLO, readExactly(s.getInputStream(), HELLO.length));
            assertSmallEcho(s, "after a split greeting");
        }
    }

    /** The seed drops what follows the greeting in the same recv; we echo it. */
    @Test
    void dataInTheGreetingPacketIsEchoed() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            byte[] data = ascii("first data\nsecond line\n");
            byte[] packet = new byte[6 + data.length];
            System.arraycopy(ascii("hello\n"), 0, packet, 0, 6);
            System.arraycopy(data, 0, packet, 6, data.length);
            s.getOutputStream().write(packet); // one write: one segment on loopback
            byte[] expected = new byte[HELLO.length + data.length];
            System.arraycopy(HELLO, 0, expected, 0, HELLO.length);
            System.arraycopy(data, 0, expected, HELLO.length, data.length);
            assertArrayEquals(expected, readExactly(s.getInputStream(), expected.length));
            assertSmallEcho(s, "more");
        }
    }

    @Test
    void greetingFollowedByALargePayloadInOneWrite() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            byte[] data = randomBytes(200_000, 13);
            byte[] packet = new byte[6 + data.length];
            System.arraycopy(ascii("hello\n"), 0, packet, 0, 6);
            System.arraycopy(data, 0, packet, 6, data.length);
            s.getOutputStream().write(packet);
            assertArrayEquals(HELLO, readExactly(s.getInputStream(), HELLO.length));
            assertArrayEquals(data, readExactly(s.getInputStream(), data.length));
        }
    }

    @Test
    void oversizedGreetingIsClosed() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            byte[] noNewline = new byte[2048];
            java.util.Arrays.fill(noNewline, (byte) 'h');
            s.getOutputStream().write(noNewline);
            assertClosedByServer(s); // FIN, or RST if it closed before reading all 2 KiB
        }
    }

    /** Exactly MAX_GREETING bytes of line is allowed (if it strips to "hello"); one more is not. */
    @Test
    void greetingLengthLimitIsInclusive() throws Exception {
        int max = S4CallbackHandshake.MAX_GREETING;
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0)) {
            try (Socket s = connect(server)) {
                s.getOutputStream().write(ascii(" ".repeat(max - 5) + "hello\r\n"));
                assertArrayEquals(HELLO, readExactly(s.getInputStream(), HELLO.length));
            }
            try (Socket s = connect(server)) {
                s.getOutputStream().write(ascii(" ".repeat(max - 4) + "hello\n"));
                assertClosedByServer(s);
            }
        }
    }

    @Test
    void slowGreetingIsClosedAtTheDeadline() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0, Duration.ofMillis(200));
             Socket silent = connect(server);
             Socket partial = connect(server)) {
            partial.getOutputStream().write(ascii("hel"));
            assertEndOfStream(silent);  // bounded by the 10 s read timeout, expected after ~200 ms
            assertEndOfStream(partial);
            try (Socket prompt = connect(server)) {
                greet(prompt); // the deadline is per connection: a prompt client is still served
                assertSmallEcho(prompt, "served");
            }
        }
    }

    @Test
    void echoesOneMebibyteAfterTheHandshake() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket s = connect(server)) {
            greet(s);
            assertEchoes(s, randomBytes(MIB, 21), 21);
        }
    }

    @Test
    void concurrentClientsInDifferentPhases() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0)) {
            runConcurrently(12, c -> {
                long seed = 200 + c;
                boolean good = c % 3 != 0;
                try (Socket s = connect(server)) {
                    if (good) {
                        greet(s);
                        assertEchoes(s, randomBytes(64 * 1024 + (int) seed, seed), seed);
                    } else {
                        s.getOutputStream().write(ascii("nope\n"));
                        assertEndOfStream(s);
                    }
                }
            });
        }
    }

    @Test
    void resetMidStreamDoesNotHurtOthers() throws Exception {
        try (SeedServer server = S4CallbackHandshake.start("127.0.0.1", 0); Socket other = connect(server)) {
            greet(other);
            for (int i = 0; i < 3; i++) {
                Socket victim = connect(server);
                greet(victim);
                victim.getOutputStream().write(randomBytes(512 * 1024, i));
                readExactly(victim.getInputStream(), 1000);
                SeedTestSupport.reset(victim);
                assertSmallEcho(other, "still " + i);
            }
        }
    }

    @Test
    void closeReleasesEveryFdAndTheThread() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
        assertCloseReleasesEveryFd(S4CallbackHandshake::start, "s4-", (server, clients) -> {
            for (int i = 0; i < 5; i++) {
                Socket greeted = connect(server);
                clients.add(greeted);
                greet(greeted);
                Socket waiting = connect(server); // still AWAITING_GREETING at close
                clients.add(waiting);
                waiting.getOutputStream().write(ascii("hel"));
            }
            Socket writing = connect(server);
            clients.add(writing);
            greet(writing);
            writing.getOutputStream().write(randomBytes(MIB, 1)); // the server ends up with a write pending
            assertSmallEcho(clients.get(0), "sync"); // the loop has handled what came before
        });
    }

    /** EMFILE on accept: the level-triggered listener must pause, not spin, then recover. */
    @Test
    void runningOutOfFdsPausesAcceptingAndRecovers() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd and RLIMIT_NOFILE");
        try (S4CallbackHandshake server = (S4CallbackHandshake) S4CallbackHandshake.start("127.0.0.1", 0)) {
            assertAcceptPausesOnEmfileAndRecovers(server, s -> {
                greet(s);
                assertSmallEcho(s, "served after the fd shortage");
            });
        }
    }
}
