package io.coronet.net;

import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.nio.charset.StandardCharsets;

/**
 * The bytes a connection has taken from the transport but not handed out yet: what followed a
 * line, a partial line, the first bytes of a {@code readExactly}. Every read of a connection
 * takes from here first, and a read that is interrupted (deadline, cancel, lost select) leaves
 * its bytes here, so none is lost or duplicated.
 *
 * <p>Memory: empty means no buffer at all. Bytes are read into a pooled chunk; before the
 * connection waits with bytes queued, {@link #park()} moves them into a buffer just big enough
 * and gives the pooled one back, so a peer trickling a line in (or 10,000 of them holding a
 * partial greeting on purpose) pins no 64 KiB pooled buffer while it waits.
 *
 * <p>Loop-confined (its connection checks).
 */
final class InboundBuffer {
    /** Smallest buffer queued bytes are parked in while the connection waits for more. */
    private static final int PARKED_MIN = 256;

    private final EventLoop loop;
    private final BufferPool pool;
    /** The queued bytes, [start, end) of its buffer; null when none. */
    private Chunk queued;

    InboundBuffer(EventLoop loop, BufferPool pool) {
        this.loop = loop;
        this.pool = pool;
    }

    boolean isEmpty() {
        return queued == null;
    }

    int length() {
        return queued == null ? 0 : queued.end - queued.start;
    }

    /** Hands out every queued byte as one chunk (the caller closes it); null when empty. */
    Chunk takeAll() {
        Chunk c = queued;
        queued = null;
        return c;
    }

    /** Moves up to {@code length} queued bytes to dst[offset..]; returns how many. */
    int takeInto(NativeBuffer dst, int offset, int length) {
        int n = Math.min(length, length());
        if (n > 0) {
            NativeBuffer.copy(queued.buffer, queued.start, dst, offset, n);
            consume(n);
        }
        return n;
    }

    /** Index (from the first queued byte) of the first {@code b} at or after {@code from}, or -1. */
    int indexOf(byte b, int from) {
        if (queued == null) {
            return -1;
        }
        NativeBuffer buf = queued.buffer;
        for (int i = queued.start + from; i < queued.end; i++) {
            if (buf.get(i) == b) {
                return i - queued.start;
            }
        }
        return -1;
    }

    /**
     * Takes the line that ends with the '\n' at {@code newlineAt} (relative), without it and a
     * '\r' before it, as UTF-8. Nothing is taken if it is longer than {@code maxLength}.
     */
    String takeLine(int newlineAt, int maxLength) throws LineTooLongException {
        int length = newlineAt;
        if (length > 0 && queued.buffer.get(queued.start + length - 1) == '\r') {
            length--;
        }
        if (length > maxLength) {
            throw new LineTooLongException(maxLength);
        }
        byte[] bytes = new byte[length];
        queued.buffer.getBytes(queued.start, bytes, 0, length);
        consume(newlineAt + 1);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void consume(int n) {
        queued.consume(n);
        if (queued.start == queued.end) {
            queued.close();
            queued = null;
        }
    }

    // ---- appending ---------------------------------------------------------------------------

    /**
     * Makes room to read into: a buffer that holds the queued bytes from offset 0 and has space
     * behind them for at least one more byte and, in all, {@code want} bytes. Then read into
     * {@link #tail()} from {@link #end()} and call {@link #appended}.
     */
    void prepareAppend(int want) {
        if (queued == null) {
            queued = want <= BufferPool.CHUNK_SIZE ? pool.borrow() : Chunk.unpooled(loop, want);
            return;
        }
        int len = length();
        if (queued.start > 0) { // compact: the queued bytes start at 0, the room is behind them
            queued.buffer.copyWithin(queued.start, 0, len);
            queued.start = 0;
            queued.end = len;
        }
        int need = Math.max(want, len + 1);
        int capacity = queued.buffer.capacity();
        if (need <= capacity) {
            return;
        }
        Chunk bigger;
        if (!queued.isPooled() && need <= BufferPool.CHUNK_SIZE && capacity * 2 < BufferPool.CHUNK_SIZE) {
            bigger = Chunk.unpooled(loop, Math.max(need, capacity * 2)); // a parked line grows by doubling
        } else if (need <= BufferPool.CHUNK_SIZE) {
            bigger = pool.borrow();
        } else {
            bigger = Chunk.unpooled(loop, need); // a readExactly longer than a pooled buffer
        }
        NativeBuffer.copy(queued.buffer, 0, bigger.buffer, 0, len);
        bigger.end = len;
        queued.close();
        queued = bigger;
    }

    NativeBuffer tail() {
        return queued.buffer;
    }

    int end() {
        return queued.end;
    }

    int room() {
        return queued.buffer.capacity() - queued.end;
    }

    /** {@code n} bytes were read in at {@link #end()}; a read of none leaves no empty buffer behind. */
    void appended(int n) {
        queued.end += n;
        if (queued.start == queued.end) {
            queued.close();
            queued = null;
        }
    }

    /**
     * The connection is about to wait with bytes queued: keep them in a buffer just big enough
     * and give the 64 KiB pooled one back (~64 KiB of address space and 4-8 KiB of RSS per
     * waiting connection otherwise, measured).
     */
    void park() {
        if (queued == null || !queued.isPooled()) {
            return;
        }
        int len = length();
        int room = Math.max(PARKED_MIN, Integer.highestOneBit(Math.max(len, 1)) << 1); // >= len + 1
        Chunk own = Chunk.unpooled(loop, Math.min(BufferPool.CHUNK_SIZE, room));
        NativeBuffer.copy(queued.buffer, queued.start, own.buffer, 0, len);
        own.end = len;
        queued.close();
        queued = own;
    }

    /** Frees what is queued. */
    void clear() {
        if (queued != null) {
            queued.close();
            queued = null;
        }
    }
}
