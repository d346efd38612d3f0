package io.coronet.peers;

import java.util.List;

/** The command line every peer server shares: {@code --protocol echo|handshake --host H --port P}. */
record ServerOptions(Protocol protocol, String host, int port) {

    static ServerOptions parse(List<String> args) {
        Protocol protocol = Protocol.ECHO;
        String host = "127.0.0.1";
        int port = 0;
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
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        return new ServerOptions(protocol, host, port);
    }
}
