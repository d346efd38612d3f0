package io.coronet.examples;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.Connection;
import io.coronet.net.TcpServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Seed program S5: the handshake of S4, written as a coroutine. The seed's point in one file:
 * S4 needs a state table per connection because a callback forgets where it was; here the
 * position in the code <em>is</em> the state.
 *
 * <pre>
 * def handshake(conn):                       # the seed's "what we really mean"
 *     data = conn.recv(65535)
 *     if not data:
 *         return False
 *     if data.decode('utf-8').strip() != "hello":
 *         return False
 *     conn.send(b"hello")
 *     return True
 * </pre>
 *
 * Protocol: the client's first line (ending in "\n" or "\r\n", surrounding whitespace ignored)
 * must be "hello", within {@code greetingTimeout} and at most {@link #MAX_GREETING} bytes; the
 * server answers "hello\n" and then echoes every byte, including any that arrived in the same
 * packet right after the greeting. Anything else: the connection is closed.
 */
public final class S5CoroutineHandshake implements TcpServer.Handler {
    public static final int MAX_GREETING = 1024;
    public static final Duration DEFAULT_GREETING_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

    private final Duration greetingTimeout;

    public S5CoroutineHandshake(Duration greetingTimeout) {
        this.greetingTimeout = greetingTimeout;
    }

    /**
     * The whole per-connection logic. Returns (and the caller closes) on a bad greeting or EOF.
     * The handler itself, not a lambda around a static method: while a connection waits, every
     * frame below this one sits on its frozen stack (heap), so the path to it is kept short.
     */
    @Override
    public void handle(Connection conn) throws Exception {
        String greeting = conn.readLine(MAX_GREETING, greetingTimeout);
        if (greeting == null || !greeting.strip().equals("hello")) {
            return;
        }
        conn.write(HELLO);
        Echo.serve(conn);
    }

    /** Starts S5 on one event loop (port 0: a free port). */
    public static SeedServer start(String host, int port) throws Exception {
        return start(host, port, DEFAULT_GREETING_TIMEOUT);
    }

    public static SeedServer start(String host, int port, Duration greetingTimeout) throws Exception {
        EventLoopGroup group = EventLoopGroup.start("s5", 1);
        try {
            TcpServer server = TcpServer.start(group, host, port, 1024, new S5CoroutineHandshake(greetingTimeout));
            return new LoopSeedServer(group, server);
        } catch (Exception e) {
            group.close();
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        SeedMain.run(args, S5CoroutineHandshake::start);
    }

    /** A seed server made of an event loop group and a TcpServer on it. */
    record LoopSeedServer(EventLoopGroup group, TcpServer server) implements SeedServer {
        @Override
        public String host() {
            return server.host();
        }

        @Override
        public int port() {
            return server.port();
        }

        @Override
        public void close() {
            group.shutdown(Duration.ofMillis(200));
            try {
                group.awaitTermination(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
