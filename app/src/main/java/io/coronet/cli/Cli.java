package io.coronet.cli;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/** Small process-level helpers for the long-running commands: log lines, signals, logging format. */
final class Cli {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Cli() {
    }

    /** A one-line status message on stderr (stdout carries only the machine-readable lines). */
    static void log(String message) {
        System.err.println(LocalTime.now().format(TIME) + " coronet: " + message);
    }

    /** One line per log record, like {@link #log}, unless the user configured logging. */
    static void configureLogging() {
        // Load the time-zone data now: java.util.logging reads it from a file on its first record,
        // and that first record may well be "out of fds", when opening a file fails.
        java.time.ZonedDateTime.now(java.time.ZoneId.systemDefault());
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null
                && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tH:%1$tM:%1$tS.%1$tL coronet: %4$s %5$s%6$s%n");
        }
    }

    /**
     * Runs {@code handler} (with "TERM" or "INT") on SIGTERM/SIGINT instead of the JVM's default
     * exit with status 143/130: the daemon shuts down gracefully and exits 0 by itself.
     */
    @SuppressWarnings("removal")
    static void onTerminationSignal(Consumer<String> handler) {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> handler.accept(s.getName()));
        }
    }
}
