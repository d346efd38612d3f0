package io.coronet.net;

import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * Off-heap buffers shared by the connections of one event loop.
 *
 * <p>Why a pool and not a buffer per connection: a connection only needs memory while bytes
 * are in flight through it. An idle connection waits for readability holding no buffer, so
 * 10,000 idle connections cost no buffer memory at all, and a busy loop reuses the same few
 * warm buffers (no allocation and no page faults per message). A chunk is held across a
 * suspension only when a slow peer makes the write wait, which is the backpressure we want.
 *
 * <p>The pool keeps buffers, not {@link Chunk}s: every borrow wraps the buffer in a fresh chunk
 * (32 bytes per receive, the one allocation of the echo path: benchmarks/RESULTS.md) whose close
 * cuts it off the buffer, so a chunk closed by one borrower can never show the next borrower's
 * bytes.
 *
 * <p>Loop-confined: obtained with {@link #of(EventLoop)}, freed when the loop terminates.
 */
public final class BufferPool implements AutoCloseable {
    /** Large enough that a 16 KiB message or a burst of pipelined ones is one read. */
    public static final int CHUNK_SIZE = 64 * 1024;
    /** Idle buffers kept warm; more are freed when returned. */
    static final int MAX_IDLE = 32;

    private final EventLoop loop;
    private final ArrayDeque<NativeBuffer> idle = new ArrayDeque<>();
    private int lent;
    private boolean closed;

    private BufferPool(EventLoop loop) {
        this.loop = loop;
    }

    /** The pool of {@code loop}; loop thread only. */
    public static BufferPool of(EventLoop loop) {
        loop.checkConfined("BufferPool.of(loop)");
        return loop.resource(BufferPool.class, () -> new BufferPool(loop));
    }

    Chunk borrow() {
        NativeBuffer b = idle.pollFirst(); // LIFO: the most recently used buffer is the warmest in cache
        if (b == null) {
            b = NativeBuffer.allocate(CHUNK_SIZE);
        }
        lent++;
        return new Chunk(this, loop, b);
    }

    /**
     * A chunk holding a copy of src[offset, offset+length) (at most {@link #CHUNK_SIZE} bytes):
     * for transports that produce bytes on the heap (a TLS engine's plaintext) and hand them out
     * through {@link Connection#receive()}. Loop thread only.
     */
    public Chunk copyOf(byte[] src, int offset, int length) {
        loop.checkConfined(this);
        Objects.checkFromIndexSize(offset, length, src.length);
        checkFits(length);
        Chunk c = borrow();
        c.buffer.putBytes(0, src, offset, length);
        c.end = length;
        return c;
    }

    /**
     * {@link #copyOf(byte[], int, int)} of src's remaining bytes (consumed): one memcpy into the
     * chunk's memory through its ByteBuffer view, whether src is on the heap or direct (TLS
     * plaintext is in off-heap record buffers).
     */
    public Chunk copyOf(ByteBuffer src) {
        loop.checkConfined(this);
        int length = src.remaining();
        checkFits(length);
        Chunk c = borrow();
        c.buffer.byteBufferView().put(src);
        c.end = length;
        return c;
    }

    private static void checkFits(int length) {
        if (length > CHUNK_SIZE) {
            throw new IllegalArgumentException(length + " bytes do not fit a chunk of " + CHUNK_SIZE);
        }
    }

    void release(NativeBuffer b) {
        lent--;
        if (closed || idle.size() >= MAX_IDLE) {
            b.close();
        } else {
            idle.addFirst(b);
        }
    }

    /** Chunks currently lent out (for tests: a leak shows as a count that never returns to 0). */
    public int lentCount() {
        return lent;
    }

    @Override
    public void close() {
        closed = true;
        for (NativeBuffer b : idle) {
            b.close();
        }
        idle.clear();
    }

    @Override
    public String toString() {
        return "BufferPool[loop " + loop.name() + ", " + lent + " lent]";
    }
}
