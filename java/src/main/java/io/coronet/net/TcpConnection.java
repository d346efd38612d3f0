package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Deadline;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.SocketAddress;
import io.coronet.loop.EventLoop;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A TCP connection for coroutines: every call that would block suspends the calling coroutine
 * instead, and the code reads straight down.
 *
 * <pre>{@code
 * while (true) {                                   // an echo server's whole connection logic
 *     try (Chunk chunk = conn.receive()) {
 *         if (chunk == null) break;                // EOF: the peer closed its side
 *         conn.send(chunk);
 *     }
 * }
 * }</pre>
 *
 * <h2>Outcomes</h2>
 * End of stream is a normal result ({@code null} or -1); a reset is a
 * {@link io.coronet.ffi.ConnectionResetException}; writing after the peer is gone is a
 * {@link io.coronet.ffi.BrokenPipeException} or a reset; every other failure is a
 * {@link io.coronet.ffi.NativeException} that names the call and errno.
 *
 * <h2>Costs</h2>
 * A message costs one read and one write syscall: readiness is edge-triggered and registered
 * once, a short read means the socket is drained (no read that only returns EAGAIN), and
 * writes go straight to the kernel. Writes are not buffered in user space, so there is nothing
 * to flush; a write that finds the send buffer full suspends until the peer reads
 * (backpressure: a peer that never reads holds at most one receive chunk of ours).
 *
 * <p>Owned by one coroutine at a time (one reader and one writer coroutine may share it);
 * loop-thread only.
 */
public final class TcpConnection implements AutoCloseable {
    /** Smallest buffer a partial line is parked in while the connection waits for the rest. */
    private static final int PARKED_MIN = 256;

    private final AsyncFd fd;
    private final BufferPool pool;
    /** Bytes received but not yet handed out (what followed a line), or null. */
    private Chunk inbound;
    private boolean eof;

    TcpConnection(AsyncFd fd) {
        this.fd = fd;
        this.pool = BufferPool.of(fd.loop());
    }

    /**
     * Connects to host:port from the current coroutine, suspending until connected or until
     * {@code timeout} passes ({@link io.coronet.coro.CoroutineTimeoutException}).
     */
    public static TcpConnection connect(String host, int port, Duration timeout) throws Exception {
        Coroutine co = Coroutine.current();
        if (co == null) {
            throw new IllegalStateException("TcpConnection.connect must be called from a coroutine");
        }
        int raw = NativeSockets.connect(host, port);
        AsyncFd fd;
        try {
            fd = AsyncFd.register(co.loop(), raw);
        } catch (IOException | RuntimeException e) {
            NativeSockets.close(raw);
            throw e;
        }
        try {
            try (Deadline d = Deadline.after(timeout)) {
                fd.writeBlocked(); // a connect in progress is not writable until the kernel says so
                fd.awaitWritable();
            }
            NativeSockets.checkConnected(raw);
            return new TcpConnection(fd);
        } catch (Exception e) {
            fd.close();
            throw e;
        }
    }

    public int fd() {
        return fd.fd();
    }

    public EventLoop loop() {
        return fd.loop();
    }

    public SocketAddress remoteAddress() throws IOException {
        return NativeSockets.peerAddress(fd.fd());
    }

    public SocketAddress localAddress() throws IOException {
        return NativeSockets.localAddress(fd.fd());
    }

    // ---- reading -----------------------------------------------------------------------------

