package io.coronet.examples.redis;

import java.util.Arrays;

/**
 * Splits an inline request line into arguments the way redis-server does (sdssplitargs):
 * blanks separate arguments; "double quotes" take escapes (\n \r \t \b \a \\ \" \xHH);
 * 'single quotes' take \' only; a closing quote must be followed by a blank or the end.
 */
final class InlineSplitter {
    private InlineSplitter() {
    }

    static void split(byte[] b, int from, int to, Command cmd) throws ProtocolException {
        int i = from;
        byte[] token = new byte[Math.max(16, Math.min(to - from, 256))];
        while (true) {
            while (i < to && isBlank(b[i])) {
                i++;
            }
            if (i >= to) {
                return;
            }
            int n = 0;
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                int c = i < to ? b[i] & 0xff : -1;
                if (inDouble) {
                    if (c < 0) {
                        throw unbalanced();
                    }
                    if (c == '\\' && i + 3 < to && b[i + 1] == 'x' && isHex(b[i + 2]) && isHex(b[i + 3])) {
                        c = (hex(b[i + 2]) << 4) | hex(b[i + 3]);
                        i += 3;
                    } else if (c == '\\' && i + 1 < to) {
                        i++;
                        c = switch (b[i]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> b[i] & 0xff;
                        };
                    } else if (c == '"') {
                        if (i + 1 < to && !isBlank(b[i + 1])) {
                            throw unbalanced();
                        }
                        done = true;
                        c = -1;
                    }
                } else if (inSingle) {
                    if (c < 0) {
                        throw unbalanced();
                    }
                    if (c == '\\' && i + 1 < to && b[i + 1] == '\'') {
                        i++;
                        c = '\'';
                    } else if (c == '\'') {
                        if (i + 1 < to && !isBlank(b[i + 1])) {
                            throw unbalanced();
                        }
                        done = true;
                        c = -1;
                    }
                } else if (c < 0 || isBlank((byte) c)) {
                    done = true;
                    c = -1;
                } else if (c == '"') {
                    inDouble = true;
                    c = -1;
                } else if (c == '\'') {
                    inSingle = true;
                    c = -1;
                }
                if (c >= 0) {
                    if (n == token.length) {
                        token = Arrays.copyOf(token, n * 2);
                    }
                    token[n++] = (byte) c;
                }
                if (i < to) {
                    i++;
                }
            }
            cmd.add(Arrays.copyOf(token, n));
        }
    }

    private static ProtocolException unbalanced() {
        return new ProtocolException("unbalanced quotes in request");
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(byte c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}
