package io.coronet.ffi;

/** EBADF: the fd is not open (closed already, or never was). */
public final class BadFileDescriptorException extends NativeException {

    BadFileDescriptorException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