    /**
     * Suspends until bytes arrive and returns them in a pooled chunk (close it when done), or
     * returns null at end of stream.
     */
    public Chunk receive() throws IOException {
        if (inbound != null) {
            Chunk c = inbound;
            inbound = null;
            return c;
        }
        Chunk c = null;
        try {
            while (!eof) {
                fd.awaitReadable(); // before borrowing: an idle connection holds no buffer
                if (c == null) {
                    c = pool.borrow();
                }
                int n = readSome(c.buffer, 0, c.buffer.capacity());
                if (n > 0) {
                    c.end = n;
                    Chunk out = c;
                    c = null;
                    return out;
                }
                c.close(); // readiness was stale: do not hold a buffer while waiting again
                c = null;
            }
            return null;
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * Reads at least one byte into buf[offset, offset+length), suspending until some arrive.
     * Returns the count, or -1 at end of stream.
     */
    public int read(NativeBuffer buf, int offset, int length) throws IOException {
        buf.checkedAddress(offset, length); // validate before anything else
        if (length == 0) {
            return 0;
        }
        if (inbound != null) {
            int n = Math.min(length, inbound.length());
            NativeBuffer.copy(inbound.buffer, inbound.start, buf, offset, n);
            inbound.consume(n);
            dropInboundIfEmpty();
            return n;
        }
        while (!eof) {
            fd.awaitReadable();
            int n = readSome(buf, offset, length);
            if (n > 0) {
                return n;
            }
        }
        return -1;
    }

    /** Fills buf[offset, offset+length) completely; {@link EOFException} if the stream ends first. */
    public void readExactly(NativeBuffer buf, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = read(buf, offset + done, length - done);
            if (n < 0) {
                throw new EOFException("connection closed after " + done + " of " + length + " bytes");
            }
            done += n;
        }
    }

    /**
     * Reads one line ending in "\n" (a "\r" before it is dropped) and returns it without the
     * terminator, decoded as UTF-8. Bytes after the line stay queued for the next read.
     * Returns null at end of stream before any byte; throws {@link EOFException} if the stream
     * ends mid-line and {@link LineTooLongException} past {@code maxLength} bytes.
     */
    public String readLine(int maxLength) throws IOException {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength < 0");
        }
        int scanned = 0; // bytes of inbound already known to hold no '\n'
        while (true) {
            if (inbound != null) {
                for (int i = inbound.start + scanned; i < inbound.end; i++) {
                    if (inbound.buffer.get(i) == '\n') {
                        return takeLine(i, maxLength);
                    }
                }
                scanned = inbound.length();
                if (scanned > maxLength + 1) { // + 1: room for a '\r' before the '\n'
                    throw new LineTooLongException(maxLength);
                }
            }
            if (!fillInbound()) {
                if (inbound == null) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a line");
            }
        }
    }

    /**
     * {@link #readLine(int)} with a deadline for the whole line, however slowly it trickles in:
     * {@link io.coronet.coro.CoroutineTimeoutException} once {@code timeout} has passed.
     */
    public String readLine(int maxLength, Duration timeout) throws IOException {
        try (Deadline d = Deadline.after(timeout)) {
            return readLine(maxLength);
        }
    }

