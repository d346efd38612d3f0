package io.coronet.examples.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One request: its arguments, the command name first, each a byte[] of its own (they become
 * keys and values). Reused by a connection for every request; the argument array grows as
 * arguments arrive, never to a count a client merely announced.
 */
final class Command {
    private byte[][] argv = new byte[8][];
    private int argc;

    int argc() {
        return argc;
    }

    byte[] arg(int i) {
        if (i >= argc) {
            throw new IndexOutOfBoundsException("argument " + i + " of " + argc);
        }
        return argv[i];
    }

    /** Argument {@code i} as text (ISO-8859-1: byte for byte, for names and error messages). */
    String text(int i) {
        return new String(arg(i), StandardCharsets.ISO_8859_1);
    }

    /** True if argument {@code i} equals {@code lower} ignoring ASCII case. */
    boolean is(int i, String lower) {
        byte[] a = arg(i);
        if (a.length != lower.length()) {
            return false;
        }
        for (int j = 0; j < a.length; j++) {
            int c = a[j];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    void add(byte[] arg) {
        if (argc == argv.length) {
            argv = Arrays.copyOf(argv, argc * 2);
        }
        argv[argc++] = arg;
    }

    /** Forgets the arguments (and a big argument array a huge MSET left behind). */
    void clear() {
        if (argv.length > 1024) {
            argv = new byte[8][];
        } else {
            Arrays.fill(argv, 0, argc, null);
        }
        argc = 0;
    }
}
