package io.coronet.net;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.SocketAddress;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A byte-stream connection for coroutines, whatever carries it (TCP today; TLS and Unix
 * sockets implement the same interface), so protocol code and {@link TcpServer.Handler}s never
 * care which one they hold. Every call that would block suspends the calling coroutine.
 *
 * <pre>{@code
 * String greeting = conn.readLine(1024, Duration.ofSeconds(10));
 * BufferedOutput out = conn.buffered();
 * out.write("hello\n");                 // buffered: goes out when the coroutine next waits
 * }</pre>
 *
 * <h2>Contract shared by every implementation</h2>
 * <ul>
 *   <li><b>Loop-confined.</b> A connection belongs to the event loop that made it ({@link #loop()}):
 *   every method except {@link #loop()}, {@link #isClosed()} and {@code toString} throws
 *   {@link io.coronet.loop.WrongLoopException} at once when called from any other thread (a platform thread, or a
 *   coroutine of another loop). Hand work to the owner with {@code loop().execute(...)} or
 *   {@link io.coronet.coro.Coroutine#spawn} on {@code loop()}.</li>
 *   <li><b>Cancellation-safe reads.</b> A read interrupted by a deadline, a cancel or a lost
 *   select keeps every byte it had already taken from the transport: the next read sees them,
 *   nothing is lost or duplicated. {@link #readExactly} takes bytes only once all of them are
 *   there, so a timeout leaves them queued.</li>
 *   <li><b>Ordered writes.</b> The plain {@code write}/{@code send} calls are unbuffered (they return
 *   once the transport holds every byte) and first flush whatever {@link #buffered()} holds, so
 *   bytes leave in the order they were written.</li>
 *   <li>End of stream is a normal result ({@code null} or -1); a reset is a
 *   {@link io.coronet.ffi.ConnectionResetException}; the peer gone while writing a
 *   {@link io.coronet.ffi.PeerGoneException}.</li>
 * </ul>
 */
public interface Connection extends AutoCloseable {

    /** The event loop that owns this connection (any thread). */
    EventLoop loop();

    SocketAddress localAddress() throws IOException;

    SocketAddress remoteAddress() throws IOException;

    // ---- reading -----------------------------------------------------------------------------

    /**
     * Suspends until bytes arrive and returns them in a chunk (close it when done), or null at
     * end of stream.
     */
    Chunk receive() throws IOException;

    /**
     * Reads at least one byte into buf[offset, offset+length), suspending until some arrive.
     * Returns the count, or -1 at end of stream.
     */
    int read(NativeBuffer buf, int offset, int length) throws IOException;

    /**
     * Fills buf[offset, offset+length) completely, or not at all: the bytes are copied only
     * once all of them have arrived, so a timeout or a cancel leaves them queued for the next
     * read. {@link java.io.EOFException} if the stream ends first. {@code length} is at most
     * {@link BufferPool#CHUNK_SIZE} (what the connection queues for you).
     */
    void readExactly(NativeBuffer buf, int offset, int length) throws IOException;

    /**
     * Reads one line ending in "\n" (a "\r" before it is dropped) and returns it without the
     * terminator, decoded as UTF-8. Bytes after the line stay queued for the next read.
     * Returns null at end of stream before any byte; throws {@link java.io.EOFException} if the
     * stream ends mid-line and {@link LineTooLongException} past {@code maxLength} bytes.
     */
    String readLine(int maxLength) throws IOException;

    /**
     * {@link #readLine(int)} with a deadline for the whole line, however slowly it trickles in:
     * {@link io.coronet.coro.CoroutineTimeoutException} once {@code timeout} has passed (the
     * partial line stays queued).
     */
    String readLine(int maxLength, Duration timeout) throws IOException;

    /** True once end of stream was read and every received byte was handed out. */
    boolean isEof();

    /**
     * A {@link io.coronet.coro.Select} clause that wins when a read would find something without
     * waiting for the transport: bytes already queued in the connection (after a line, say), end
     * of stream, or the transport readable. Only the winner's {@code action} runs (it does the
     * read); a losing clause reads nothing, so no byte is lost to the select.
     * <pre>{@code
     * String got = Select.<String>first()
     *         .on(conn.readable(() -> conn.readLine(1024)))
     *         .onReceive(shutdown, s -> null)
     *         .await();
     * }</pre>
     * A transport that has no such clause yet throws {@link UnsupportedOperationException}.
     */
    default <R> io.coronet.coro.SelectClause<R> readable(io.coronet.coro.Coroutine.Body<? extends R> action) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no readable select clause yet");
    }

    // ---- writing -----------------------------------------------------------------------------

    /** Writes all of {@code chunk}, suspending while the transport cannot take more. */
    void send(Chunk chunk) throws IOException;

    /** Writes all of buf[offset, offset+length), suspending while the transport cannot take more. */
    void write(NativeBuffer buf, int offset, int length) throws IOException;

    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Writes all of {@code bytes}. */
    default void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    /** Writes {@code text} as UTF-8. */
    default void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The connection's buffered writer: one per connection, the same instance on every call.
     * Small writes gather there and leave in one syscall when the coroutine next suspends, when
     * the loop ends its tick, or on {@link BufferedOutput#flush()}.
     */
    BufferedOutput buffered();

    /** Sends what {@link #buffered()} holds now, suspending until the transport took all of it. */
    default void flush() throws IOException {
        buffered().flush();
    }

    // ---- closing -----------------------------------------------------------------------------

    /** Half-close: flushes what is buffered, then ends this direction (the peer reads EOF). */
    void shutdownOutput() throws IOException;

    /** True once {@link #close()} ran (any thread). */
    boolean isClosed();

    /**
     * Closes the connection. What is buffered is sent first if the transport takes it without
     * waiting; a coroutine waiting on the connection gets {@link io.coronet.coro.ClosedException}.
     * Idempotent.
     */
    @Override
    void close() throws IOException;
}
