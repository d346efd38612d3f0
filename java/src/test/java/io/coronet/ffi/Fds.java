package io.coronet.ffi;

/**
 * Test helper: closes a test's fds at its end. A test that closes one itself does it through
 * {@link #closeNow}, so the number is never closed twice (by then it may belong to someone else,
 * e.g. a jar file the JVM opened).
 */
public final class Fds implements AutoCloseable {

    private final int[] fds = new int[256];
    private int count;

    /** Remembers fd for closing; returns it. */
    public int add(int fd) {
        fds[count++] = fd;
        return fd;
    }

    public int[] add(int[] pair) {
        add(pair[0]);
        add(pair[1]);
        return pair;
    }

    /** Closes fd now and forgets it. */
    public void closeNow(int fd) throws NativeException {
        forget(fd);
        NativeSockets.close(fd);
    }

    /** Forgets fd without closing it (the test hands it elsewhere or closed it on purpose). */
    public void forget(int fd) {
        for (int i = 0; i < count; i++) {
            if (fds[i] == fd) {
                fds[i] = fds[--count];
                return;
            }
        }
        throw new IllegalArgumentException("fd " + fd + " is not tracked");
    }

    @Override
    public void close() throws NativeException {
        NativeException first = null;
        while (count > 0) {
            int fd = fds[--count];
            try {
                NativeSockets.close(fd);
            } catch (NativeException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
