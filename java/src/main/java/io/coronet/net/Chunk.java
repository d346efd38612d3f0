package io.coronet.net;

import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.nio.charset.StandardCharsets;

/**
 * Bytes received from a connection: the region [start, end) of an off-heap buffer, pooled
 * (or, for a partial line kept across a wait, a small one of its own).
 * Lent by {@link Connection#receive()}; {@link #close()} gives the buffer back to its loop's
 * pool (or frees its own), so a chunk is used inside try-with-resources.
 *
 * <p><b>Closed means gone.</b> After {@link #close()} every access ({@link #get}, {@link #length},
 * {@link #isEmpty}, {@link #toByteArray}, {@link #toText}, sending it) throws
 * {@link IllegalStateException}; a second close does nothing. The pool lends its buffers in a
 * fresh {@code Chunk} each time, so a stale reference can never reach the bytes of the buffer's
 * next borrower (another message, maybe another connection's).
 *
 * <p>Loop-confined like the connection it came from: another thread gets
 * {@link io.coronet.loop.WrongLoopException} (copy the bytes out with {@link #toByteArray()} to
 * hand them over).
 */
public final class Chunk implements AutoCloseable {
    /** Where the buffer goes back on close; null: the chunk owns it and frees it. */
    private final BufferPool pool;
    private final EventLoop loop;
    /** The bytes; null once closed (one null check guards every access). */
    NativeBuffer buffer;
    int start;
    int end;

    Chunk(BufferPool pool, EventLoop loop, NativeBuffer buffer) {
        this.pool = pool;
        this.loop = loop;
        this.buffer = buffer;
    }

    /** A chunk of its own, freed on close: for the few bytes a connection keeps while it waits. */
    static Chunk unpooled(EventLoop loop, int capacity) {
        return new Chunk(null, loop, NativeBuffer.allocate(capacity));
    }

    boolean isPooled() {
        return pool != null;
    }

    /** The buffer, after checking the chunk is open and on its loop: the gate of every public access. */
    NativeBuffer open() {
        NativeBuffer b = buffer;
        if (b == null) {
            throw new IllegalStateException("chunk used after close(): its buffer went back to the pool"
                    + " and may hold someone else's bytes now; copy what you need (toByteArray) before closing it");
        }
        loop.checkConfined(this);
        return b;
    }

    /**
     * The chunk's bytes as a read-only direct ByteBuffer over its memory (no copy), for JDK APIs
     * that read ByteBuffers: TLS encrypts a chunk straight from it. Valid until the chunk is
     * closed; do not keep it beyond that (the memory goes back to the pool).
     */
    public java.nio.ByteBuffer asReadOnlyByteBuffer() {
        NativeBuffer b = open();
        return b.byteBufferView().slice(start, end - start).asReadOnlyBuffer();
    }

    public int length() {
        open();
        return end - start;
    }

    public boolean isEmpty() {
        open();
        return end == start;
    }

    /** Byte {@code i} of this chunk, 0 <= i < length(). */
    public byte get(int i) {
        NativeBuffer b = open();
        if (i < 0 || i >= end - start) {
            throw new IndexOutOfBoundsException("index " + i + " outside chunk of length " + (end - start));
        }
        return b.get(start + i);
    }

    /**
     * Copies bytes [index, index+length) of this chunk into {@code dst[dstOffset..]}: one bulk
     * copy, for a parser that keeps its own heap buffer (no per-byte native access).
     */
    public void getBytes(int index, byte[] dst, int dstOffset, int length) {
        NativeBuffer b = open();
        java.util.Objects.checkFromIndexSize(index, length, end - start);
        b.getBytes(start + index, dst, dstOffset, length);
    }

    public byte[] toByteArray() {
        NativeBuffer b = open();
        byte[] bytes = new byte[end - start];
        b.getBytes(start, bytes, 0, bytes.length);
        return bytes;
    }

    /** The bytes decoded as UTF-8 (for text protocols and tests). */
    public String toText() {
        return new String(toByteArray(), StandardCharsets.UTF_8);
    }

    /** True once closed (any thread). */
    public boolean isClosed() {
        return buffer == null;
    }

    /** Drops the first {@code n} bytes (they were consumed). */
    void consume(int n) {
        start += n;
    }

    /** Gives the buffer back (or frees it); every later access throws. Idempotent. */
    @Override
    public void close() {
        NativeBuffer b = buffer;
        if (b == null) {
            return;
        }
        loop.checkConfined(this); // the pool is loop-confined: a foreign thread must not touch it
        buffer = null;
        if (pool != null) {
            pool.release(b);
        } else {
            b.close();
        }
    }

    @Override
    public String toString() {
        return buffer == null ? "Chunk[closed]" : "Chunk[" + (end - start) + " bytes, loop " + loop.name() + "]";
    }
}
