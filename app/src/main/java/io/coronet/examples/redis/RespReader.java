package io.coronet.examples.redis;

import io.coronet.net.Chunk;
import io.coronet.net.Connection;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reads RESP2 requests straight down: {@code reader.next(cmd)} returns once a whole request is
 * parsed, suspending the coroutine inside whenever it needs more bytes. Both forms Redis
 * accepts: multibulk ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}, what clients send) and inline
 * ({@code GET k\r\n}, what a person types into nc).
 *
 * <h2>Buffering</h2>
 * Received chunks are copied into a heap buffer of this reader's, one bulk copy per chunk
 * (or per buffer-full of it), and parsed there with plain array access: no native crossing per
 * byte. The buffer only ever holds the request being parsed (completed arguments are copied
 * out at once) and grows by doubling as bytes arrive, never to a length a client only
 * announced: a client that sends half a request and stalls holds what it sent, at most twice
 * over. Past {@link #SHRINK_ABOVE} it goes back to its first size once a request is done.
 *
 * <h2>Limits</h2>
 * {@link RespLimits}: a bulk length out of range, too many arguments, or a header/inline line
 * longer than allowed throws {@link ProtocolException} with Redis's own message; the caller
 * replies and closes.
 *
 * <p>It never flushes replies: waiting for input suspends the coroutine, and the connection's
 * buffered output sends everything written so far just before that, in one write.
 */
final class RespReader implements AutoCloseable {
    /** First size of the parse buffer: a pipeline of 16 SETs is ~700 bytes; an idle connection keeps only this. */
    static final int INITIAL = 1024;
    static final int SHRINK_ABOVE = 256 * 1024;

    private final Connection conn;
    private final RespLimits limits;
    private byte[] buf = new byte[INITIAL];
    private int pos;
    private int limit;
    /** The chunk being copied in, when it did not fit the buffer at once, else null. */
    private Chunk chunk;
    private int chunkPos;

    RespReader(Connection conn, RespLimits limits) {
        this.conn = conn;
        this.limits = limits;
    }

    /**
     * Parses the next request into {@code cmd} (cleared first). Returns false at end of
     * stream (a request cut off by it is dropped, as Redis does).
     */
    boolean next(Command cmd) throws IOException {
        cmd.clear();
        while (true) {
            if (pos == limit && !fill()) {
                return false;
            }
            int r = buf[pos] == '*' ? multibulk(cmd) : inline(cmd);
            if (r == COMPLETE) {
                return true;
            }
            if (r == END_OF_STREAM) {
                return false;
            }
            // EMPTY ("*0", "*-1", a blank line): nothing to run, read on
        }
    }

    private static final int COMPLETE = 1;
    private static final int EMPTY = 0;
    private static final int END_OF_STREAM = -1;

    private int multibulk(Command cmd) throws IOException {
        int eol = headerEnd("too big mbulk count string");
        if (eol < 0) {
            return END_OF_STREAM;
        }
        long count = Integers.parseOr(buf, pos + 1, eol - pos - 1, Long.MIN_VALUE, false);
        if (count == Long.MIN_VALUE || count > limits.maxArguments()) {
            throw new ProtocolException("invalid multibulk length");
        }
        pos = eol + 2;
        if (count <= 0) {
            return EMPTY;
        }
        for (long i = 0; i < count; i++) {
            if (pos == limit && !fill()) {
                return END_OF_STREAM;
            }
            if (buf[pos] != '$') {
                throw new ProtocolException("expected '$', got '" + (char) (buf[pos] & 0xff) + "'");
            }
            eol = headerEnd("too big bulk count string");
            if (eol < 0) {
                return END_OF_STREAM;
            }
            long length = Integers.parseOr(buf, pos + 1, eol - pos - 1, Long.MIN_VALUE, false);
            if (length < 0 || length > limits.maxBulkLength()) {
                throw new ProtocolException("invalid bulk length");
            }
            pos = eol + 2;
            int need = (int) length + 2; // the bytes and their CRLF (not checked, as in Redis)
            while (limit - pos < need) {
                if (!fill()) {
                    return END_OF_STREAM;
                }
            }
            cmd.add(Arrays.copyOfRange(buf, pos, pos + (int) length));
            pos += need;
        }
        return COMPLETE;
    }

    /**
     * The index of the '\r' ending the header line at {@link #pos} (with at least one byte after
     * it, the '\n'), reading more as needed; -1 at end of stream.
     */
    private int headerEnd(String tooBig) throws IOException {
        int scanned = 1; // bytes after pos known to hold no '\r' (the type byte is one)
        while (true) {
            for (int i = pos + scanned; i < limit; i++) {
                if (buf[i] == '\r') {
                    if (i + 1 < limit) {
                        return i;
                    }
                    break;
                }
                scanned++;
            }
            if (limit - pos > limits.maxInlineLength()) {
                throw new ProtocolException(tooBig);
            }
            if (!fill()) {
                return -1;
            }
        }
    }

    private int inline(Command cmd) throws IOException {
        int scanned = 0;
        int newline;
        while (true) {
            newline = -1;
            for (int i = pos + scanned; i < limit; i++) {
                if (buf[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            if (newline >= 0) {
                break;
            }
            scanned = limit - pos;
            if (scanned > limits.maxInlineLength()) {
                throw new ProtocolException("too big inline request");
            }
            if (!fill()) {
                return END_OF_STREAM;
            }
        }
        if (newline - pos > limits.maxInlineLength()) {
            throw new ProtocolException("too big inline request");
        }
        int end = newline > pos && buf[newline - 1] == '\r' ? newline - 1 : newline;
        InlineSplitter.split(buf, pos, end, cmd);
        pos = newline + 1;
        return cmd.argc() > 0 ? COMPLETE : EMPTY;
    }

    /**
     * Copies more received bytes into the buffer; false at end of stream. When nothing is left
     * to copy it waits for the next chunk (the replies so far leave as it suspends).
     */
    private boolean fill() throws IOException {
        if (chunk == null) {
            if (pos == limit) { // nothing unread: start over at 0, in a small buffer again
                pos = 0;
                limit = 0;
                if (buf.length > SHRINK_ABOVE) {
                    buf = new byte[INITIAL];
                }
            }
            chunk = conn.receive();
            if (chunk == null) {
                return false;
            }
            chunkPos = 0;
        }
        if (limit == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                grow();
            }
        }
        int n = Math.min(buf.length - limit, chunk.length() - chunkPos);
        chunk.getBytes(chunkPos, buf, limit, n);
        limit += n;
        chunkPos += n;
        if (chunkPos == chunk.length()) {
            chunk.close();
            chunk = null;
        }
        return true;
    }

    /** Doubles the buffer: the request being parsed needs more than it holds. */
    private void grow() throws ProtocolException {
        long most = (long) limits.maxBulkLength() + 2L * limits.maxInlineLength() + 16;
        if (buf.length >= most) { // cannot happen while the limits are checked above; never OOM if it did
            throw new ProtocolException("request exceeds the server's limits");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(most, 2L * buf.length));
    }

    /** Bytes held for a request not yet complete (for tests). */
    int buffered() {
        return limit - pos + (chunk == null ? 0 : chunk.length() - chunkPos);
    }

    /** Capacity of the parse buffer (for tests: it follows what arrived, not what was announced). */
    int capacity() {
        return buf.length;
    }

    @Override
    public void close() {
        if (chunk != null) {
            chunk.close();
            chunk = null;
        }
    }
}
