package io.coronet.cli;

import io.coronet.examples.Echo;
import io.coronet.examples.S5CoroutineHandshake;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;

import java.time.Duration;
import java.util.List;

/**
 * {@code coronet serve}: the daemon. One event loop per core, each with its own SO_REUSEPORT
 * listener; the handshake protocol (or plain echo) on every connection.
 *
 * <p>Lifecycle: prints {@code listening on HOST:PORT} on stdout once every listener is bound;
 * on SIGINT/SIGTERM stops accepting, gives open connections {@code --grace} to finish, closes
 * the rest and exits 0.
 */
final class ServeCommand {
    enum Protocol { echo, handshake }

    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 5566;
    static final int DEFAULT_BACKLOG = 4096;
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);

    static final Args.Spec SPEC = new Args.Spec("serve", 0,
            List.of("--protocol", "--host", "--port", "--loops", "--greeting-timeout", "--grace", "--backlog"),
            """
            Usage: coronet serve [-h] [--protocol=echo|handshake] [--host=H] [--port=P] [--loops=N]
                                 [--greeting-timeout=D] [--grace=D] [--backlog=N]
            Run the coronet daemon: handshake + echo (default) or plain echo over TCP.
                  --protocol=P          echo or handshake (default: handshake)
                  --host=H              address to bind (default: %s)
                  --port=P              port to bind, 0 for a free one (default: %d)
                  --loops=N             event loops, one thread each (default: number of cores)
                  --greeting-timeout=D  time a client has to send its greeting line, e.g. 10s or 500ms
                                        (default: %s)
                  --grace=D             on SIGTERM/SIGINT, how long open connections may finish (default: %s)
                  --backlog=N           listen backlog (default: %d)
              -h, --help                Show this help message and exit.
            """.formatted(DEFAULT_HOST, DEFAULT_PORT,
                    DurationConverter.format(S5CoroutineHandshake.DEFAULT_GREETING_TIMEOUT),
                    DurationConverter.format(DEFAULT_GRACE), DEFAULT_BACKLOG));

    private ServeCommand() {
    }

    static int run(Args args) throws Exception {
        Protocol protocol = args.choice("--protocol", Protocol.values(), Protocol.handshake);
        String host = args.string("--host", DEFAULT_HOST);
        int port = args.integer("--port", DEFAULT_PORT);
        int loops = args.integer("--loops", Runtime.getRuntime().availableProcessors());
        Duration greetingTimeout = args.duration("--greeting-timeout", S5CoroutineHandshake.DEFAULT_GREETING_TIMEOUT);
        Duration grace = args.duration("--grace", DEFAULT_GRACE);
        int backlog = args.integer("--backlog", DEFAULT_BACKLOG);
        if (loops < 1 || port < 0 || port > 65535 || backlog < 1 || greetingTimeout.isNegative() || grace.isNegative()) {
            throw args.error("--loops must be >= 1, --port 0..65535, --backlog >= 1, durations >= 0");
        }

        Cli.configureLogging();
        Cli.log(FdLimit.raiseToHardLimit());
        TcpServer.Handler handler = protocol == Protocol.echo
                ? Echo::serve
                : new S5CoroutineHandshake(greetingTimeout);
        EventLoopGroup group = EventLoopGroup.start("coronet-loop", loops);
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
        Cli.log(protocol + " server, " + loops + " event loop(s), backend " + group.get(0).backend());
        // Start-up (loading the native binding, its generated stubs, ~700 classes) leaves ~20 MiB
        // of garbage in the young generation, and the pages it touched stay resident. Collected
        // now, before clients come, connection state is allocated into those same pages instead of
        // touching new ones: ~10 MiB less RSS with 10,000 connections open (benchmarks/RESULTS.md).
        System.gc();
        System.out.println("listening on " + server.host() + ":" + server.port());
        System.out.flush();
        while (!group.awaitTermination(Duration.ofDays(1))) {
            // serve until the loops end (a signal shuts them down)
        }
        Cli.log("stopped after " + server.acceptedConnections() + " connections");
        return 0;
    }
}
