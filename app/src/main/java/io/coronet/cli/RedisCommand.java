package io.coronet.cli;

import io.coronet.examples.redis.RedisServer;
import io.coronet.examples.redis.RespLimits;

import java.time.Duration;
import java.util.List;

/**
 * {@code coronet redis}: the mini-redis example (RESP2, in-memory strings) as a daemon, with
 * the same lifecycle as {@code serve}: {@code listening on HOST:PORT} on stdout, graceful stop on
 * SIGTERM/SIGINT.
 */
final class RedisCommand {
    static final int DEFAULT_PORT = 6379;

    static final Args.Spec SPEC = new Args.Spec("redis", 0,
            List.of("--host", "--port", "--loops", "--grace", "--backlog", "--max-bulk"),
            """
            Usage: coronet redis [-h] [--host=H] [--port=P] [--loops=N] [--grace=D] [--backlog=N]
                                 [--max-bulk=BYTES]
            Run the mini-redis example: a RESP2 server with an in-memory string store
            (PING ECHO GET SET DEL EXISTS INCR DECR INCRBY DECRBY MGET MSET EXPIRE PEXPIRE TTL PTTL
            DBSIZE FLUSHALL SELECT INFO COMMAND CLIENT CONFIG QUIT).
                  --host=H         address to bind (default: %s)
                  --port=P         port to bind, 0 for a free one (default: %d)
                  --loops=N        event loops, one thread each, sharing one store (default: number of cores)
                  --grace=D        on SIGTERM/SIGINT, how long open connections may finish (default: %s)
                  --backlog=N      listen backlog (default: %d)
                  --max-bulk=BYTES longest argument a client may send; longer is a protocol error
                                   (default: %d)
              -h, --help           Show this help message and exit.
            """.formatted(ServeCommand.DEFAULT_HOST, DEFAULT_PORT, DurationConverter.format(ServeCommand.DEFAULT_GRACE),
                    ServeCommand.DEFAULT_BACKLOG, RespLimits.DEFAULT.maxBulkLength()));

    private RedisCommand() {
    }

    static int run(Args args) throws Exception {
        String host = args.string("--host", ServeCommand.DEFAULT_HOST);
        int port = args.integer("--port", DEFAULT_PORT);
        int loops = args.integer("--loops", Runtime.getRuntime().availableProcessors());
        Duration grace = args.duration("--grace", ServeCommand.DEFAULT_GRACE);
        int backlog = args.integer("--backlog", ServeCommand.DEFAULT_BACKLOG);
        int maxBulk = args.integer("--max-bulk", RespLimits.DEFAULT.maxBulkLength());
        if (loops < 1 || port < 0 || port > 65535 || backlog < 1 || grace.isNegative()
                || maxBulk < 0 || maxBulk > 512 << 20) {
            throw args.error("--loops must be >= 1, --port 0..65535, --backlog >= 1, --grace >= 0, --max-bulk 0..536870912");
        }
        RespLimits limits = new RespLimits(maxBulk, RespLimits.DEFAULT.maxArguments(), RespLimits.DEFAULT.maxInlineLength());

        Cli.configureLogging();
        Cli.log(FdLimit.raiseToHardLimit());
        RedisServer redis = new RedisServer(limits);
        ServerLifecycle life = ServerLifecycle.start("coronet-redis", loops, grace,
                group -> redis.start(group, host, port, backlog));
        Cli.log("redis server, " + loops + " event loop(s) sharing one store, backend " + life.group().get(0).backend());
        return life.announceAndServe(0);
    }
}
