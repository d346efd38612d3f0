package io.coronet.net;

import io.coronet.ffi.NativeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Bytes received from a connection: the region [start, end) of an off-heap buffer, pooled
 * (or, for a partial line kept across a wait, a small one of its own).
 * Lent by {@link TcpConnection#receive()}; {@link #close()} gives the buffer back to its
 * loop's pool (or frees its own), so a chunk is used inside try-with-resources and never kept
 * across loops.
 */
public final class Chunk implements AutoCloseable {
    private final BufferPool pool;
    final NativeBuffer buffer;
    int start;
    int end;
    boolean lent;

    Chunk(BufferPool pool, NativeBuffer buffer) {
        this.pool = pool;
        this.buffer = buffer;
    }

    /** A chunk of its own, freed on close: for the few bytes a connection keeps while it waits. */
    static Chunk unpooled(int capacity) {
        Chunk c = new Chunk(null, NativeBuffer.allocate(capacity));
        c.lent = true;
        return c;
    }

    boolean isPooled() {
        return pool != null;
    }

    public int length() {
        return end - start;
    }

    public boolean isEmpty() {
        return end == start;
    }

    /** Byte {@code i} of this chunk, 0 <= i < length(). */
    public byte get(int i) {
        if (i < 0 || i >= end - start) {
            throw new IndexOutOfBoundsException("index " + i + " outside chunk of length " + (end - start));
        }
        return buffer.get(start + i);
    }

    /**
     * Copies bytes [index, index+length) of this chunk into {@code dst[dstOffset..]}: one bulk
     * copy, for a parser that keeps its own heap buffer (no per-byte native access).
     */
    public void getBytes(int index, byte[] dst, int dstOffset, int length) {
        java.util.Objects.checkFromIndexSize(index, length, end - start);
        buffer.getBytes(start + index, dst, dstOffset, length);
    }

    public byte[] toByteArray() {
        byte[] b = new byte[end - start];
        buffer.getBytes(start, b, 0, b.length);
        return b;
    }

    /** The bytes decoded as UTF-8 (for text protocols and tests). */
    public String toText() {
        return new String(toByteArray(), StandardCharsets.UTF_8);
    }

    /** Drops the first {@code n} bytes (they were consumed). */
    void consume(int n) {
        start += n;
    }

    @Override
    public void close() {
        if (lent) {
            lent = false;
            if (pool != null) {
                pool.release(this);
            } else {
                buffer.close();
            }
        }
    }
}
