package io.coronet.ffi;

import com.kenai.jffi.MemoryIO;

import java.util.Objects;

/**
 * A block of off-heap memory whose address may be handed to libcoronet.
 *
 * <p>Every access is bounds-checked in Java, so a wrong index or length throws
 * {@link IndexOutOfBoundsException} and never reaches memory it does not own. After
 * {@link #close()} (idempotent) every access throws {@link IllegalStateException} and the freed
 * memory is never touched. {@link #checkedAddress(int, int)} is the only way to get an address
 * for a native call: it checks the range first.
 *
 * <p>Memory is jffi's {@link MemoryIO} (malloc/free and Unsafe-style access), not java.nio: no
 * Cleaner, no ByteBuffer bookkeeping, the address is a plain long.
 *
 * <p>Not thread-safe: one owner uses and closes it (closing while another thread is inside a
 * native call with its address is a use-after-free the owner must rule out).
 */
public final class NativeBuffer implements AutoCloseable {

    private static final MemoryIO IO = MemoryIO.getInstance();
    private static final ArrayCopier COPIER = ArrayCopier.best();

    private long address;
    /** The ByteBuffer view handed out by {@link #byteBufferView()}, made once; null until asked. */
    private java.nio.ByteBuffer view;
    /** -1 once closed, so the single bounds check also rejects every access (even of length 0) after close. */
    private int capacity;
    private final int allocated;

    private NativeBuffer(long address, int capacity) {
        this.address = address;
        this.capacity = capacity;
        this.allocated = capacity;
    }

    /** Allocates {@code capacity} (> 0) zeroed bytes. */
    public static NativeBuffer allocate(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0: " + capacity);
        }
        long address = IO.allocateMemory(capacity, true);
        if (address == 0) {
            throw new OutOfMemoryError("cannot allocate " + capacity + " bytes off-heap");
        }
        return new NativeBuffer(address, capacity);
    }

    /** The base address. Prefer {@link #checkedAddress}: this one is for logging and tests. */
    public long address() {
        ensureOpen();
        return address;
    }

    public int capacity() {
        return allocated;
    }

    public boolean isClosed() {
        return capacity < 0;
    }

    /**
     * The address of {@code [offset, offset + length)} after checking that the range lies in this
     * buffer: what may be passed to native code with that length.
     */
    public long checkedAddress(int offset, int length) {
        if ((offset | length) < 0 || length > capacity - offset) {
            throw outside(offset, length);
        }
        return address + offset;
    }

    public byte get(int index) {
        return IO.getByte(checkedAddress(index, 1));
    }

    public void put(int index, byte value) {
        IO.putByte(checkedAddress(index, 1), value);
    }

    /** A native-endian int at {@code offset}. */
    public int getInt(int offset) {
        return IO.getInt(checkedAddress(offset, 4));
    }

    public void putInt(int offset, int value) {
        IO.putInt(checkedAddress(offset, 4), value);
    }

    /** A native-endian long at {@code offset}. */
    public long getLong(int offset) {
        return IO.getLong(checkedAddress(offset, 8));
    }

    public void putLong(int offset, long value) {
        IO.putLong(checkedAddress(offset, 8), value);
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset..]}. */
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        long from = checkedAddress(offset, length);
        if (length > 0) {
            COPIER.toArray(from, dst, dstOffset, length);
        }
    }

    /** Copies {@code src[srcOffset..srcOffset+length)} to {@code offset}. */
    public void putBytes(int offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        long to = checkedAddress(offset, length);
        if (length > 0) {
            COPIER.fromArray(src, srcOffset, to, length);
        }
    }

    /** Copies all of {@code src} to {@code offset}. */
    public void putBytes(int offset, byte[] src) {
        putBytes(offset, src, 0, src.length);
    }

    /** Moves {@code length} bytes from {@code src} to {@code dst} within this buffer; the ranges may overlap (memmove). */
    public void copyWithin(int src, int dst, int length) {
        long from = checkedAddress(src, length);
        long to = checkedAddress(dst, length);
        if (length > 0) {
            IO.memmove(to, from, length);
        }
    }

    /** Copies {@code length} bytes from src[srcOffset..] to dst[dstOffset..] (different buffers or not: memmove). */
    public static void copy(NativeBuffer src, int srcOffset, NativeBuffer dst, int dstOffset, int length) {
        long from = src.checkedAddress(srcOffset, length);
        long to = dst.checkedAddress(dstOffset, length);
        if (length > 0) {
            IO.memmove(to, from, length);
        }
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public void fill(int offset, int length, byte value) {
        long at = checkedAddress(offset, length);
        if (length > 0) {
            IO.setMemory(at, length, value);
        }
    }

    /**
     * A direct {@link java.nio.ByteBuffer} over all of this buffer's memory, for JDK APIs that
     * only take ByteBuffers (an {@link javax.net.ssl.SSLEngine}): the bytes are shared, not copied.
     * The same view on every call (made on the first), so callers set its position and limit
     * for each use and must not keep a position across a suspension.
     *
     * <p>The view checks every access against its own capacity (this buffer's), so it cannot
     * reach memory outside the buffer; it cannot know when the buffer is freed, though. Only
     * an owner that drops the view when it closes or pools the buffer may ask for one: TLS
     * record buffers are the one user, and never let the view escape.
     */
    public java.nio.ByteBuffer byteBufferView() {
        ensureOpen();
        if (view == null) {
            view = IO.newDirectByteBuffer(address, allocated);
        }
        return view.clear();
    }

    /** Frees the memory. Idempotent; afterwards every access throws IllegalStateException. */
    @Override
    public void close() {
        if (capacity >= 0) {
            long a = address;
            capacity = -1;
            address = 0;
            if (view != null) {
                view.limit(0); // a view someone kept anyway reads and writes nothing
                view = null;
            }
            IO.freeMemory(a);
        }
    }

    @Override
    public String toString() {
        return isClosed() ? "NativeBuffer(closed)" : "NativeBuffer(" + allocated + " bytes)";
    }

    private void ensureOpen() {
        if (capacity < 0) {
            throw closed();
        }
    }

    private RuntimeException outside(int offset, int length) {
        if (capacity < 0) {
            return closed();
        }
        return new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                + ") is outside the buffer of " + capacity + " bytes");
    }

    private static IllegalStateException closed() {
        return new IllegalStateException("NativeBuffer is closed");
    }
}
