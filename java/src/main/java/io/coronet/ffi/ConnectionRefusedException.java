package io.coronet.ffi;

/** ECONNREFUSED: nothing listens at the address connected to. */
public final class ConnectionRefusedException extends NativeException {

    ConnectionRefusedException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
