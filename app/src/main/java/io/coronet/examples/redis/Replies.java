package io.coronet.examples.redis;

import io.coronet.net.BufferedOutput;
import io.coronet.net.Connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * RESP2 replies of one connection, written to its buffered output ({@link Connection#buffered()}):
 * they leave when the connection's coroutine next waits for input, so a pipeline of 16
 * commands that arrived in one read is answered with one send, and nothing here has to
 * decide when to flush. Headers and integers are formatted into a small scratch array and
 * written with one copy; values are copied once, straight from the store's array.
 * Past the output's high-water mark a write suspends while the peer is not reading.
 */
final class Replies {
    private static final byte[] OK = bytes("+OK\r\n");
    private static final byte[] PONG = bytes("+PONG\r\n");
    private static final byte[] NIL = bytes("$-1\r\n");
    private static final byte[] ZERO = bytes(":0\r\n");
    private static final byte[] ONE = bytes(":1\r\n");
    private static final byte[] EMPTY_ARRAY = bytes("*0\r\n");
    private static final byte[] CRLF = bytes("\r\n");

    private final BufferedOutput out;
    /** Room for a type byte, 20 digits and CRLF, and for short simple strings and errors. */
    private byte[] scratch = new byte[64];

    Replies(Connection conn) {
        this.out = conn.buffered();
    }

    void ok() throws IOException {
        out.write(OK);
    }

    void pong() throws IOException {
        out.write(PONG);
    }

    void nil() throws IOException {
        out.write(NIL);
    }

    void emptyArray() throws IOException {
        out.write(EMPTY_ARRAY);
    }

    /** A simple string: {@code +text}. */
    void simple(String text) throws IOException {
        line('+', text, false);
    }

    /** An error: {@code -ERR ...}; line breaks in the text become spaces (as Redis does). */
    void error(String text) throws IOException {
        line('-', text, true);
    }

    private void line(char type, String text, boolean spacesForBreaks) throws IOException {
        int n = text.length() + 3;
        if (scratch.length < n) {
            scratch = new byte[n];
        }
        byte[] b = scratch;
        b[0] = (byte) type;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b[i + 1] = (byte) (c >= 0x80 ? '?' : spacesForBreaks && (c == '\r' || c == '\n') ? ' ' : c);
        }
        b[n - 2] = '\r';
        b[n - 1] = '\n';
        out.write(b, 0, n);
    }

    void integer(long v) throws IOException {
        if (v == 0 || v == 1) {
            out.write(v == 0 ? ZERO : ONE);
        } else {
            header(':', v);
        }
    }

    /** An integer reply whose decimal digits are already at hand (INCR's new value). */
    void integerDigits(byte[] digits) throws IOException {
        scratch[0] = ':';
        if (digits.length <= scratch.length - 3) {
            System.arraycopy(digits, 0, scratch, 1, digits.length);
            scratch[digits.length + 1] = '\r';
            scratch[digits.length + 2] = '\n';
            out.write(scratch, 0, digits.length + 3);
        } else {
            out.write(scratch, 0, 1);
            out.write(digits);
            out.write(CRLF);
        }
    }

    /** A bulk string, or nil for null. */
    void bulk(byte[] value) throws IOException {
        if (value == null) {
            out.write(NIL);
            return;
        }
        header('$', value.length);
        out.write(value);
        out.write(CRLF);
    }

    void bulk(String text) throws IOException {
        bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    void arrayHeader(int count) throws IOException {
        header('*', count);
    }

    private void header(char type, long n) throws IOException {
        scratch[0] = (byte) type;
        int end = Integers.write(n, scratch, 1);
        scratch[end] = '\r';
        scratch[end + 1] = '\n';
        out.write(scratch, 0, end + 2);
    }

    /** Sends what is pending, suspending until the kernel took it (before the connection closes). */
    void flush() throws IOException {
        out.flush();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
