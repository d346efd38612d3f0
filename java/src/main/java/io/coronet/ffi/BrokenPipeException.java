package io.coronet.ffi;

/** EPIPE: writing to a connection whose peer has closed it (never a SIGPIPE: coronet writes with MSG_NOSIGNAL / SO_NOSIGPIPE). */
public final class BrokenPipeException extends NativeException {

    BrokenPipeException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }

    /**
     * No stack trace: the peer caused this, it is routine for a server (every client that
     * resets), and the stack would only show the read/write path the message already names.
     * Capturing it walks the coroutine's stack and allocates ~2 KiB per connection closed.
     */
    @Override
    public Throwable fillInStackTrace() {
        return this;
    }
}
