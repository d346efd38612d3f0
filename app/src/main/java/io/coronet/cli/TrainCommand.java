package io.coronet.cli;

import io.coronet.examples.Echo;
import io.coronet.examples.S5CoroutineHandshake;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;

import java.time.Duration;
import java.util.List;

/**
 * {@code coronet train}: a short, self-checking run of the daemon's paths (both protocols, real
 * loopback connections) for the JDK to learn from. bin/coronet runs it once per jar and JDK with
 * {@code -XX:AOTCacheOutput} (JDK 25+): the JVM records the classes it loaded and linked, the
 * lambdas and proxies it spun and the methods it profiled, and every later start maps that cache
 * instead of redoing the work. Start-up is the expensive part of a coronet process: jnr-ffi
 * loads ~300 classes and generates its stubs, ~20 MiB of allocation before the first client,
 * so the cache takes ~10 MiB off the daemon's resident memory (benchmarks/RESULTS.md).
 *
 * <p>The clients check every echoed byte, so a training run that exits 0 also proves the
 * installation works end to end.
 */
final class TrainCommand {

    static final int DEFAULT_CONNECTIONS = 200;
    static final int DEFAULT_MESSAGES = 50;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final Args.Spec SPEC = new Args.Spec("train", 0, List.of("--connections", "--messages"), """
            Usage: coronet train [-h] [--connections=N] [--messages=M]
            Exercise the daemon briefly over loopback (bin/coronet records the JDK's AOT cache from it).
                  --connections=N   client connections per protocol (default: %d)
                  --messages=M      64-byte messages echoed on each (default: %d)
              -h, --help            Show this help message and exit.
            """.formatted(DEFAULT_CONNECTIONS, DEFAULT_MESSAGES));

    private TrainCommand() {
    }

    static int run(Args args) throws Exception {
        int connections = args.integer("--connections", DEFAULT_CONNECTIONS);
        int messages = args.integer("--messages", DEFAULT_MESSAGES);
        if (connections < 1 || messages < 0) {
            throw args.error("--connections must be >= 1 and --messages >= 0");
        }
        Cli.configureLogging();
        FdLimit.raiseToHardLimit(); // the same start-up path as serve
        EventLoopGroup servers = EventLoopGroup.start("coronet-loop", 1);
        try {
            TcpServer echo = TcpServer.start(servers, "127.0.0.1", 0, 1024, Echo::serve);
            TcpServer handshake = TcpServer.start(servers, "127.0.0.1", 0, 1024, new S5CoroutineHandshake(TIMEOUT));
            LoopbackClients.run("127.0.0.1", echo.port(), false, connections, messages, TIMEOUT);
            LoopbackClients.run("127.0.0.1", handshake.port(), true, connections, messages, TIMEOUT);
            System.err.println("coronet train: " + 2 * connections + " connections, "
                    + 2L * connections * messages + " messages echoed and checked");
            return 0;
        } finally {
            servers.shutdown(Duration.ZERO);
            servers.awaitTermination(TIMEOUT);
        }
    }
}
