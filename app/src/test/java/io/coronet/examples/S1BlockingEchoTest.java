package io.coronet.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.coronet.examples.SeedTestSupport.assertCloseReleasesEveryFd;
import static io.coronet.examples.SeedTestSupport.assertEndOfStream;
import static io.coronet.examples.SeedTestSupport.assertSmallEcho;
import static io.coronet.examples.SeedTestSupport.assertThreadsEnd;
import static io.coronet.examples.SeedTestSupport.connect;
import static io.coronet.examples.SeedTestSupport.randomBytes;
import static io.coronet.examples.SeedTestSupport.readExactly;
import static io.coronet.examples.SeedTestSupport.warmUp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class S1BlockingEchoTest {

    @Test
    void echoesOneMessageThenCloses() throws Exception {
        try (SeedServer server = S1BlockingEcho.start("127.0.0.1", 0)) {
            assertTrue(server.port() > 0);
            try (Socket s = connect(server)) {
                byte[] msg = randomBytes(S1BlockingEcho.RECV_SIZE, 1); // the most one recv(1024) takes
                s.getOutputStream().write(msg);
                assertArrayEquals(msg, readExactly(s.getInputStream(), msg.length));
                assertEndOfStream(s); // one recv, one reply, closed (the seed leaks the connection)
            }
        }
    }

    @Test
    void servesClientsOneAfterAnother() throws Exception {
        try (SeedServer server = S1BlockingEcho.start("127.0.0.1", 0)) {
            for (int i = 0; i < 20; i++) {
                try (Socket s = connect(server)) {
                    byte[] msg = ("message " + i + "\n").getBytes();
                    s.getOutputStream().write(msg);
                    assertArrayEquals(msg, readExactly(s.getInputStream(), msg.length));
                    assertEndOfStream(s);
                }
            }
        }
    }

    /**
     * The seed's point: a silent client holds the only thread, so a second client waits in the
     * backlog until the first has been answered. Both are answered, in accept order.
     */
    @Test
    void silentClientDelaysTheNextOneButBothAreServed() throws Exception {
        try (SeedServer server = S1BlockingEcho.start("127.0.0.1", 0);
             Socket first = connect(server);
             Socket second = connect(server)) {
            OutputStream out2 = second.getOutputStream();
            out2.write("second".getBytes());
            first.getOutputStream().write("first".getBytes());
            assertArrayEquals("first".getBytes(), readExactly(first.getInputStream(), 5));
            assertArrayEquals("second".getBytes(), readExactly(second.getInputStream(), 6));
        }
    }

    @Test
    void peerThatClosesWithoutSendingIsSkipped() throws Exception {
        try (SeedServer server = S1BlockingEcho.start("127.0.0.1", 0)) {
            connect(server).close(); // recv returns 0: nothing to send back
            SeedTestSupport.reset(connect(server)); // recv fails with ECONNRESET: logged, not fatal
            try (Socket s = connect(server)) {
                SeedTestSupport.assertSmallEcho(s, "still here");
            }
        }
    }

    /** close() must not hang on a thread blocked in read(2) on a client that never sends. */
    @Test
    void closeWakesAThreadBlockedOnASilentClient() throws Exception {
        S1BlockingEcho server = (S1BlockingEcho) S1BlockingEcho.start("127.0.0.1", 0);
        try (Socket silent = connect(server)) {
            for (int i = 0; i < 1000 && !server.hasConnection(); i++) {
                Thread.sleep(10); // until the server thread has accepted it (and sits in read)
            }
            assertTrue(server.hasConnection(), "the silent client was not accepted");
            server.close();
            assertThreadsEnd("s1-blocking-echo");
            assertEquals(-1, silent.getInputStream().read()); // shut down, then closed by the server
        }
    }

    @Test
    void closeWakesAThreadBlockedInAccept() throws Exception {
        SeedServer server = S1BlockingEcho.start("127.0.0.1", 0);
        server.close();
        assertThreadsEnd("s1-blocking-echo");
        server.close(); // idempotent
    }

    @Test
    void closeReleasesEveryFd() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
        warmUp(S1BlockingEcho::start, s -> assertSmallEcho(s, "warm")); // loads what the first server loads
        assertCloseReleasesEveryFd(S1BlockingEcho::start, "s1-", (server, clients) -> {
            for (int i = 0; i < 5; i++) {
                try (Socket s = connect(server)) {
                    assertSmallEcho(s, "x" + i);
                }
            }
            Socket silent = connect(server); // in the backlog or being read at close
            clients.add(silent);
        });
    }
}
