package io.coronet.net.tls;

import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.util.ArrayDeque;

/**
 * Off-heap buffers for TLS records (ciphertext in and out) and decrypted plaintext, shared by
 * the TLS connections of one event loop, like {@link io.coronet.net.BufferPool}'s receive
 * chunks: a connection borrows one only while bytes are in flight through it, so an idle TLS
 * connection holds none (10,000 idle sessions cost no record memory).
 *
 * <p>One size for all three uses: two maximal TLS records (2 x 16,709 bytes) fit, so a read
 * from the socket can take a record and the start of the next, a write gathers two records
 * per syscall, and plaintext keeps a partial line while the next record is decrypted behind it.
 *
 * <p>The buffers are plain {@link NativeBuffer}s; their {@link NativeBuffer#byteBufferView()}
 * is what the SSLEngine reads and writes, and the socket reads and writes the same memory, so
 * no byte is copied between the socket and the engine. A connection drops its reference when
 * it gives a buffer back. Loop-confined: {@link #of(EventLoop)}, freed when the loop ends.
 */
public final class RecordBuffers implements AutoCloseable {
    /** Two maximal records (16,709 bytes each, what SSLEngine's packet buffer size says) and room to spare. */
    public static final int SIZE = 36 * 1024;
    static final int MAX_IDLE = 32;

    private final ArrayDeque<NativeBuffer> idle = new ArrayDeque<>();
    private int lent;
    private boolean closed;

    private RecordBuffers() {
    }

    /** The record buffers of {@code loop}; loop thread only. */
    public static RecordBuffers of(EventLoop loop) {
        return loop.resource(RecordBuffers.class, RecordBuffers::new);
    }

    NativeBuffer borrow() {
        NativeBuffer b = idle.pollFirst(); // LIFO: the warmest in cache
        if (b == null) {
            b = NativeBuffer.allocate(SIZE);
        }
        lent++;
        return b;
    }

    /** Takes {@code b} back; returns null so the caller writes {@code buf = buffers.release(buf)}. */
    NativeBuffer release(NativeBuffer b) {
        if (b != null) {
            lent--;
            if (closed || idle.size() >= MAX_IDLE) {
                b.close();
            } else {
                idle.addFirst(b);
            }
        }
        return null;
    }

    /** Buffers currently lent out (for tests: an idle connection holds none, a leak never returns to 0). */
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
}
