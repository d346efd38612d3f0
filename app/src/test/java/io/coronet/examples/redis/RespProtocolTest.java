package io.coronet.examples.redis;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The RESP parser over real sockets: frames split at every byte, the protocol limits and
 * Redis's protocol error texts (each followed by the server closing the connection), and
 * memory that follows what a client sent, not what it announced.
 */
class RespProtocolTest extends RedisFixture {

    @Override
    RespLimits limits() {
        return new RespLimits(1 << 20, 1000, 1024); // small, so tests reach them cheaply
    }

    @Test
    void aRequestTrickledInOneByteAtATimeIsParsedWhole() throws Exception {
        try (Socket s = connect()) {
            byte[] req = (resp("SET", "k", "x".repeat(300)) + resp("GET", "k")).getBytes(StandardCharsets.US_ASCII);
            for (byte b : req) {
                send(s, new byte[] {b});
            }
            assertEquals("+OK\r\n$300\r\n" + "x".repeat(300) + "\r\n", receive(s, 5 + 6 + 300 + 2));
        }
    }

    @Test
    void emptyMultibulkRequestsAreSkipped() throws Exception {
        try (Socket s = connect()) {
            assertEquals("+PONG\r\n", roundTrip(s, "*0\r\n*-1\r\n" + resp("PING"), 7));
        }
    }

    private void assertProtocolError(String request, String message) throws Exception {
        try (Socket s = connect()) {
            send(s, request);
            assertEquals("-ERR Protocol error: " + message + "\r\n", readToEnd(s), "for " + request.substring(0, Math.min(40, request.length())));
        }
        // and the server goes on serving everybody else
        try (Socket s = connect()) {
            assertEquals("+PONG\r\n", roundTrip(s, resp("PING"), 7));
        }
    }

    @Test
    void protocolErrorsGetRedisTextAndClose() throws Exception {
        assertProtocolError("*x\r\n", "invalid multibulk length");
        assertProtocolError("*1001\r\n", "invalid multibulk length"); // limit: 1000 arguments here
        assertProtocolError("*99999999999999999999999\r\n", "invalid multibulk length");
        assertProtocolError("*1\r\n:3\r\n", "expected '$', got ':'");
        assertProtocolError("*1\r\n$-1\r\n", "invalid bulk length");
        assertProtocolError("*1\r\n$abc\r\n", "invalid bulk length");
        assertProtocolError("*2\r\n$3\r\nSET\r\n$1048577\r\n", "invalid bulk length"); // limit: 1 MiB here
        assertProtocolError("*2\r\n$3\r\nSET\r\n$9223372036854775807\r\n", "invalid bulk length");
        assertProtocolError("*" + "1".repeat(1100), "too big mbulk count string");
        assertProtocolError("*1\r\n$" + "1".repeat(1100), "too big bulk count string");
        assertProtocolError("GET " + "k".repeat(1100), "too big inline request");
        assertProtocolError("ECHO 'unbalanced\r\n", "unbalanced quotes in request");
    }

    @Test
    void theLargestAllowedArgumentIsAccepted() throws Exception {
        try (Socket s = connect()) {
            String v = "v".repeat(1 << 20);
            send(s, resp("SET", "big", v));
            assertEquals("+OK\r\n", receive(s, 5));
            send(s, resp("GET", "big"));
            assertEquals("$1048576\r\n" + v + "\r\n", receive(s, 10 + v.length() + 2));
        }
    }

    @Test
    void aClientThatAnnouncesAHugeValueAndStallsHoldsOnlyWhatItSent() throws Exception {
        // a server of its own, to look at the reader of the stalled connection
        AtomicReference<RespReader> reader = new AtomicReference<>();
        RedisServer probe = new RedisServer(new RespLimits(64 << 20, 1000, 1024));
        EventLoopGroup g = EventLoopGroup.start("stall", 1);
        try {
            TcpServer srv = TcpServer.start(g, "127.0.0.1", 0, 16, conn -> {
                Replies replies = new Replies(conn);
                try (RespReader r = new RespReader(conn, probe.limits())) {
                    reader.set(r);
                    Command cmd = new Command();
                    while (r.next(cmd)) {
                        replies.ok();
                    }
                }
            });
            try (Socket s = new Socket("127.0.0.1", srv.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$60000000\r\n" + "x".repeat(10_000)).getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                await("the server to have read the 10,000 bytes", () -> reader.get() != null && reader.get().buffered() >= 10_000);
                int capacity = reader.get().capacity();
                assertTrue(capacity <= 32 * 1024, "60 MB announced, 10 KB sent: the reader holds " + capacity + " bytes");
            }
        } finally {
            g.shutdown(Duration.ofMillis(100));
            assertTrue(g.awaitTermination(WAIT));
        }
    }

    @Test
    void wrongArgumentsKeepTheConnectionUsable() throws Exception {
        try (Socket s = connect()) {
            String unknown = "-ERR unknown command 'nope', with args beginning with: 'a' \r\n";
            assertEquals(unknown, roundTrip(s, resp("nope", "a"), unknown.length()));
            String arity = "-ERR wrong number of arguments for 'get' command\r\n";
            assertEquals(arity, roundTrip(s, resp("GET"), arity.length()));
            send(s, resp("SET", "s", "text"));
            assertEquals("+OK\r\n", receive(s, 5));
            String notInt = "-ERR value is not an integer or out of range\r\n";
            assertEquals(notInt, roundTrip(s, resp("INCR", "s"), notInt.length()));
            assertEquals("+PONG\r\n", roundTrip(s, resp("PING"), 7));
        }
    }
}
