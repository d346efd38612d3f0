package io.coronet.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed arguments of one command: {@code --name value} or {@code --name=value} options,
 * {@code -h}/{@code --help}, and positional parameters, read through typed getters.
 *
 * <p>Every mistake (unknown option, missing or bad value, extra argument) is a {@link UsageException}
 * carrying the command's usage text; {@link Main} prints it and exits 2. A help request is one too,
 * printed on stdout with exit code 0.
 */
final class Args {

    /**
     * What a command accepts: its name ("serve"), how many positional parameters at most, the options
     * that take a value, and its usage text (printed for {@code --help} and after a usage error).
     */
    record Spec(String command, int positionals, List<String> options, List<String> flags, String usage) {
        /** A command whose options all take a value. */
        Spec(String command, int positionals, List<String> options, String usage) {
            this(command, positionals, options, List.of(), usage);
        }
    }

    /** A usage error (exit 2, on stderr) or, when {@link #isHelp()}, a help request (exit 0, on stdout). */
    static final class UsageException extends RuntimeException {
        private final Spec spec;
        private final boolean help;

        private UsageException(Spec spec, String message, boolean help) {
            super(message, null, false, false);
            this.spec = spec;
            this.help = help;
        }

        Spec spec() {
            return spec;
        }

        boolean isHelp() {
            return help;
        }
    }

    private final Spec spec;
    private final Map<String, String> values;
    private final List<String> positionals;

    private Args(Spec spec, Map<String, String> values, List<String> positionals) {
        this.spec = spec;
        this.values = values;
        this.positionals = positionals;
    }

    /** Parses {@code args} (what follows the command's name) against {@code spec}. */
    static Args parse(Spec spec, List<String> args) {
        Map<String, String> values = new HashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                throw help(spec);
            }
            if (arg.equals("--")) {
                positionals.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            if (spec.flags().contains(name)) {
                if (eq >= 0) {
                    throw error(spec, name + " takes no value");
                }
                if (values.put(name, "true") != null) {
                    throw error(spec, name + " given more than once");
                }
                continue;
            }
            if (!spec.options().contains(name)) {
                throw error(spec, "unknown option '" + name + "'");
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && !isOption(spec, args.get(i + 1))) {
                value = args.get(++i);
            } else {
                throw error(spec, "missing value for " + name);
            }
            if (values.put(name, value) != null) {
                throw error(spec, name + " given more than once");
            }
        }
        if (positionals.size() > spec.positionals()) {
            throw error(spec, "unexpected argument '" + positionals.get(spec.positionals()) + "'");
        }
        return new Args(spec, values, positionals);
    }

    private static boolean isOption(Spec spec, String arg) {
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg : arg.substring(0, eq);
        return spec.options().contains(name) || spec.flags().contains(name) || arg.equals("-h") || arg.equals("--help");
    }

    static UsageException error(Spec spec, String message) {
        return new UsageException(spec, message, false);
    }

    static UsageException help(Spec spec) {
        return new UsageException(spec, null, true);
    }

    /** A usage error of this command, e.g. for a value out of range. */
    UsageException error(String message) {
        return error(spec, message);
    }

    String string(String option, String defaultValue) {
        return values.getOrDefault(checked(option), defaultValue);
    }

    /** Whether the flag (an option without a value) was given. */
    boolean flag(String flag) {
        if (!spec.flags().contains(flag)) {
            throw new IllegalArgumentException(flag + " is not a flag of " + spec.command());
        }
        return values.containsKey(flag);
    }

    /** Whether the option was given at all. */
    boolean has(String option) {
        return values.containsKey(checked(option));
    }

    int integer(String option, int defaultValue) {
        String v = values.get(checked(option));
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw error(option + ": '" + v + "' is not an integer");
        }
    }

    Duration duration(String option, Duration defaultValue) {
        String v = values.get(checked(option));
        if (v == null) {
            return defaultValue;
        }
        try {
            return DurationConverter.parse(v);
        } catch (IllegalArgumentException e) {
            throw error(option + ": " + e.getMessage());
        }
    }

    /** One of {@code choices} by its name (case-sensitive). */
    <E extends Enum<E>> E choice(String option, E[] choices, E defaultValue) {
        String v = values.get(checked(option));
        return v == null ? defaultValue : pick(option, v, choices);
    }

    /** The positional parameter {@code index}, one of {@code choices}; {@code label} names it in errors. */
    <E extends Enum<E>> E positional(int index, String label, E[] choices) {
        if (index >= positionals.size()) {
            throw error("missing " + label + " (" + names(choices) + ")");
        }
        return pick(label, positionals.get(index), choices);
    }

    private <E extends Enum<E>> E pick(String what, String value, E[] choices) {
        for (E c : choices) {
            if (c.name().equals(value)) {
                return c;
            }
        }
        throw error(what + ": '" + value + "' is not one of " + names(choices));
    }

    private static String names(Enum<?>[] choices) {
        StringBuilder b = new StringBuilder();
        for (Enum<?> c : choices) {
            b.append(b.isEmpty() ? "" : ", ").append(c.name());
        }
        return b.toString();
    }

    /** The positional parameter {@code index}, or null when there is none. */
    String optionalPositional(int index) {
        return index < positionals.size() ? positionals.get(index) : null;
    }

    private String checked(String option) {
        if (!spec.options().contains(option)) {
            throw new IllegalArgumentException(option + " is not an option of " + spec.command());
        }
        return option;
    }
}
