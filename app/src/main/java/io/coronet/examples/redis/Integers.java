package io.coronet.examples.redis;

/** Integers as Redis reads and writes them: strict decimal, no sign '+', no spaces, no leading zeros. */
final class Integers {
    private Integers() {
    }

    /**
     * Parses {@code bytes} as Redis's string2ll does: an optional '-', then "0" or a digit 1-9
     * followed by digits, fitting a signed 64-bit long.
     *
     * @throws CommandError {@link CommandError#NOT_INTEGER} otherwise
     */
    static long parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    static long parse(byte[] b, int off, int len) {
        long v = parseOr(b, off, len, Long.MIN_VALUE, true);
        if (v == Long.MIN_VALUE && !isMinLong(b, off, len)) {
            throw CommandError.NOT_INTEGER;
        }
        return v;
    }

    private static boolean isMinLong(byte[] b, int off, int len) {
        byte[] min = "-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return java.util.Arrays.equals(b, off, off + len, min, 0, min.length);
    }

    /**
     * Parses like {@link #parse} but returns {@code invalid} instead of throwing (for the
     * protocol's length headers). Long.MIN_VALUE itself is only recognised when {@code allowMin}.
     */
    static long parseOr(byte[] b, int off, int len, long invalid, boolean allowMin) {
        if (len == 0 || len > 20) {
            return invalid;
        }
        int i = off;
        int end = off + len;
        boolean negative = b[i] == '-';
        if (negative) {
            i++;
            if (i == end) {
                return invalid;
            }
        }
        if (b[i] == '0') {
            return (i + 1 == end && !negative) ? 0 : invalid; // "0" only: no "-0", no "01"
        }
        // accumulate negatively: the negative range is one larger than the positive one
        long v = 0;
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return invalid;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return invalid; // would overflow
            }
            v = v * 10 - d;
        }
        if (negative) {
            return (v == Long.MIN_VALUE && !allowMin) ? invalid : v;
        }
        return v == Long.MIN_VALUE ? invalid : -v;
    }

    /** The decimal digits of {@code v}. */
    static byte[] toBytes(long v) {
        byte[] out = new byte[length(v)];
        write(v, out, 0);
        return out;
    }

    /** How many bytes {@link #write} writes for {@code v}. */
    static int length(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = v < 0 ? 2 : 1;
        long a = Math.abs(v);
        while (a >= 10) {
            a /= 10;
            n++;
        }
        return n;
    }

    /** Writes the decimal digits of {@code v} at {@code dst[at..]}; returns the index after them. */
    static int write(long v, byte[] dst, int at) {
        int n = length(v);
        int end = at + n;
        int i = end;
        long x = v;
        if (x == Long.MIN_VALUE) { // no positive counterpart: peel off the last digit first
            dst[--i] = '8';
            x /= 10;
        }
        boolean negative = x < 0;
        if (negative) {
            x = -x;
        }
        do {
            dst[--i] = (byte) ('0' + x % 10);
            x /= 10;
        } while (x != 0);
        if (negative || v == Long.MIN_VALUE) {
            dst[--i] = '-';
        }
        return end;
    }
}
