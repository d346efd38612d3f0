package io.coronet.net;

import io.coronet.examples.S5CoroutineHandshake;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** The handshake + echo protocol of the daemon (S5), over real sockets. */
class HandshakeTest extends EchoServerFixture {
    static final Duration GREETING_TIMEOUT = Duration.ofMillis(300);

    @Override
    TcpServer.Handler handler() {
        return new S5CoroutineHandshake(GREETING_TIMEOUT);
    }

    private static void assertClosedByServer(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        int b;
        try {
            b = in.read();
        } catch (java.net.SocketException reset) {
            return; // closed with unread data in its buffer: the kernel answers with RST. Also closed.
        }
        assertEquals(-1, b, "the server should have closed the connection");
    }

    @Test
    void helloIsAnsweredAndThenEverythingIsEchoed() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "hello\n");
            assertEquals("hello\n", new String(readExactly(s.getInputStream(), 6)));
            write(s.getOutputStream(), "ping");
            assertEquals("ping", new String(readExactly(s.getInputStream(), 4)));
        }
    }

    @Test
    void crlfAndSurroundingWhitespaceAreAccepted() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "  hello \t\r\n");
            assertEquals("hello\n", new String(readExactly(s.getInputStream(), 6)));
        }
    }

    @Test
    void aWrongGreetingIsClosed() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "helo\n");
            assertClosedByServer(s);
        }
    }

    @Test
    void aGreetingSplitOverSeveralPacketsWorks() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            for (String part : new String[] {"h", "el", "lo", "\r", "\n"}) {
                write(out, part);
                Thread.sleep(20); // separate segments
            }
            assertEquals("hello\n", new String(readExactly(s.getInputStream(), 6)));
        }
    }

    @Test
    void bytesInTheSamePacketAfterTheGreetingAreEchoedNotLost() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "hello\nfirst data\nsecond");
            assertEquals("hello\nfirst data\nsecond", new String(readExactly(s.getInputStream(), 23)));
        }
    }

    @Test
    void aGreetingOverOneKilobyteIsClosed() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "x".repeat(2048)); // no newline at all
            assertClosedByServer(s);
        }
        try (Socket s = connect()) {
            write(s.getOutputStream(), "hello" + " ".repeat(1100) + "\n"); // strips to hello, but too long
            assertClosedByServer(s);
        }
    }

    @Test
    void aSlowGreetingIsClosedAtTheDeadline() throws Exception {
        try (Socket s = connect()) {
            write(s.getOutputStream(), "hel"); // and then nothing
            assertClosedByServer(s);
        }
        try (Socket s = connect()) { // connect and say nothing at all
            assertClosedByServer(s);
        }
    }

    @Test
    void aGreetingTrickledInSlowerThanTheDeadlineIsClosed() throws Exception {
        // every byte arrives well within the 300 ms deadline, the whole line does not: the
        // deadline is for the line, not per read (a slowloris client cannot hold a connection)
        try (Socket s = connect()) {
            boolean closedEarly = false;
            for (char c : "hello\n".toCharArray()) {
                try {
                    write(s.getOutputStream(), String.valueOf(c));
                } catch (java.io.IOException reset) {
                    closedEarly = true;
                    break;
                }
                Thread.sleep(100);
            }
            if (!closedEarly) {
                assertClosedByServer(s);
            }
        }
    }

    @Test
    void eofBeforeTheGreetingEndsQuietly() throws Exception {
        try (Socket s = connect()) {
            s.shutdownOutput();
            assertClosedByServer(s);
        }
        try (Socket ok = connect()) { // and the server is fine
            write(ok.getOutputStream(), "hello\n");
            assertEquals("hello\n", new String(readExactly(ok.getInputStream(), 6)));
        }
    }
}
