package io.coronet.ffi;

import java.io.IOException;

/**
 * A native call failed with an errno. Made only by {@link Errors}; the typed subclasses name the
 * errno values callers branch on. The message reads like {@code read(fd=12): ECONNRESET
 * (Connection reset by peer)}.
 */
public class NativeException extends IOException {

    private final String call;
    private final int fd;
    private final String target;
    private final int errno;
    private final String errnoName;
    private final String description;

    NativeException(String call, int fd, String target, int errno, String errnoName, String description) {
        super((String) null);
        this.call = call;
        this.fd = fd;
        this.target = target;
        this.errno = errno;
        this.errnoName = errnoName;
        this.description = description;
    }

    /** Built when asked for: a server that sees thousands of peer resets never formats one. */
    @Override
    public String getMessage() {
        return call + (target != null ? "(" + target + ")" : fd >= 0 ? "(fd=" + fd + ")" : "") + ": "
                + errnoName + " (" + description + ")";
    }

    /** The call that failed, without the cn_ prefix: "read", "poller_wait", "listen"... */
    public String call() {
        return call;
    }

    /** The fd the call was made on, or -1 when there was none (listen, connect, poller calls). */
    public int fd() {
        return fd;
    }

    /** The errno number on this platform. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. "ECONNRESET". */
    public String errnoName() {
        return errnoName;
    }
}
