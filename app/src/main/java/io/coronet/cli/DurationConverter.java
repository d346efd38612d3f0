package io.coronet.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses "10s", "500ms", "2m", "1h" (or an ISO-8601 "PT10S") for duration options, and prints them back. */
final class DurationConverter {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

    private DurationConverter() {
    }

    /** The duration {@code value} names; IllegalArgumentException (with a one-line message) if none. */
    static Duration parse(String value) {
        Matcher m = SIMPLE.matcher(value.trim());
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' is too long a duration");
            }
        }
        try {
            return Duration.parse(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (examples: 10s, 500ms, 2m)");
        }
    }

    /** The shortest of the forms {@link #parse} reads: "10s", "500ms", "2m", "1h". */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        } else if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        } else if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
