package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.ffi.IoVector;
import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A connection's buffered writer ({@link Connection#buffered()}): small writes gather here and
 * leave together, so a pipelined client's sixteen replies cost one {@code writev}, not sixteen.
 *
 * <pre>{@code
 * BufferedOutput out = conn.buffered();
 * String line;
 * while ((line = conn.readLine(1024)) != null) {   // the wait for the next request flushes
 *     out.write("+OK ");
 *     out.write(line);
 *     out.writeByte('\n');
 * }
 * }</pre>
 *
 * <h2>When the bytes leave</h2>
 * <ul>
 *   <li>when the coroutine that wrote them next suspends (waiting to read the next request, a
 *   sleep, an await): one non-blocking gather write just before it parks;</li>
 *   <li>at the latest when the loop ends its tick (before it polls), for bytes written by code
 *   that did not suspend;</li>
 *   <li>on {@link #flush()}, which suspends until the transport has taken every byte;</li>
 *   <li>before any unbuffered write of the same connection ({@code conn.write}, {@code send}), so
 *   bytes leave in the order they were written;</li>
 *   <li>on close, as far as the transport takes them without waiting.</li>
 * </ul>
 * An automatic flush never waits: what the kernel does not take stays pending and goes out when
 * the socket is writable again. Pending bytes are bounded: a write that brings them to
 * {@link #HIGH_WATER_MARK} flushes and suspends until the kernel took them all, so a peer that
 * does not read slows the writer down instead of filling the heap.
 *
 * <h2>States</h2>
 * <table>
 *   <caption>transitions (all on the loop thread)</caption>
 *   <tr><th>from</th><th>event</th><th>to</th></tr>
 *   <tr><td>CLEAN</td><td>a write: the writer's next suspension and the tick's pre-poll phase are armed</td><td>PENDING</td></tr>
 *   <tr><td>PENDING</td><td>a write below the high-water mark</td><td>PENDING</td></tr>
 *   <tr><td>PENDING</td><td>a write reaching it, or {@link #flush()}: the writer suspends until all is taken</td><td>CLEAN</td></tr>
 *   <tr><td>PENDING</td><td>the writer suspends / the tick ends: one non-blocking writev takes all</td><td>CLEAN</td></tr>
 *   <tr><td>PENDING</td><td>... and takes only part</td><td>BLOCKED</td></tr>
 *   <tr><td>BLOCKED</td><td>the socket turns writable: listed for the next pre-poll phase</td><td>PENDING</td></tr>
 *   <tr><td>any</td><td>a write to the transport fails: pending bytes dropped, the error kept for the next call</td><td>FAILED</td></tr>
 *   <tr><td>any</td><td>the connection closes: one last non-blocking writev, the rest freed</td><td>CLOSED</td></tr>
 * </table>
 *
 * <p>A failure of an automatic flush (the peer reset) drops the pending bytes and is thrown by
 * the next write or flush. Memory: pending bytes live in the loop's pooled buffers, given back
 * as soon as they are sent; an idle connection holds none. Loop-confined.
 */
public final class BufferedOutput {
    /** Pending bytes at which a write waits for the transport (one pooled buffer's worth). */
    public static final int HIGH_WATER_MARK = 64 * 1024;

    /**
     * Where the bytes go: the transport under a connection. TCP writes to its socket; a TLS
     * connection encrypts. Loop thread only.
     */
    public interface Sink {
        /**
         * Writes as much of {@code ranges} as the transport takes now, without waiting, and
         * returns the count (0: none now; then {@link #awaitWritable()} or
         * {@link #whenWritable(Runnable)} tell when to try again).
         */
        long writeNow(IoVector ranges) throws IOException;

        /** Suspends the calling coroutine until {@link #writeNow} may take bytes again. */
        void awaitWritable() throws IOException;

        /** Runs {@code action} once, on the loop, when the transport can take bytes again. */
        void whenWritable(Runnable action);
    }

    private final EventLoop loop;
    /** The connection, named in a confinement error. */
    private final Object owner;
    private final Sink sink;
    private final BufferPool pool;
    /** Pending bytes, oldest first; each chunk's [start, end) is still to be sent. */
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>(4);
    private int pending;
    private OutputFlusher flusher;
    /** In the loop's end-of-tick list. */
    boolean queued;
    private boolean waitingForRoom;
    /** Inside a write to the sink: an automatic flush from a suspension there does nothing. */
    private boolean writing;
    private IOException failure;
    private boolean closed;
    private final Runnable autoFlush = this::flushNow;
    private final Runnable requeue = this::onWritable;

    /** A buffered writer over {@code sink}, confined to {@code loop}. For transports: connections make their own. */
    public BufferedOutput(EventLoop loop, Object owner, Sink sink) {
        this.loop = Objects.requireNonNull(loop);
        this.owner = Objects.requireNonNull(owner);
        this.sink = Objects.requireNonNull(sink);
        this.pool = BufferPool.of(loop);
    }

    /** Bytes written here and not yet taken by the transport. */
    public int pending() {
        loop.checkConfined(owner);
        return pending;
    }

    /** True when nothing is pending (no confinement check: for the connection's own fast path). */
    boolean isClean() {
        return pending == 0;
    }

    public void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    public void write(byte[] bytes, int offset, int length) throws IOException {
        checkWritable();
        Objects.checkFromIndexSize(offset, length, bytes.length);
        while (length > 0) {
            Chunk tail = tail();
            int n = Math.min(length, tail.buffer.capacity() - tail.end);
            tail.buffer.putBytes(tail.end, bytes, offset, n);
            appended(tail, n);
            offset += n;
            length -= n;
        }
    }

    public void write(NativeBuffer buf, int offset, int length) throws IOException {
        checkWritable();
        buf.checkedAddress(offset, length);
        while (length > 0) {
            Chunk tail = tail();
            int n = Math.min(length, tail.buffer.capacity() - tail.end);
            NativeBuffer.copy(buf, offset, tail.buffer, tail.end, n);
            appended(tail, n);
            offset += n;
            length -= n;
        }
    }

    /** Writes {@code text} as UTF-8. */
    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the low 8 bits of {@code b}. */
    public void writeByte(int b) throws IOException {
        checkWritable();
        Chunk tail = tail();
        tail.buffer.put(tail.end, (byte) b);
        appended(tail, 1);
    }

    /** Sends every pending byte, suspending until the transport has taken all of them. */
    public void flush() throws IOException {
        checkWritable();
        while (pending > 0) {
            writeOnce();
            if (pending > 0) {
                sink.awaitWritable();
            }
        }
    }

    // ---- internals ---------------------------------------------------------------------------

    private void checkWritable() throws IOException {
        loop.checkConfined(owner);
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new io.coronet.coro.ClosedException(owner + " is closed");
        }
    }

    /** The chunk to append to, with room for at least one byte. */
    private Chunk tail() {
        Chunk tail = chunks.peekLast();
        if (tail == null || tail.end == tail.buffer.capacity()) {
            tail = pool.borrow();
            chunks.addLast(tail);
        }
        return tail;
    }

    private void appended(Chunk tail, int n) throws IOException {
        tail.end += n;
        if (pending == 0) {
            armAutoFlush();
        }
        pending += n;
        if (pending >= HIGH_WATER_MARK) {
            flush(); // backpressure: wait for the kernel instead of buffering more
        }
    }

    /** First pending byte: flush before the writer suspends, and at the end of the tick at the latest. */
    private void armAutoFlush() {
        Coroutine co = Coroutine.current();
        if (co != null) {
            co.beforeNextSuspend(autoFlush); // false if another output holds the slot: the tick flush covers us
        }
        enqueue();
    }

    private void enqueue() {
        if (!queued) {
            queued = true;
            if (flusher == null) {
                flusher = OutputFlusher.of(loop);
            }
            flusher.add(this);
        }
    }

    /** The automatic flush: one non-blocking gather write; never suspends, never throws. */
    void flushNow() {
        if (pending == 0 || writing || closed || failure != null) {
            return;
        }
        try {
            writeOnce();
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (pending > 0 && !waitingForRoom) { // the kernel is full: go on when it has room
            waitingForRoom = true;
            sink.whenWritable(requeue);
        }
    }

    private void onWritable() {
        waitingForRoom = false;
        if (pending > 0 && !closed) {
            enqueue();
        }
    }

    /** One gather write of up to IOV_MAX pending chunks; frees the chunks it sent. */
    private void writeOnce() throws IOException {
        IoVector iov = flusher().ranges();
        iov.clear();
        for (Chunk c : chunks) {
            if (iov.count() == iov.capacity()) {
                break;
            }
            if (c.end > c.start) {
                iov.add(c.buffer, c.start, c.end - c.start);
            }
        }
        long n;
        writing = true;
        try {
            n = sink.writeNow(iov);
        } catch (IOException | RuntimeException e) {
            iov.clear();
            fail(e instanceof IOException io ? io : null);
            throw e;
        } finally {
            writing = false;
        }
        iov.clear();
        pending -= (int) n;
        while (n > 0) {
            Chunk head = chunks.peekFirst();
            int inHead = head.end - head.start;
            if (n >= inHead) {
                n -= inHead;
                chunks.pollFirst().close();
            } else {
                head.start += (int) n;
                n = 0;
            }
        }
        if (pending == 0) { // keep no buffer: the last chunk may have been emptied, not closed
            discard();
        }
    }

    private OutputFlusher flusher() {
        if (flusher == null) {
            flusher = OutputFlusher.of(loop);
        }
        return flusher;
    }

    private void fail(IOException e) {
        if (e != null && failure == null) {
            failure = e;
        }
        discard();
    }

    private void discard() {
        Chunk c;
        while ((c = chunks.pollFirst()) != null) {
            c.close();
        }
        pending = 0;
    }

    /** The connection closes: send what the transport takes without waiting, free the rest. */
    public void close() {
        if (closed) {
            return;
        }
        flushNow();
        closed = true;
        discard();
    }

    @Override
    public String toString() {
        return "BufferedOutput[" + owner + ", " + pending + " pending]";
    }
}
