package io.coronet.examples.redis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Command names to their implementations, with Redis's arity rule (n > 0: exactly n
 * arguments, the name included; n < 0: at least -n), and the replies Redis gives for an
 * unknown command or a wrong argument count. Looked up by the name's bytes, ignoring ASCII
 * case, in an open-addressed table: no String per request.
 */
final class CommandTable {
    @FunctionalInterface
    interface Implementation {
        void run(Session session, Command cmd, Replies out) throws IOException;
    }

    /**
     * One command as COMMAND describes it.
     *
     * @param name  lower case
     * @param arity Redis's arity
     * @param flags COMMAND's flags ("readonly", "write", "fast", ...)
     * @param firstKey position of the first key argument (0: none), lastKey the last (-1: the
     *                 last argument), step between keys
     */
    record Spec(String name, int arity, List<String> flags, int firstKey, int lastKey, int step, Implementation impl) {
    }

    private final List<Spec> specs = new ArrayList<>();
    private Spec[] slots = new Spec[64];

    void add(Spec spec) {
        specs.add(spec);
        if (specs.size() * 2 > slots.length) {
            slots = new Spec[slots.length * 2];
            for (Spec s : specs) {
                place(s);
            }
        } else {
            place(spec);
        }
    }

    private void place(Spec spec) {
        byte[] name = spec.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int mask = slots.length - 1;
        int i = hash(name) & mask;
        while (slots[i] != null) {
            if (slots[i].name().equals(spec.name())) {
                throw new IllegalArgumentException("command " + spec.name() + " added twice");
            }
            i = (i + 1) & mask;
        }
        slots[i] = spec;
    }

    List<Spec> specs() {
        return Collections.unmodifiableList(specs);
    }

    /** The command named {@code name} in any case, or null. */
    Spec lookup(byte[] name) {
        int mask = slots.length - 1;
        for (int i = hash(name) & mask; slots[i] != null; i = (i + 1) & mask) {
            if (equalsIgnoreCase(slots[i].name(), name)) {
                return slots[i];
            }
        }
        return null;
    }

    /** Runs {@code cmd} and writes its reply; a CommandError becomes the error reply. */
    void execute(Session session, Command cmd, Replies out) throws IOException {
        Spec spec = lookup(cmd.arg(0));
        if (spec == null) {
            out.error(unknownCommand(cmd));
            return;
        }
        int argc = cmd.argc();
        if (spec.arity() > 0 ? argc != spec.arity() : argc < -spec.arity()) {
            out.error(wrongArity(spec.name()));
            return;
        }
        try {
            spec.impl().run(session, cmd, out);
        } catch (CommandError e) {
            out.error(e.reply());
        }
    }

    static String wrongArity(String name) {
        return "ERR wrong number of arguments for '" + name + "' command";
    }

    /** Redis 7's text: the name and the first arguments, each quoted, ~128 bytes of them at most. */
    static String unknownCommand(Command cmd) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < cmd.argc() && args.length() < 128; i++) {
            String a = cmd.text(i);
            args.append('\'').append(a, 0, Math.min(a.length(), 128 - args.length())).append("' ");
        }
        String name = cmd.text(0);
        return "ERR unknown command '" + name.substring(0, Math.min(name.length(), 128))
                + "', with args beginning with: " + args;
    }

    /** Redis 7's text for CLIENT FOO and the like. */
    static String unknownSubcommand(Command cmd) {
        String sub = cmd.text(1);
        return "ERR unknown subcommand '" + sub.substring(0, Math.min(sub.length(), 128)) + "'. Try "
                + cmd.text(0).toUpperCase(java.util.Locale.ROOT) + " HELP.";
    }

    private static int hash(byte[] name) {
        int h = 0x811c9dc5;
        for (byte b : name) {
            int c = b;
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            h = (h ^ c) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static boolean equalsIgnoreCase(String lower, byte[] name) {
        if (lower.length() != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            int c = name[i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
