package io.coronet.peers;

import java.util.List;

/**
 * The command line every peer server shares: {@code --protocol echo|handshake --host H --port P
 * [--tls-cert PEM --tls-key PEM]} (TLS: the Netty and virtual-thread servers).
 */
record ServerOptions(Protocol protocol, String host, int port, String tlsCert, String tlsKey) {

    boolean tls() {
        return tlsCert != null;
    }

    static ServerOptions parse(List<String> args) {
        Protocol protocol = Protocol.ECHO;
        String host = "127.0.0.1";
        int port = 0;
        String tlsCert = null, tlsKey = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (i + 1 >= args.size()) throw new IllegalArgumentException("missing value for " + arg);
            String value = args.get(++i);
            switch (arg) {
                case "--protocol" -> protocol = Protocol.parse(value);
                case "--host" -> host = value;
                case "--port" -> {
                    port = Integer.parseInt(value);
                    if (port < 0 || port > 65535) throw new IllegalArgumentException("--port out of range: " + value);
                }
                case "--tls-cert" -> tlsCert = value;
                case "--tls-key" -> tlsKey = value;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        return new ServerOptions(protocol, host, port, tlsCert, tlsKey);
    }
}
