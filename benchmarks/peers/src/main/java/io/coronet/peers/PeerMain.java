package io.coronet.peers;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code java -jar peers.jar <server> --protocol echo|handshake [--host H] [--port P]}
 *
 * <p>Prints exactly one line, {@code listening on HOST:PORT}, when the server accepts connections,
 * and exits 0 on SIGTERM or SIGINT (the JVM's default would be exit status 143 / 130, which a
 * runner would have to special-case).
 */
public final class PeerMain {
    static final String SERVERS = "netty-epoll|netty-nio|nio|vthreads|vthreads-redis";

    public static void main(String[] args) throws Exception {
        if (args.length < 1) usage("missing server name");
        PeerServer server = switch (args[0]) {
            case "netty-epoll" -> new NettyServer(NettyServer.Transport.EPOLL);
            case "netty-nio" -> new NettyServer(NettyServer.Transport.NIO);
            case "nio" -> new NioSelectorServer();
            case "vthreads" -> new VirtualThreadServer();
            case "vthreads-redis" -> new VirtualThreadRedisServer(); // RESP: --protocol is ignored
            default -> { usage("unknown server " + args[0]); yield null; }
        };
        ServerOptions options;
        try {
            options = ServerOptions.parse(List.of(Arrays.copyOfRange(args, 1, args.length)));
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());

        InetSocketAddress bound = server.start(options);
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
        System.out.flush();
        stop.await();
        server.close();
        System.exit(0);
    }

    private static void usage(String problem) {
        System.err.println("peers: " + problem);
        System.err.println("usage: java -jar peers.jar <" + SERVERS + "> --protocol echo|handshake [--host H] [--port P]");
        System.exit(2);
    }

    private PeerMain() {}
}
