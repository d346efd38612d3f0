package io.coronet.cli;

import io.coronet.examples.S1BlockingEcho;
import io.coronet.examples.S2ThreadedEcho;
import io.coronet.examples.S3CallbackEcho;
import io.coronet.examples.S4CallbackHandshake;
import io.coronet.examples.S5CoroutineHandshake;
import io.coronet.examples.S6SleepHello;
import io.coronet.examples.SeedServer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code coronet seed S1..S6}: the programs of the seed story, on coronet's stack. */
final class SeedCommand {
    enum Program { S1, S2, S3, S4, S5, S6 }

    static final Args.Spec SPEC = new Args.Spec("seed", 1, List.of("--host", "--port"),
            """
            Usage: coronet seed [-h] [--host=H] [--port=P] PROGRAM
            Run one program of the seed story (what-is-a-coroutine):
              S1 blocking echo, S2 thread-per-connection echo, S3 selector loop + callbacks (echo),
              S4 callback handshake + echo (explicit state table), S5 the same handshake as a coroutine,
              S6 a coroutine that sleeps one second and prints "Hello Foo".
                  PROGRAM     S1, S2, S3, S4, S5 or S6
                  --host=H    address to bind (default: %s)
                  --port=P    port to bind, 0 for a free one (default: %d)
              -h, --help      Show this help message and exit.
            """.formatted(ServeCommand.DEFAULT_HOST, ServeCommand.DEFAULT_PORT));

    private SeedCommand() {
    }

    static int run(Args args) throws Exception {
        Program program = args.positional(0, "PROGRAM", Program.values());
        String host = args.string("--host", ServeCommand.DEFAULT_HOST);
        int port = args.integer("--port", ServeCommand.DEFAULT_PORT);
        if (program == Program.S6) {
            S6SleepHello.run(System.out, Duration.ofSeconds(1));
            return 0;
        }
        if (port < 0 || port > 65535) {
            throw args.error("--port must be 0..65535");
        }
        Cli.configureLogging();
        SeedServer server = switch (program) {
            case S1 -> S1BlockingEcho.start(host, port);
            case S2 -> S2ThreadedEcho.start(host, port);
            case S3 -> S3CallbackEcho.start(host, port);
            case S4 -> S4CallbackHandshake.start(host, port);
            default -> S5CoroutineHandshake.start(host, port);
        };
        CountDownLatch stop = new CountDownLatch(1);
        Cli.onTerminationSignal(signal -> stop.countDown());
        System.out.println("listening on " + server.host() + ":" + server.port());
        System.out.flush();
        stop.await();
        server.close();
        return 0;
    }
}
