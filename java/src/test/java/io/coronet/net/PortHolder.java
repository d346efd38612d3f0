package io.coronet.net;

import io.coronet.loop.EventLoopGroup;

import java.time.Duration;

/**
 * A second process for the port tests: starts an echo TcpServer (args: port, loops, sharing),
 * prints "started PORT" or "failed CLASS: MESSAGE", and serves until its stdin closes.
 */
public final class PortHolder {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        TcpServer.PortSharing sharing = TcpServer.PortSharing.valueOf(args[2]);
        try (EventLoopGroup group = EventLoopGroup.start("holder", loops)) {
            TcpServer server;
            try {
                server = TcpServer.start(group, "127.0.0.1", port, 64, sharing, conn -> conn.write("holder\n"));
            } catch (Exception e) {
                System.out.println("failed " + e.getClass().getSimpleName() + ": " + e.getMessage());
                return;
            }
            System.out.println("started " + server.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent closes our stdin
            }
            group.shutdown(Duration.ZERO);
        }
    }
}
