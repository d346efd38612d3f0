package io.coronet.cli;

import io.coronet.examples.Echo;
import io.coronet.examples.S5CoroutineHandshake;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code coronet serve}: the daemon. One event loop per core, each with its own SO_REUSEPORT
 * listener; the handshake protocol (or plain echo) on every connection.
 *
 * <p>Lifecycle: prints {@code listening on HOST:PORT} on stdout once every listener is bound;
 * on SIGINT/SIGTERM stops accepting, gives open connections {@code --grace} to finish, closes
 * the rest and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the coronet daemon: handshake + echo (default) or plain echo over TCP.")
final class ServeCommand implements Callable<Integer> {
    enum Protocol { echo, handshake }

    @Option(names = "--protocol", description = "echo or handshake (default: ${DEFAULT-VALUE})")
    Protocol protocol = Protocol.handshake;

    @Option(names = "--host", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "port to bind, 0 for a free one (default: ${DEFAULT-VALUE})")
    int port = 5566;

    @Option(names = "--loops", description = "event loops, one thread each (default: number of cores)")
    Integer loops;

    @Option(names = "--greeting-timeout", converter = DurationConverter.class,
            description = "time a client has to send its greeting line, e.g. 10s or 500ms (default: 10s)")
    Duration greetingTimeout = S5CoroutineHandshake.DEFAULT_GREETING_TIMEOUT;

    @Option(names = "--grace", converter = DurationConverter.class,
            description = "on SIGTERM/SIGINT, how long open connections may finish (default: 2s)")
    Duration grace = Duration.ofSeconds(2);

    @Option(names = "--backlog", description = "listen backlog (default: ${DEFAULT-VALUE})")
    int backlog = 4096;

    @Override
    public Integer call() throws Exception {
        int n = loops != null ? loops : Runtime.getRuntime().availableProcessors();
        if (n < 1 || port < 0 || port > 65535 || backlog < 1 || greetingTimeout.isNegative() || grace.isNegative()) {
            System.err.println("coronet serve: --loops must be >= 1, --port 0..65535, --backlog >= 1, durations >= 0");
            return 2;
        }
        Cli.configureLogging();
        Cli.log(FdLimit.raiseToHardLimit());
        TcpServer.Handler handler = protocol == Protocol.echo
                ? Echo::serve
                : new S5CoroutineHandshake(greetingTimeout);
        EventLoopGroup group = EventLoopGroup.start("coronet-loop", n);
        TcpServer server;
        try {
            server = TcpServer.start(group, host, port, backlog, handler);
        } catch (Exception e) {
            group.shutdown(Duration.ZERO);
            throw e;
        }
        Cli.onTerminationSignal(signal -> {
            Cli.log("received SIG" + signal + ": stopping (grace " + grace.toMillis() + " ms, "
                    + server.openConnections() + " connections open)");
            group.shutdown(grace);
        });
        Cli.log(protocol + " server, " + n + " event loop(s), backend " + group.get(0).backend());
        System.out.println("listening on " + server.host() + ":" + server.port());
        System.out.flush();
        while (!group.awaitTermination(Duration.ofDays(1))) {
            // serve until the loops end (a signal shuts them down)
        }
        Cli.log("stopped after " + server.acceptedConnections() + " connections");
        return 0;
    }
}
