package io.coronet.peers;

import java.nio.charset.StandardCharsets;

/**
 * Recognises the handshake's first line, one byte at a time (it is read once per connection, so
 * simplicity wins over speed). The line ends at '\n'; surrounding whitespace, including a '\r'
 * before the '\n', is ignored; it must then be exactly "hello". A line longer than
 * {@link #MAX_LINE} bytes (counting the '\n') is rejected without waiting for its end.
 */
final class Greeting {
    static final int MAX_LINE = 1024;
    static final byte[] REPLY = "hello\n".getBytes(StandardCharsets.US_ASCII);

    enum Verdict { MORE, ACCEPTED, REJECTED }

    private final byte[] line = new byte[MAX_LINE];
    private int length;

    Verdict feed(byte b) {
        if (b != '\n') {
            if (length == MAX_LINE - 1) return Verdict.REJECTED;   // no room left for the '\n'
            line[length++] = b;
            return Verdict.MORE;
        }
        int start = 0, end = length;
        while (start < end && isSpace(line[start])) start++;
        while (end > start && isSpace(line[end - 1])) end--;
        return end - start == 5 && line[start] == 'h' && line[start + 1] == 'e' && line[start + 2] == 'l'
                && line[start + 3] == 'l' && line[start + 4] == 'o' ? Verdict.ACCEPTED : Verdict.REJECTED;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == 0x0b || b == '\f';
    }
}
