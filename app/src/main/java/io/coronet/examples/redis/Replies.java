package io.coronet.examples.redis;

import io.coronet.net.TcpConnection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * RESP2 replies of one connection, gathered in a heap buffer and sent in one write when the
 * reader is about to wait for more input ({@link RespReader} calls {@link #flush}): a pipeline
 * of 16 commands that arrived in one read is answered with one send.
 *
 * <p>The one place that writes to the connection, so moving to the library's buffered writer
 * (conn.buffered(), automatic flush on suspend) changes only this class. Past
 * {@link #HIGH_WATER} bytes it writes at once, which suspends while the peer is not reading:
 * a client that pipelines without reading holds at most that much of our memory.
 */
final class Replies {
    static final int HIGH_WATER = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = bytes("+OK\r\n");
    private static final byte[] PONG = bytes("+PONG\r\n");
    private static final byte[] NIL = bytes("$-1\r\n");
    private static final byte[] ZERO = bytes(":0\r\n");
    private static final byte[] ONE = bytes(":1\r\n");
    private static final byte[] EMPTY_ARRAY = bytes("*0\r\n");

    private final TcpConnection conn;
    private byte[] buf = new byte[1024];
    private int length;

    Replies(TcpConnection conn) {
        this.conn = conn;
    }

    void ok() throws IOException {
        raw(OK);
    }

    void pong() throws IOException {
        raw(PONG);
    }

    void nil() throws IOException {
        raw(NIL);
    }

    void emptyArray() throws IOException {
        raw(EMPTY_ARRAY);
    }

    /** A simple string: {@code +text}. */
    void simple(String text) throws IOException {
        ensure(text.length() + 3);
        buf[length++] = '+';
        ascii(text);
        crlf();
    }

    /** An error: {@code -ERR ...}; line breaks in the text become spaces (as Redis does). */
    void error(String text) throws IOException {
        ensure(text.length() + 3);
        buf[length++] = '-';
        int start = length;
        ascii(text);
        for (int i = start; i < length; i++) {
            if (buf[i] == '\r' || buf[i] == '\n') {
                buf[i] = ' ';
            }
        }
        crlf();
    }

    void integer(long v) throws IOException {
        if (v == 0 || v == 1) {
            raw(v == 0 ? ZERO : ONE);
            return;
        }
        ensure(23);
        buf[length++] = ':';
        length = Integers.write(v, buf, length);
        crlf();
    }

    /** An integer reply whose decimal digits are already at hand (INCR's new value). */
    void integerDigits(byte[] digits) throws IOException {
        ensure(digits.length + 3);
        buf[length++] = ':';
        System.arraycopy(digits, 0, buf, length, digits.length);
        length += digits.length;
        crlf();
    }

    /** A bulk string, or nil for null. */
    void bulk(byte[] value) throws IOException {
        if (value == null) {
            nil();
            return;
        }
        header('$', value.length);
        if (value.length > HIGH_WATER) { // big values go out as they are, not through the buffer
            flush();
            conn.write(value);
        } else {
            ensure(value.length);
            System.arraycopy(value, 0, buf, length, value.length);
            length += value.length;
        }
        crlf();
    }

    void bulk(String text) throws IOException {
        bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    void arrayHeader(int count) throws IOException {
        header('*', count);
    }

    private void header(char type, long n) throws IOException {
        ensure(23);
        buf[length++] = (byte) type;
        length = Integers.write(n, buf, length);
        crlf();
    }

    private void raw(byte[] bytes) throws IOException {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, length, bytes.length);
        length += bytes.length;
    }

    private void ascii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            buf[length++] = (byte) (c < 0x80 ? c : '?');
        }
    }

    private void crlf() throws IOException {
        ensure(2);
        buf[length++] = CRLF[0];
        buf[length++] = CRLF[1];
        if (length >= HIGH_WATER) {
            flush();
        }
    }

    /** Room for {@code n} more bytes: grows the buffer (replies are bounded by HIGH_WATER plus one reply). */
    private void ensure(int n) throws IOException {
        if (length + n <= buf.length) {
            return;
        }
        if (length > 0 && length + n > HIGH_WATER) {
            flush();
            if (n <= buf.length) {
                return;
            }
        }
        byte[] bigger = new byte[Math.max(buf.length * 2, length + n)];
        System.arraycopy(buf, 0, bigger, 0, length);
        buf = bigger;
    }

    /** Bytes waiting to be sent. */
    int pending() {
        return length;
    }

    /** Sends what is pending in one write (suspends while the peer's window is full). */
    void flush() throws IOException {
        if (length > 0) {
            int n = length;
            length = 0;
            conn.write(buf, 0, n);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
