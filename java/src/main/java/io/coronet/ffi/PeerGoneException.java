package io.coronet.ffi;

/**
 * The peer ended the connection abruptly: it reset it ({@link ConnectionResetException}) or had
 * closed it when we wrote ({@link BrokenPipeException}). One connection's ordinary end, not a
 * fault of ours: a server closes that connection and goes on, without a log line.
 *
 * <p>No stack trace: it is routine for a server (every client that resets), and the stack would
 * only show the read/write path the message already names. Capturing one walks the coroutine's
 * stack and allocates ~2 KiB per connection closed.
 */
public abstract sealed class PeerGoneException extends NativeException
        permits ConnectionResetException, BrokenPipeException {

    PeerGoneException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }

    @Override
    public final Throwable fillInStackTrace() {
        return this;
    }
}
