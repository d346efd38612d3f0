package io.coronet.examples;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.poll.Interest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Seed program S4: the handshake with callbacks, where every connection needs an explicit
 * state ({@link Phase}, the seed's {@code is_hello[conn]}) because a callback cannot remember
 * where it was. Compare with S5, where the same protocol is six straight lines.
 *
 * <pre>
 * is_hello = {}
 *
 * def accept(s, mask):
 *     conn, addr = s.accept()
 *     conn.setblocking(False)
 *     is_hello[conn] = False;
 *     sel.register(conn, EVENT_READ, read)
 *
 * def read(conn, mask):
 *     msg = conn.recv(65535)
 *     if not msg:
 *         sel.unregister(conn)
 *         return conn.close()
 *
 *     # check whether handshake is successful or not
 *     if is_hello[conn]:
 *         sel.modify(conn, EVENT_WRITE, partial(write, msg=msg))
 *         return
 *
 *     # do a handshake
 *     if msg.decode("utf-8").strip() != "hello":
 *         sel.unregister(conn)
 *         return conn.close()
 *
 *     is_hello[conn] = True
 *
 * def write(conn, mask, msg=None):
 *     if msg:
 *         conn.send(msg)
 *     sel.modify(conn, EVENT_READ, read)
 * </pre>
 * (the selector loop around it is S3's: {@link CallbackLoop}.)
 *
 * <p>Protocol (the daemon's): the client's first line, ending in "\n" or "\r\n", must be "hello"
 * once surrounding whitespace is stripped (Python's {@code .strip()}), at most
 * {@value #MAX_GREETING} bytes, within the greeting timeout (10 s by default). The server answers
 * "hello\n" (the seed's callback version answers nothing) and from then on echoes every byte.
 * Anything else: the connection is closed.
 *
 * <p>Fixed: the seed assumes the greeting arrives in one recv and that nothing follows it.
 * Here greeting bytes are buffered until the newline, and bytes that came in the same packet
 * after the line are echoed right after "hello\n", not dropped. Writes keep their unsent rest
 * (see S3).
 *
 * <h2>Per-connection state table</h2>
 * A connection is its {@link Phase} plus the callback its registration will run next (the
 * seed's selector data: read or write) plus, while greeting, the bytes buffered so far and a
 * deadline.
 * <table>
 *   <caption>transitions (all on the loop thread)</caption>
 *   <tr><th>phase</th><th>callback</th><th>event</th><th>action</th><th>next phase / callback</th></tr>
 *   <tr><td>AWAITING_GREETING</td><td>read</td><td>bytes, no "\n" yet, at most MAX_GREETING + 1 buffered</td>
 *       <td>keep them</td><td>AWAITING_GREETING / read</td></tr>
 *   <tr><td>AWAITING_GREETING</td><td>read</td><td>a line that strips to "hello"</td>
 *       <td>queue "hello\n" + the bytes after the line; interest WRITE</td><td>ECHOING / write</td></tr>
 *   <tr><td>AWAITING_GREETING</td><td>read</td><td>another line, too many bytes without "\n", EOF, error</td>
 *       <td>close</td><td>(gone)</td></tr>
 *   <tr><td>AWAITING_GREETING</td><td>(loop)</td><td>greeting deadline passed</td><td>close</td><td>(gone)</td></tr>
 *   <tr><td>ECHOING</td><td>read</td><td>n bytes</td><td>queue them; interest WRITE</td><td>ECHOING / write</td></tr>
 *   <tr><td>ECHOING</td><td>read</td><td>EOF, error</td><td>close</td><td>(gone)</td></tr>
 *   <tr><td>ECHOING</td><td>write</td><td>all queued bytes sent</td><td>interest READ</td><td>ECHOING / read</td></tr>
 *   <tr><td>ECHOING</td><td>write</td><td>part sent (or EAGAIN)</td><td>keep the rest</td><td>ECHOING / write</td></tr>
 *   <tr><td>ECHOING</td><td>write</td><td>error (reset, broken pipe)</td><td>close</td><td>(gone)</td></tr>
 * </table>
 *
 * <p>Greeting deadlines: the timeout is the same for every connection, so deadlines grow in
 * accept order and a FIFO of waiting connections is already sorted; the loop closes the overdue
 * ones at its head and sleeps in poll until the next deadline. Connections that greeted or
 * closed are skipped when they reach the head.
 */
public final class S4CallbackHandshake extends CallbackLoop<S4CallbackHandshake.Registration> {
    /** Longest greeting line, without its "\n" or "\r\n". */
    public static final int MAX_GREETING = 1024;
    public static final Duration DEFAULT_GREETING_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

    /** The seed's {@code is_hello[conn]}: False, then True. */
    enum Phase { AWAITING_GREETING, ECHOING }

    /** One registered fd (the selector's key and data) and, for a connection, its row of the state table. */
    static final class Registration extends CallbackLoop.Registration<Registration> {
        Phase phase = Phase.AWAITING_GREETING;
        /** Greeting bytes received so far, at buffer[0, buffered). */
        int buffered;
        long greetingDeadline;

        Registration(int fd) {
            super(fd);
        }
    }

    private final long greetingTimeoutNanos;
    /** Connections that were AWAITING_GREETING when accepted, oldest (earliest deadline) first. */
    private final ArrayDeque<Registration> greetingQueue = new ArrayDeque<>();

    private S4CallbackHandshake(String host, int port, Duration greetingTimeout) throws IOException {
        super("S4", host, port);
        this.greetingTimeoutNanos = greetingTimeout.toNanos();
    }

    /** Binds host:port (0: a free port) with the default 10 s greeting timeout. */
    public static SeedServer start(String host, int port) throws Exception {
        return start(host, port, DEFAULT_GREETING_TIMEOUT);
    }

    public static SeedServer start(String host, int port, Duration greetingTimeout) throws Exception {
        if (greetingTimeout.isNegative() || greetingTimeout.isZero()) {
            throw new IllegalArgumentException("greeting timeout must be > 0: " + greetingTimeout);
        }
        return new S4CallbackHandshake(host, port, greetingTimeout).serve();
    }

    public static void main(String[] args) throws Exception {
        SeedMain.run(args, S4CallbackHandshake::start);
    }

    // ---- the callbacks ---------------------------------------------------------------------------

    @Override
    Registration newRegistration(int fd) {
        return new Registration(fd);
    }

    /** The end of the seed's {@code accept}: {@code is_hello[conn] = False}, register for read. */
    @Override
    void accepted(Registration conn) throws IOException {
        register(conn, Interest.READABLE, this::read);
        conn.greetingDeadline = System.nanoTime() + greetingTimeoutNanos; // is_hello[conn] = False
        greetingQueue.addLast(conn);
    }

    private void read(Registration conn, int mask) throws IOException {
        if (conn.phase == Phase.ECHOING) { // if is_hello[conn]: echo, as in S3
            int n = NativeSockets.read(conn.fd, conn.buffer, 0, RECV_SIZE);
            if (n == NativeSockets.WOULD_BLOCK) {
                return;
            }
            if (n == 0) {
                closeConnection(conn);
                return;
            }
            modify(conn, Interest.WRITABLE, (c, m) -> write(c, m, 0, n));
            return;
        }
        readGreeting(conn);
    }

    /** AWAITING_GREETING: append to the greeting; act once its line is complete. */
    private void readGreeting(Registration conn) throws IOException {
        int from = conn.buffered;
        int n = NativeSockets.read(conn.fd, conn.buffer, from, RECV_SIZE - from);
        if (n == NativeSockets.WOULD_BLOCK) {
            return;
        }
        if (n == 0) {
            closeConnection(conn); // EOF before a greeting
            return;
        }
        conn.buffered += n;
        int newline = indexOf(conn.buffer, from, conn.buffered, (byte) '\n');
        if (newline < 0) {
            if (conn.buffered > MAX_GREETING + 1) { // + 1: room for a "\r" before the "\n"
                closeConnection(conn);
            }
            return; // the rest of the line is still on its way
        }
        int lineEnd = newline > 0 && conn.buffer.get(newline - 1) == '\r' ? newline - 1 : newline;
        if (lineEnd > MAX_GREETING || !decode(conn.buffer, lineEnd).strip().equals("hello")) {
            closeConnection(conn);
            return;
        }
        conn.phase = Phase.ECHOING; // is_hello[conn] = True
        // Reply "hello\n", then echo what followed the line. A valid line holds "hello" + "\n",
        // so newline + 1 >= HELLO.length: the bytes after it move down (memmove), never past
        // what was read.
        int after = conn.buffered - (newline + 1);
        conn.buffer.copyWithin(newline + 1, HELLO.length, after);
        conn.buffer.putBytes(0, HELLO);
        conn.buffered = 0;
        int length = HELLO.length + after;
        modify(conn, Interest.WRITABLE, (c, m) -> write(c, m, 0, length));
    }

    private void write(Registration conn, int mask, int offset, int length) throws IOException {
        int w = NativeSockets.write(conn.fd, conn.buffer, offset, length);
        if (w == NativeSockets.WOULD_BLOCK) {
            w = 0;
        }
        if (w < length) {
            int rest = offset + w, restLength = length - w;
            conn.callback = (c, m) -> write(c, m, rest, restLength); // interest stays WRITE
            return;
        }
        modify(conn, Interest.READABLE, this::read);
    }

    private static int indexOf(NativeBuffer buf, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static String decode(NativeBuffer buf, int length) {
        byte[] line = new byte[length];
        buf.getBytes(0, line, 0, length);
        return new String(line, StandardCharsets.UTF_8); // like msg.decode("utf-8"), minus the exception
    }

    // ---- the greeting deadlines (the loop calls this before each wait) ---------------------------

    /**
     * Closes the connections whose greeting deadline has passed; returns the poll timeout in
     * milliseconds until the next deadline (rounded up, so the loop does not wake just before
     * it), or -1 when no connection is waiting to greet.
     */
    @Override
    long beforePoll(long now) {
        while (!greetingQueue.isEmpty()) {
            Registration head = greetingQueue.peekFirst();
            if (!head.open || head.phase != Phase.AWAITING_GREETING) {
                greetingQueue.pollFirst(); // greeted or closed since: no deadline any more
                continue;
            }
            long left = head.greetingDeadline - now;
            if (left > 0) {
                return millisUntil(left);
            }
            greetingQueue.pollFirst();
            closeConnection(head);
        }
        return -1;
    }
}
