package io.coronet.ffi;

/**
 * An off-heap {@code struct iovec} array for {@link NativeSockets#writev} / {@link NativeSockets#readv}:
 * several buffer ranges moved by one syscall (e.g. a header and a body, or every queued reply of
 * a connection), instead of one write each.
 *
 * <p>Each {@link #add} checks the range against its {@link NativeBuffer} (so only valid addresses
 * are stored), and the buffers are remembered: readv/writev re-check that none was closed since,
 * so a freed buffer never reaches the kernel. Layout (sizeof, offsets) comes from {@link Abi};
 * the capacity is at most {@link Abi#IOV_MAX}.
 *
 * <p>Reusable ({@link #clear}) and allocation-free after construction. Not thread-safe.
 */
public final class IoVector implements AutoCloseable {

    private final NativeBuffer iov;
    private final NativeBuffer[] buffers;
    private final int capacity;
    private int count;
    private long totalLength;

    private IoVector(int capacity) {
        this.capacity = capacity;
        this.iov = NativeBuffer.allocate(capacity * Abi.IOVEC_SIZE);
        this.buffers = new NativeBuffer[capacity];
    }

    /** Room for {@code capacity} ranges, 1 to {@link Abi#IOV_MAX}. */
    public static IoVector allocate(int capacity) {
        NativeLibrary.ensureAvailable();
        if (Abi.IOVEC_SIZE < 16 || Abi.IOVEC_BASE_OFFSET + 8 > Abi.IOVEC_SIZE || Abi.IOVEC_LEN_OFFSET + 8 > Abi.IOVEC_SIZE) {
            throw new UnsupportedOperationException("IoVector needs 64-bit iov_base/iov_len (sizeof(struct iovec) = "
                    + Abi.IOVEC_SIZE + ")");
        }
        if (capacity <= 0 || capacity > Abi.IOV_MAX) {
            throw new IllegalArgumentException("capacity must be in [1, " + Abi.IOV_MAX + "]: " + capacity);
        }
        return new IoVector(capacity);
    }

    /** Appends {@code buf[offset, offset + length)}. */
    public IoVector add(NativeBuffer buf, int offset, int length) {
        if (count == capacity) {
            throw new IllegalStateException("IoVector is full (" + capacity + " ranges)");
        }
        long address = buf.checkedAddress(offset, length);
        int at = count * Abi.IOVEC_SIZE;
        iov.putLong(at + Abi.IOVEC_BASE_OFFSET, address);
        iov.putLong(at + Abi.IOVEC_LEN_OFFSET, length);
        buffers[count++] = buf;
        totalLength += length;
        return this;
    }

    /**
     * Drops the first {@code bytes} of the ranges, as after a writev that moved that many:
     * ranges written completely go, a partly written one starts later. Then writev again with
     * what is left.
     */
    public void consume(long bytes) {
        if (bytes < 0 || bytes > totalLength) {
            throw new IllegalArgumentException("cannot consume " + bytes + " of " + totalLength + " bytes");
        }
        int done = 0;
        long left = bytes;
        while (done < count) {
            int at = done * Abi.IOVEC_SIZE;
            long len = iov.getLong(at + Abi.IOVEC_LEN_OFFSET);
            if (left < len) {
                if (left > 0) {
                    iov.putLong(at + Abi.IOVEC_BASE_OFFSET, iov.getLong(at + Abi.IOVEC_BASE_OFFSET) + left);
                    iov.putLong(at + Abi.IOVEC_LEN_OFFSET, len - left);
                }
                break;
            }
            left -= len;
            done++;
        }
        if (done > 0) {
            iov.copyWithin(done * Abi.IOVEC_SIZE, 0, (count - done) * Abi.IOVEC_SIZE);
            System.arraycopy(buffers, done, buffers, 0, count - done);
            java.util.Arrays.fill(buffers, count - done, count, null);
            count -= done;
        }
        totalLength -= bytes;
    }

    /** Forgets all ranges. */
    public void clear() {
        java.util.Arrays.fill(buffers, 0, count, null);
        count = 0;
        totalLength = 0;
    }

    /** The buffer of range {@code i} (0 <= i < count): for a transport that transforms the bytes (TLS encrypts them). */
    public NativeBuffer buffer(int i) {
        java.util.Objects.checkIndex(i, count);
        return buffers[i];
    }

    /** Where range {@code i} starts in {@link #buffer(int)}. */
    public int offset(int i) {
        java.util.Objects.checkIndex(i, count);
        return (int) (iov.getLong(i * Abi.IOVEC_SIZE + Abi.IOVEC_BASE_OFFSET) - buffers[i].address());
    }

    /** The length of range {@code i}. */
    public int length(int i) {
        java.util.Objects.checkIndex(i, count);
        return (int) iov.getLong(i * Abi.IOVEC_SIZE + Abi.IOVEC_LEN_OFFSET);
    }

    public int count() {
        return count;
    }

    public int capacity() {
        return capacity;
    }

    /** The sum of the range lengths. */
    public long totalLength() {
        return totalLength;
    }

    /** The iovec array's address, after checking that every buffer added is still open. */
    long checkedAddress() {
        for (int i = 0; i < count; i++) {
            if (buffers[i].isClosed()) {
                throw new IllegalStateException("range " + i + " of the IoVector belongs to a closed NativeBuffer");
            }
        }
        return iov.checkedAddress(0, Math.max(count, 1) * Abi.IOVEC_SIZE);
    }

    @Override
    public void close() {
        clear();
        iov.close();
    }
}
