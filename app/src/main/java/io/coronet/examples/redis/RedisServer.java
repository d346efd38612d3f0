package io.coronet.examples.redis;

import io.coronet.loop.EventLoopGroup;
import io.coronet.net.Connection;
import io.coronet.net.TcpServer;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * coronet's mini-redis: a RESP2 server with an in-memory string store, one coroutine per
 * connection that reads a request, runs it and writes the reply, straight down:
 *
 * <pre>{@code
 * while (reader.next(cmd)) {         // suspends while the client sends nothing
 *     table.execute(session, cmd, replies);
 *     if (session.isClosing()) break; // QUIT
 * }
 * }</pre>
 *
 * Replies go to the connection's buffered output and leave in one write when the reader
 * waits for more input, so a pipeline that arrived in one read is answered with one send. A protocol error gets
 * Redis's {@code -ERR Protocol error: ...} and the connection is closed; other connections
 * never notice.
 */
public final class RedisServer implements TcpServer.Handler {
    private final Store store = new Store();
    private final ServerStats stats = new ServerStats();
    private final CommandTable table = new Commands(store, stats).table();
    private final RespLimits limits;
    private final AtomicLong nextClientId = new AtomicLong();

    public RedisServer(RespLimits limits) {
        this.limits = limits;
    }

    public RedisServer() {
        this(RespLimits.DEFAULT);
    }

    /**
     * Serves on host:port on every loop of {@code group} (port 0: a free one), with the expiry
     * sweep on the first loop.
     */
    public TcpServer start(EventLoopGroup group, String host, int port, int backlog) throws Exception {
        TcpServer server = TcpServer.start(group, host, port, backlog, this);
        stats.started(server.port(), group.size());
        ExpirySweeper.start(store, group.get(0));
        return server;
    }

    @Override
    public void handle(Connection conn) throws IOException {
        Replies replies = new Replies(conn);
        Session session = new Session(nextClientId.incrementAndGet());
        Command cmd = new Command();
        stats.connected();
        try (RespReader reader = new RespReader(conn, limits)) {
            while (reader.next(cmd)) {
                table.execute(session, cmd, replies);
                if (session.isClosing()) {
                    break;
                }
            }
        } catch (ProtocolException e) {
            replies.error("ERR Protocol error: " + e.getMessage());
        } finally {
            stats.disconnected();
        }
        replies.flush(); // what is left: the last replies before EOF or QUIT, or the protocol error
    }

    RespLimits limits() {
        return limits;
    }

    /** Keys in the store (tests). */
    int size() {
        return store.size();
    }

    Store store() {
        return store;
    }
}
