package io.coronet.cli;

import java.util.List;

/**
 * The {@code coronet} command (bin/coronet runs it with the JVM flags coronet needs).
 * A subcommand is one class with an {@link Args.Spec} and a {@code run(Args)} method, plus one
 * case in {@link #spec} and one in {@link #execute} below.
 */
public final class Main {

    static final Args.Spec SPEC = new Args.Spec("", 0, List.of(), """
            Usage: coronet [-hV] COMMAND
            Coroutine networking for Java on a native epoll/kqueue multiplexer.
              -h, --help      Show this help message and exit.
              -V, --version   Print version information and exit.
            Commands:
              info   Print version, OS, architecture, poller backend, native library and JDK.
              serve  Run the coronet daemon: handshake + echo (default) or plain echo over TCP.
              redis  Run the mini-redis example: a RESP2 server with an in-memory store.
              seed   Run one program of the seed story (what-is-a-coroutine).
              train  Exercise the daemon briefly over loopback (bin/coronet records the JDK's AOT cache from it).
              help   Display help information about the specified command.
            """);

    static final Args.Spec HELP = new Args.Spec("help", 1, List.of(), """
            Usage: coronet help [-h] [COMMAND]
            Display help information about the specified command.
                  COMMAND     the command to describe: info, serve, redis, seed, train or help
              -h, --help      Show this help message and exit.
            """);

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests: no System.exit). */
    public static int run(String... args) {
        try {
            return dispatch(List.of(args));
        } catch (Args.UsageException e) {
            if (e.isHelp()) {
                System.out.print(e.spec().usage());
                System.out.flush();
                return 0;
            }
            String command = e.spec().command().isEmpty() ? "coronet" : "coronet " + e.spec().command();
            System.err.println(command + ": " + e.getMessage());
            System.err.print(e.spec().usage());
            return 2;
        } catch (Exception e) {
            e.printStackTrace();
            return 1;
        }
    }

    private static int dispatch(List<String> args) throws Exception {
        if (args.isEmpty()) {
            throw Args.error(SPEC, "missing command");
        }
        String first = args.getFirst();
        switch (first) {
            case "-h", "--help" -> throw Args.help(SPEC);
            case "-V", "--version" -> {
                System.out.println("coronet " + version());
                return 0;
            }
            default -> {
            }
        }
        Args.Spec spec = spec(first);
        if (spec == null) {
            throw Args.error(SPEC, (first.startsWith("-") ? "unknown option '" : "unknown command '") + first + "'");
        }
        return execute(first, Args.parse(spec, args.subList(1, args.size())));
    }

    /** The spec of command {@code name}, or null when there is no such command. */
    private static Args.Spec spec(String name) {
        return switch (name) {
            case "info" -> InfoCommand.SPEC;
            case "serve" -> ServeCommand.SPEC;
            case "redis" -> RedisCommand.SPEC;
            case "seed" -> SeedCommand.SPEC;
            case "train" -> TrainCommand.SPEC;
            case "help" -> HELP;
            default -> null;
        };
    }

    private static int execute(String name, Args args) throws Exception {
        return switch (name) {
            case "info" -> InfoCommand.run(args);
            case "serve" -> ServeCommand.run(args);
            case "redis" -> RedisCommand.run(args);
            case "seed" -> SeedCommand.run(args);
            case "train" -> TrainCommand.run(args);
            default -> help(args);
        };
    }

    /** {@code coronet help [COMMAND]}: the usage of COMMAND (of coronet without one) on stdout. */
    private static int help(Args args) {
        String name = args.optionalPositional(0);
        if (name == null) {
            throw Args.help(SPEC);
        }
        Args.Spec spec = spec(name);
        if (spec == null) {
            throw Args.error(HELP, "unknown command '" + name + "'");
        }
        throw Args.help(spec);
    }

    /** The version from the jar manifest (Implementation-Version), or "dev" when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
