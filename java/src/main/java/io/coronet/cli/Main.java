package io.coronet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code coronet} command (bin/coronet runs it with the JVM flags coronet needs).
 * A subcommand is one class annotated with {@link Command} plus one entry in
 * {@code subcommands} below.
 */
@Command(
        name = "coronet",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Coroutine networking for Java on a native epoll/kqueue multiplexer.",
        subcommands = {
                InfoCommand.class,
                ServeCommand.class,
                SeedCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests: no System.exit). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** Without a subcommand: usage, and exit code 2 (a usage error). */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The version from the jar manifest (Implementation-Version), or "dev" when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"coronet " + version()};
        }
    }
}