    private String takeLine(int newlineAt, int maxLength) throws LineTooLongException {
        int lineEnd = newlineAt;
        if (lineEnd > inbound.start && inbound.buffer.get(lineEnd - 1) == '\r') {
            lineEnd--;
        }
        int length = lineEnd - inbound.start;
        if (length > maxLength) {
            throw new LineTooLongException(maxLength);
        }
        byte[] bytes = new byte[length];
        inbound.buffer.getBytes(inbound.start, bytes, 0, length);
        inbound.consume(newlineAt + 1 - inbound.start);
        dropInboundIfEmpty();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Appends received bytes to inbound; false at end of stream. */
    private boolean fillInbound() throws IOException {
        if (inbound == null) {
            Chunk c = receive();
            if (c == null) {
                return false;
            }
            inbound = c;
            return true;
        }
        if (inbound.start > 0) { // compact so the line starts at 0 and there is room behind it
            int len = inbound.length();
            inbound.buffer.copyWithin(inbound.start, 0, len);
            inbound.start = 0;
            inbound.end = len;
        }
        while (!eof) {
            if (!fd.isReadable()) {
                parkInbound();
            }
            fd.awaitReadable();
            if (inbound.end == inbound.buffer.capacity()) {
                growInbound();
            }
            int n = readSome(inbound.buffer, inbound.end, inbound.buffer.capacity() - inbound.end);
            if (n > 0) {
                inbound.end += n;
                return true;
            }
        }
        return false;
    }

    /**
     * About to wait for the rest of a line: keep its first bytes in a buffer just big enough and
     * give the 64 KiB pooled one back. Otherwise every peer that trickles a line in (a slow
     * client, or 10,000 of them holding a partial greeting on purpose) pins a pooled buffer for
     * as long as it likes: ~64 KiB of address space and 4-8 KiB of RSS per connection, measured.
     */
    private void parkInbound() {
        if (!inbound.isPooled()) {
            return;
        }
        int len = inbound.length(); // start is 0: compacted
        int room = Math.max(PARKED_MIN, Integer.highestOneBit(Math.max(len, 1)) << 1); // >= len + 1
        Chunk own = Chunk.unpooled(Math.min(BufferPool.CHUNK_SIZE, room));
        NativeBuffer.copy(inbound.buffer, 0, own.buffer, 0, len);
        own.end = len;
        inbound.close();
        inbound = own;
    }

    /** A parked line outgrew its buffer: double it, up to the pooled size. */
    private void growInbound() throws LineTooLongException {
        int capacity = inbound.buffer.capacity();
        if (capacity >= BufferPool.CHUNK_SIZE) {
            throw new LineTooLongException(capacity);
        }
        Chunk bigger = Chunk.unpooled(Math.min(BufferPool.CHUNK_SIZE, capacity * 2));
        NativeBuffer.copy(inbound.buffer, 0, bigger.buffer, 0, inbound.end);
        bigger.end = inbound.end;
        inbound.close();
        inbound = bigger;
    }

    private void dropInboundIfEmpty() {
        if (inbound != null && inbound.isEmpty()) {
            inbound.close();
            inbound = null;
        }
    }

    /**
     * One read syscall: > 0 bytes, or 0 when it would block or hit end of stream (then
     * {@link #eof} is set). Tells the fd when the socket is drained, which a short read proves.
     */
    private int readSome(NativeBuffer buf, int offset, int length) throws IOException {
        int n = NativeSockets.read(fd.fd(), buf, offset, length);
        if (n > 0) {
            if (n < length) {
                fd.readDrained();
            }
            return n;
        }
        if (n == 0) {
            eof = true;
            return 0;
        }
        fd.readDrained(); // WOULD_BLOCK
        return 0;
    }

    /**
     * Suspends until a read may find bytes or end of stream, without reading: for a transport
     * layered on this one (TLS) that borrows its buffer only once bytes are there, so an idle
     * connection holds none. Returns at once when bytes are queued here already.
     */
    public void awaitReadable() throws IOException {
        if (inbound == null && !eof) {
            fd.awaitReadable();
        }
    }

    /** True once end of stream was read. */
    public boolean isEof() {
        return eof && inbound == null;
    }

    // ---- writing -----------------------------------------------------------------------------

    /** Writes all of {@code chunk}, suspending while the peer's window is full. */
    public void send(Chunk chunk) throws IOException {
        write(chunk.buffer, chunk.start, chunk.length());
    }

    /** Writes all of buf[offset, offset+length), suspending while the send buffer is full. */
    public void write(NativeBuffer buf, int offset, int length) throws IOException {
        buf.checkedAddress(offset, length);
        int done = 0;
        while (done < length) {
            fd.awaitWritable();
            int n = NativeSockets.write(fd.fd(), buf, offset + done, length - done);
            if (n == NativeSockets.WOULD_BLOCK) {
                fd.writeBlocked();
                continue;
            }
            done += n;
            if (done < length) {
                fd.writeBlocked(); // a partial write means the send buffer is full now
            }
        }
    }

    /** Writes all of {@code bytes} (copied through a pooled off-heap chunk). */
    public void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    public void write(byte[] bytes, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        try (Chunk c = pool.borrow()) {
            int done = 0;
            while (done < length) {
                int n = Math.min(length - done, c.buffer.capacity());
                c.buffer.putBytes(0, bytes, offset + done, n);
                write(c.buffer, 0, n);
                done += n;
            }
        }
    }

    /** Writes {@code text} as UTF-8. */
    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes are unbuffered (each returns once the kernel holds every byte), so there is never
     * anything to flush; kept so code ported from buffered streams reads naturally.
     */
    public void flush() {
    }

    // ---- closing -----------------------------------------------------------------------------

    /** Half-close: sends FIN; this side can still read what the peer sends. */
    public void shutdownOutput() throws IOException {
        NativeSockets.shutdownOutput(fd.fd());
    }

    public boolean isClosed() {
        return fd.isClosed();
    }

    /** Closes the socket (bytes already written are still delivered by the kernel). Idempotent. */
    @Override
    public void close() throws IOException {
        if (inbound != null) {
            inbound.close();
            inbound = null;
        }
        fd.close();
    }

    @Override
    public String toString() {
        return "TcpConnection[fd=" + fd.fd() + (fd.isClosed() ? ", closed" : "") + "]";
    }
}
