package io.coronet.ffi;

/** ECONNRESET: the peer reset the connection (RST). */
public final class ConnectionResetException extends PeerGoneException {

    ConnectionResetException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
