package io.coronet.examples;

import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;

import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The blocking listening socket of S1 and S2 ({@code s.bind(...); s.listen(n)}, blocking like
 * the seed's) and the two things both do with it: accept in a loop, and stop a thread that is
 * blocked in accept(2).
 */
final class BlockingListener {
    /** After a failed accept (EMFILE: out of fds), wait before retrying instead of spinning. */
    private static final long ACCEPT_FAILURE_PAUSE_MILLIS = 100;
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final System.Logger LOG = System.getLogger(BlockingListener.class.getName());

    final String host;
    /** The bound port (the real one when 0 was asked for). */
    final int port;
    final int fd;

    private BlockingListener(String host, int port, int fd) {
        this.host = host;
        this.port = port;
        this.fd = fd;
    }

    /** Binds host:port (0: a free port) and listens, in blocking mode. */
    static BlockingListener open(String host, int port, int backlog) throws IOException {
        int fd = NativeSockets.listen(host, port, backlog, false);
        try {
            // NativeSockets makes every socket non-blocking; the seed's socket is blocking
            NativeSockets.setBlocking(fd, true);
            return new BlockingListener(host, NativeSockets.localPort(fd), fd);
        } catch (IOException | RuntimeException | Error e) {
            S1BlockingEcho.closeQuietly(fd);
            throw e;
        }
    }

    /** Starts the thread that accepts on this listener; closes the listener if it cannot start. */
    void startAcceptor(Thread acceptor) {
        try {
            acceptor.start();
        } catch (RuntimeException | Error e) { // e.g. OutOfMemoryError: unable to create native thread
            S1BlockingEcho.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * {@code conn, addr = s.accept()}: blocks until a client connects. Returns its fd, or -1 when
     * there is none: the accept failed (logged unless closing, then a pause so EMFILE does not
     * fail again at once in a busy loop) or returned WOULD_BLOCK (harmless; it cannot happen on a
     * blocking listener). who prefixes the log line.
     */
    int accept(String who, BooleanSupplier closing) {
        int conn;
        try {
            conn = NativeSockets.accept(fd);
        } catch (NativeException e) {
            if (closing.getAsBoolean()) {
                return -1;
            }
            LOG.log(System.Logger.Level.WARNING, who + ": " + e.getMessage());
            try {
                Thread.sleep(ACCEPT_FAILURE_PAUSE_MILLIS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
        return conn == NativeSockets.WOULD_BLOCK ? -1 : conn;
    }

    /**
     * Wakes a thread blocked in accept(2) on this listener, waits (bounded) for threads to end,
     * then closes the listener. A blocked accept is not woken by closing the fd from another
     * thread (Linux leaves it blocked), so this connects to the listener once and the accept
     * returns; the caller's loop sees its closing flag and drops that connection.
     */
    void stop(String who, List<Thread> threads) {
        int poke = poke();
        long deadline = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, who + ": " + t.getName() + " did not stop within " + CLOSE_WAIT_MILLIS + " ms");
            }
        }
        if (poke >= 0) {
            S1BlockingEcho.closeQuietly(poke);
        }
        S1BlockingEcho.closeQuietly(fd);
    }

    /**
     * Starts a connection to the listener's own address. Returns the connecting fd (the caller
     * closes it), or -1 if it could not start. A wildcard listener (0.0.0.0 or ::) is reached
     * through the loopback address.
     */
    private int poke() {
        try {
            var local = NativeSockets.localAddress(fd);
            String target = switch (local.host()) {
                case "0.0.0.0" -> "127.0.0.1";
                case "::" -> "::1";
                default -> local.host();
            };
            return NativeSockets.connect(target, local.port()); // non-blocking: returns at once
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot wake the accepting thread: " + e.getMessage());
            return -1;
        }
    }
}
