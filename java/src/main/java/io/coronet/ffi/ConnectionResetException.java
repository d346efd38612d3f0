package io.coronet.ffi;

/** ECONNRESET: the peer reset the connection (RST). */
public final class ConnectionResetException extends NativeException {

    ConnectionResetException(String call, int fd, String target, int errno, String errnoName, String description) {
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
