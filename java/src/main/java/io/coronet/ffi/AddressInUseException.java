package io.coronet.ffi;

/** EADDRINUSE: the address is already bound. */
public final class AddressInUseException extends NativeException {

    AddressInUseException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
