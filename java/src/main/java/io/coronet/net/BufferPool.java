package io.coronet.net;

import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.util.ArrayDeque;

/**
 * Off-heap receive buffers shared by the connections of one event loop.
 *
 * <p>Why a pool and not a buffer per connection: a connection only needs memory while bytes
 * are in flight through it. An idle connection waits for readability holding no buffer, so
 * 10,000 idle connections cost no buffer memory at all, and a busy loop reuses the same few
 * warm buffers (no allocation and no page faults per message). A chunk is held across a
 * suspension only when a slow peer makes the write wait, which is the backpressure we want.
 *
 * <p>Loop-confined: obtained with {@link #of(EventLoop)}, freed when the loop terminates.
 */
public final class BufferPool implements AutoCloseable {
    /** Large enough that a 16 KiB message or a burst of pipelined ones is one read. */
    public static final int CHUNK_SIZE = 64 * 1024;
    /** Idle chunks kept warm; more are freed when returned. */
    static final int MAX_IDLE = 32;

    private final ArrayDeque<Chunk> idle = new ArrayDeque<>();
    private int lent;
    private boolean closed;

    /** The pool of {@code loop}; loop thread only. */
    public static BufferPool of(EventLoop loop) {
        return loop.resource(BufferPool.class, BufferPool::new);
    }

    Chunk borrow() {
        Chunk c = idle.pollFirst(); // LIFO: the most recently used buffer is the warmest in cache
        if (c == null) {
            c = new Chunk(this, NativeBuffer.allocate(CHUNK_SIZE));
        }
        c.start = 0;
        c.end = 0;
        c.lent = true;
        lent++;
        return c;
    }

    /**
     * A chunk holding a copy of src's remaining bytes (consumed; at most {@link #CHUNK_SIZE}):
     * for transports whose bytes come from elsewhere (a TLS engine's plaintext) and are handed
     * out through receive(). One memcpy when src is direct. Loop thread only.
     */
    public Chunk copyOf(java.nio.ByteBuffer src) {
        int length = src.remaining();
        if (length > CHUNK_SIZE) {
            throw new IllegalArgumentException(length + " bytes do not fit a chunk of " + CHUNK_SIZE);
        }
        Chunk c = borrow();
        c.buffer.byteBufferView().put(src);
        c.end = length;
        return c;
    }

    void release(Chunk c) {
        lent--;
        if (closed || idle.size() >= MAX_IDLE) {
            c.buffer.close();
        } else {
            idle.addFirst(c);
        }
    }

    /** Chunks currently lent out (for tests: a leak shows as a count that never returns to 0). */
    public int lentCount() {
        return lent;
    }

    @Override
    public void close() {
        closed = true;
        for (Chunk c : idle) {
            c.buffer.close();
        }
        idle.clear();
    }
}
