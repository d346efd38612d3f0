package io.coronet.ffi;

/** EMFILE or ENFILE: the process (EMFILE) or system (ENFILE) fd limit is reached. */
public final class TooManyOpenFilesException extends NativeException {

    TooManyOpenFilesException(String call, int fd, String target, int errno, String errnoName, String description) {
        super(call, fd, target, errno, errnoName, description);
    }
}
