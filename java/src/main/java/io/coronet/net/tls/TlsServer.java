package io.coronet.net.tls;

import io.coronet.coro.Coroutine;
import io.coronet.net.Connection;
import io.coronet.net.TcpConnection;
import io.coronet.net.TcpServer;

/**
 * TLS for a {@link TcpServer}: {@code TcpServer.start(group, host, port, backlog,
 * TlsServer.handler(config, handler))} serves {@code handler} over TLS, unchanged.
 *
 * <pre>{@code
 * TlsConfig tls = TlsConfig.server(KeyMaterial.fromPem(cert, key)).build();
 * TcpServer.start(group, "0.0.0.0", 8443, 1024, TlsServer.handler(tls, Echo::serve));
 * }</pre>
 *
 * <h2>Where the handshake runs</h2>
 * In each connection's own coroutine, before the handler, never in the accepting coroutine:
 * a client that connects and says nothing (or trickles its ClientHello) delays only itself,
 * and is closed when the handshake deadline ({@link TlsConfig#handshakeTimeout()}, 10 s by
 * default) passes. Eagerly rather than on the first read or write, so a handler never sees an
 * unauthenticated connection (a server that speaks first would otherwise write to a peer
 * whose certificate nobody has checked yet) and the deadline covers exactly the handshake.
 * While it waits for the peer the connection holds no buffer and no thread.
 */
public final class TlsServer {
    private TlsServer() {
    }

    /**
     * A server handler that makes each accepted connection a {@link TlsConnection}, runs its
     * handshake under the config's deadline, then {@code handler} with it; closes it (with
     * close_notify) after the handler returns. {@code handler} may take a {@link Connection}
     * (a {@link TcpServer.Handler}) or a {@link TlsConnection}.
     */
    public static TcpServer.Handler handler(TlsConfig config, Coroutine.Handler<? super TlsConnection> handler) {
        if (!config.isServer()) {
            throw new IllegalArgumentException("TlsServer.handler needs a server config (TlsConfig.server(keys)), not a client's");
        }
        java.util.Objects.requireNonNull(handler, "handler");
        return conn -> serve(config, handler, conn);
    }

    private static void serve(TlsConfig config, Coroutine.Handler<? super TlsConnection> handler, Connection conn) throws Exception {
        if (!(conn instanceof TcpConnection tcp)) {
            throw new IllegalArgumentException("TLS runs over a TcpConnection, not " + conn);
        }
        TlsConnection tls = TlsConnection.server(tcp, config);
        try {
            tls.handshake();
            handler.handle(tls);
        } finally {
            tls.close();
        }
    }
}
