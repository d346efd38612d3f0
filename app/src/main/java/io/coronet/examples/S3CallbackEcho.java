package io.coronet.examples;

import io.coronet.ffi.NativeSockets;
import io.coronet.poll.Interest;

import java.io.IOException;

/**
 * Seed program S3: a selector loop with callbacks, on coronet's {@link Poller} (epoll, kqueue or
 * poll(2)) and non-blocking native sockets. No coroutines, no EventLoop: the loop is the
 * {@code while True} at the bottom of the seed, on one thread.
 *
 * <pre>
 * sel = DefaultSelector()
 *
 * def accept(s, mask):
 *     conn, addr = s.accept()
 *     conn.setblocking(False)
 *     sel.register(conn, EVENT_READ, read)
 *
 * def read(conn, mask):
 *     msg = conn.recv(65535)
 *     if not msg:
 *         sel.unregister(conn)
 *         return conn.close()
 *     sel.modify(conn, EVENT_WRITE, partial(write, msg=msg))
 *
 * def write(conn, mask, msg=None):
 *     if msg:
 *         conn.send(msg)
 *     sel.modify(conn, EVENT_READ, read)
 *
 * sel.register(s, EVENT_READ, accept)
 * while True:
 *     events = sel.select()
 *     for e, m in events:
 *         cb = e.data
 *         cb(e.fileobj, m)
 * </pre>
 *
 * <p>The structure is the seed's: each registration carries the callback to run next
 * ({@link CallbackLoop.Registration#callback}, the selector key's {@code data}), and
 * {@link #modify} swaps interest and callback together like {@code sel.modify}. The state a
 * callback needs travels inside it: {@code (c, m) -> write(c, m, offset, length)} is
 * {@code partial(write, msg=msg)}. The selector, {@code accept} and the {@code while True} loop
 * are {@link CallbackLoop}'s (S4 runs on the same loop); this class is the echo's callbacks.
 *
 * <p>Fixed: the seed ignores what {@code send} returns, so a partial write loses the rest of
 * the message; here the unsent part stays pending (a new partial) until the socket is writable
 * again. {@code recv}/{@code send} may find nothing to do (EAGAIN: readiness is only a hint);
 * that is not an error. A connection that fails (reset, broken pipe) is closed alone; the loop
 * goes on.
 *
 * <p>The cost of the seed's design, kept on purpose so it can be measured: registrations are
 * level-triggered and every message flips the interest READ to WRITE and back, two epoll_ctl
 * (or kevent) calls per message on top of the read, the write and the waits. The coroutine
 * servers register once, edge-triggered, and write at once when the socket has room. Counted
 * with {@code -Dcoronet.stats=true} over 20,000 sequential 64-byte round trips on one
 * connection (epoll): 6 native calls per message here (wait, read, ctl, wait, write, ctl),
 * 3 for S5 (wait, read, write).
 *
 * <p>The message buffer belongs to its connection (the seed allocates a new {@code msg} per
 * recv): while a message is pending, the connection does not read, so one buffer suffices.
 */
public final class S3CallbackEcho extends CallbackLoop<S3CallbackEcho.Registration> {
    /** A registered fd: the echo needs nothing per connection beyond what every registration has. */
    static final class Registration extends CallbackLoop.Registration<Registration> {
        Registration(int fd) {
            super(fd);
        }
    }

    private S3CallbackEcho(String host, int port) throws IOException {
        super("S3", host, port);
    }

    /** Binds host:port (0: a free port), registers the listener and runs the loop on a new thread. */
    public static SeedServer start(String host, int port) throws Exception {
        return new S3CallbackEcho(host, port).serve(); // sel.register(s, EVENT_READ, accept); while True
    }

    public static void main(String[] args) throws Exception {
        SeedMain.run(args, S3CallbackEcho::start);
    }

    // ---- the callbacks ---------------------------------------------------------------------------

    @Override
    Registration newRegistration(int fd) {
        return new Registration(fd);
    }

    /** The end of the seed's {@code accept}: {@code sel.register(conn, EVENT_READ, read)}. */
    @Override
    void accepted(Registration conn) throws IOException {
        register(conn, Interest.READABLE, this::read);
    }

    private void read(Registration conn, int mask) throws IOException {
        int n = NativeSockets.read(conn.fd, conn.buffer, 0, RECV_SIZE);
        if (n == NativeSockets.WOULD_BLOCK) {
            return; // a spurious wake-up: stay registered for reading
        }
        if (n == 0) {
            closeConnection(conn); // sel.unregister(conn); conn.close()
            return;
        }
        modify(conn, Interest.WRITABLE, (c, m) -> write(c, m, 0, n));
    }

    private void write(Registration conn, int mask, int offset, int length) throws IOException {
        int w = NativeSockets.write(conn.fd, conn.buffer, offset, length);
        if (w == NativeSockets.WOULD_BLOCK) {
            w = 0;
        }
        if (w < length) {
            // The socket took part (or none): keep the rest pending, interest stays WRITE.
            // (Level-triggered corner: a peer that half-closed and stopped reading keeps
            // reporting HANGUP, so this runs again at each poll until it reads or resets.)
            int rest = offset + w, restLength = length - w;
            conn.callback = (c, m) -> write(c, m, rest, restLength);
            return;
        }
        modify(conn, Interest.READABLE, this::read);
    }
}
