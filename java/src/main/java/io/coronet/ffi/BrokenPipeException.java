package io.coronet.ffi;

/** EPIPE: writing to a connection whose peer has closed it (never a SIGPIPE: coronet writes with MSG_NOSIGNAL / SO_NOSIGPIPE). */
public final class BrokenPipeException extends PeerGoneException {

    BrokenPipeException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
