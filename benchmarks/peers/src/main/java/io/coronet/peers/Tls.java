package io.coronet.peers;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import java.io.File;
import javax.net.ssl.SSLContext;

/**
 * The peers' TLS: the JDK's own engine for both (Netty on SslProvider.JDK, virtual threads on
 * SSLSocket), TLS 1.3 and 1.2, the PEM files coronet serves; Netty reads the PEM for both.
 */
final class Tls {
    private Tls() {
    }

    static SslContext nettyContext(ServerOptions options) throws Exception {
        return SslContextBuilder.forServer(new File(options.tlsCert()), new File(options.tlsKey()))
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
    }

    static SSLContext jdkContext(ServerOptions options) throws Exception {
        return ((JdkSslContext) nettyContext(options)).context();
    }
}
