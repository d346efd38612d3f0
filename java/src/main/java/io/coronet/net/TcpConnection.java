package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Deadline;
import io.coronet.coro.ReadableClause;
import io.coronet.coro.SelectClause;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.SocketAddress;
import io.coronet.loop.EventLoop;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP {@link Connection}: every call that would block suspends the calling coroutine
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
 * <h2>Costs</h2>
 * A message costs one read and one write syscall: readiness is edge-triggered and registered
 * once, a short read means the socket is drained (no read that only returns EAGAIN), and the
 * plain writes go straight to the kernel; a write that finds the send buffer full suspends until
 * the peer reads (backpressure: a peer that never reads holds at most one receive chunk of
 * ours). {@link #buffered()} gathers small writes into one {@code writev} instead.
 *
 * <p>Parts: {@link InboundBuffer} keeps what was received and not handed out yet (lines,
 * readExactly, cancelled reads), {@link BufferedOutput} (over a {@link SocketSink}) what was
 * written and not sent yet, {@link ReadableClause} is its select clause; this class is the
 * socket between them. Owned by one coroutine at a time (one reader and one writer
 * coroutine may share it); loop-confined ({@link Connection}).
 */
public final class TcpConnection implements Connection {
    private final AsyncFd fd;
    private final EventLoop loop;
    private final BufferPool pool;
    private final InboundBuffer inbound;
    /** Made on the first {@link #buffered()}: most connections never buffer. */
    private BufferedOutput out;
    private boolean eof;
    /** The handler coroutine serving it, for a server that stops its connections (else null). */
    Coroutine handler;
    /** A server's list of its open connections on this loop (intrusive: no node per connection). */
    TcpConnection prevOpen, nextOpen;
    /** Cancelled by its server's drain. */
    boolean cut;

    TcpConnection(AsyncFd fd) {
        this.fd = fd;
        this.loop = fd.loop();
        this.pool = BufferPool.of(loop);
        this.inbound = new InboundBuffer(loop, pool);
    }

    /**
     * Connects to host:port from the current coroutine, suspending until connected or until
     * {@code timeout} passes ({@link io.coronet.coro.CoroutineTimeoutException} naming the host
     * and what was tried). A numeric host goes straight to connect; a name is resolved on the
     * offload pool ({@link Resolver}, never on the loop thread) within the same timeout, and
     * its addresses are raced IPv6/IPv4 interleaved, RFC 8305 style (see {@link Connector}).
     * Failures: {@link io.coronet.ffi.UnresolvedHostException} (the resolver's reason), the one
     * address's own exception (e.g. {@link io.coronet.ffi.ConnectionRefusedException}), or
     * {@link ConnectFailedException} naming every address tried with its error.
     */
    public static TcpConnection connect(String host, int port, Duration timeout) throws Exception {
        return new TcpConnection(Connector.connect(host, port, timeout));
    }

    public int fd() {
        return fd.fd();
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public SocketAddress remoteAddress() throws IOException {
        loop.checkConfined(this);
        return NativeSockets.peerAddress(fd.fd());
    }

    @Override
    public SocketAddress localAddress() throws IOException {
        loop.checkConfined(this);
        return NativeSockets.localAddress(fd.fd());
    }

    // ---- reading -----------------------------------------------------------------------------

    @Override
    public Chunk receive() throws IOException {
        loop.checkConfined(this);
        if (!inbound.isEmpty()) {
            return inbound.takeAll();
        }
        Chunk c = null;
        try {
            while (!eof) {
                fd.awaitReadable(); // before borrowing: an idle connection holds no buffer
                if (c == null) {
                    c = pool.borrow();
                }
                // no suspension from the read to the return: a cancel cannot come between them
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

    @Override
    public int read(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length); // validate before anything else
        if (length == 0) {
            return 0;
        }
        if (!inbound.isEmpty()) {
            return inbound.takeInto(buf, offset, length);
        }
        while (!eof) {
            fd.awaitReadable();
            int n = readSome(buf, offset, length); // straight into the caller's buffer, then return
            if (n > 0) {
                return n;
            }
        }
        return -1;
    }

    @Override
    public void readExactly(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        // Gather in the inbound buffer, copy once all are there: a timeout or cancel while
        // waiting for the rest leaves every byte queued (copying as they came would lose them).
        while (inbound.length() < length) {
            if (!fillInbound(length)) {
                throw new EOFException("connection closed after " + inbound.length() + " of " + length + " bytes");
            }
        }
        inbound.takeInto(buf, offset, length);
    }

    @Override
    public String readLine(int maxLength) throws IOException {
        loop.checkConfined(this);
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength < 0");
        }
        int scanned = 0; // queued bytes already known to hold no '\n'
        while (true) {
            int newline = inbound.indexOf((byte) '\n', scanned);
            if (newline >= 0) {
                return inbound.takeLine(newline, maxLength);
            }
            scanned = inbound.length();
            if (scanned > maxLength + 1) { // + 1: room for a '\r' before the '\n'
                throw new LineTooLongException(maxLength);
            }
            if (!fillInbound(scanned + 1)) {
                if (inbound.isEmpty()) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a line");
            }
        }
    }

    @Override
    public String readLine(int maxLength, Duration timeout) throws IOException {
        loop.checkConfined(this);
        try (Deadline d = Deadline.after(timeout)) {
            return readLine(maxLength);
        }
    }

    /** Reads more bytes into the inbound buffer (room for {@code want} in all); false at end of stream. */
    private boolean fillInbound(int want) throws IOException {
        while (!eof) {
            if (!fd.isReadable()) {
                inbound.park(); // about to wait: hold no pooled buffer meanwhile
            }
            fd.awaitReadable();
            inbound.prepareAppend(want);
            int n = readSome(inbound.tail(), inbound.end(), inbound.room());
            inbound.appended(n);
            if (n > 0) {
                return true;
            }
        }
        return false;
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
        loop.checkConfined(this);
        if (inbound.isEmpty() && !eof) {
            fd.awaitReadable();
        }
    }

    /** True when a read would not wait: bytes are queued here, end of stream was seen, or the socket is believed readable. */
    public boolean isReadable() {
        loop.checkConfined(this);
        return !inbound.isEmpty() || eof || fd.isReadable();
    }

    /**
     * Writes what the kernel takes of buf[offset, offset+length) now, without waiting, and
     * returns the count (0 when the send buffer is full): for a transport layered on this one
     * (TLS) that keeps its own pending bytes. Bypasses {@link #buffered()}.
     */
    public int writeNow(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        if (length == 0 || !fd.isWritable()) {
            return 0; // known full: no syscall that would only say EAGAIN
        }
        int n = NativeSockets.write(fd.fd(), buf, offset, length);
        if (n == NativeSockets.WOULD_BLOCK) {
            fd.writeBlocked();
            return 0;
        }
        if (n < length) {
            fd.writeBlocked(); // a partial write means the send buffer is full now
        }
        return n;
    }

    /** Suspends until the socket may take bytes again (after {@link #writeNow} took fewer than offered). */
    public void awaitWritable() throws IOException {
        loop.checkConfined(this);
        fd.awaitWritable();
    }

    /** Runs {@code action} once, on the loop, when the socket can take bytes again. */
    public void whenWritable(Runnable action) {
        loop.checkConfined(this);
        fd.whenWritable(action);
    }

    @Override
    public <R> SelectClause<R> readable(Coroutine.Body<? extends R> action) {
        loop.checkConfined(this);
        return new ReadableClause<>(fd, this::readWouldNotWait, Objects.requireNonNull(action, "action"));
    }

    /**
     * {@link #readable} for a transport layered on this connection (TLS): ready also while
     * {@code heldAbove} says the upper layer holds input of its own (decrypted bytes, its end of
     * stream). Looks, never reads.
     */
    public <R> SelectClause<R> readable(java.util.function.BooleanSupplier heldAbove, Coroutine.Body<? extends R> action) {
        loop.checkConfined(this);
        Objects.requireNonNull(heldAbove, "heldAbove");
        return new ReadableClause<>(fd, () -> heldAbove.getAsBoolean() || readWouldNotWait(),
                Objects.requireNonNull(action, "action"));
    }

    /** Bytes queued, end of stream, or the socket believed readable: a read would not wait for the kernel. */
    private boolean readWouldNotWait() {
        return !inbound.isEmpty() || eof || fd.isReadable() || fd.isClosed();
    }

    /** Bytes received and queued, not handed out yet (for tests). */
    int queuedBytes() {
        return inbound.length();
    }

    @Override
    public boolean isEof() {
        loop.checkConfined(this);
        return eof && inbound.isEmpty();
    }

    // ---- writing -----------------------------------------------------------------------------

    @Override
    public void send(Chunk chunk) throws IOException {
        NativeBuffer b = chunk.open();
        write(b, chunk.start, chunk.end - chunk.start);
    }

    @Override
    public void write(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        if (out != null && !out.isClean()) {
            out.flush(); // what was buffered goes first
        }
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

    /** Writes all of bytes[offset, offset+length) (copied through a pooled off-heap chunk). */
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        loop.checkConfined(this);
        Objects.checkFromIndexSize(offset, length, bytes.length);
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

    @Override
    public BufferedOutput buffered() {
        loop.checkConfined(this);
        BufferedOutput o = out;
        if (o == null) {
            o = out = new BufferedOutput(loop, this, new SocketSink(fd));
        }
        return o;
    }

    @Override
    public void flush() throws IOException {
        loop.checkConfined(this);
        if (out != null) {
            out.flush();
        }
    }

    // ---- closing -----------------------------------------------------------------------------

    @Override
    public void shutdownOutput() throws IOException {
        loop.checkConfined(this);
        flush();
        NativeSockets.shutdownOutput(fd.fd());
    }

    @Override
    public boolean isClosed() {
        return fd.isClosed();
    }

    @Override
    public void close() throws IOException {
        if (fd.isClosed()) {
            return;
        }
        loop.checkConfined(this);
        if (out != null) {
            out.close();
        }
        inbound.clear();
        fd.close();
    }

    @Override
    public String toString() {
        return "TcpConnection[fd=" + fd.fd() + (fd.isClosed() ? ", closed" : "") + "]";
    }
}
