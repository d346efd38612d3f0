package io.coronet.ffi;

import jnr.constants.platform.Errno;

/**
 * The one place where a native result of {@code -errno} becomes a typed exception.
 *
 * <p>libcoronet returns {@code >= 0} or {@code -errno} (never sets errno for us to read). EAGAIN
 * is "not ready", a normal outcome the caller tests with {@link #isWouldBlock(long)} before
 * calling {@link #check}; it is never turned into an exception by the socket wrappers. EINTR never
 * arrives: the C side retries it.
 *
 * <p>Errno numbers come from {@link Abi} (the C side), names and descriptions from jnr-constants'
 * per-platform tables, so nothing here is specific to Linux.
 */
public final class Errors {

    private static final long NEG_EAGAIN = -(long) Abi.EAGAIN;

    private Errors() {
    }

    /**
     * Returns {@code res} unchanged when it is {@code >= 0}; otherwise throws the typed exception
     * for {@code -res}. Use it for results where EAGAIN is an error too (or cannot happen).
     */
    public static long check(long res, String call, int fd) throws NativeException {
        if (res >= 0) {
            return res;
        }
        throw exception(call, fd, (int) -res);
    }

    /** True when {@code res} is {@code -EAGAIN} (which is also -EWOULDBLOCK on Linux, macOS and the BSDs). */
    public static boolean isWouldBlock(long res) {
        return res == NEG_EAGAIN;
    }

    /** True when {@code res} is a resolver (getaddrinfo) failure rather than {@code -errno}. */
    public static boolean isResolverError(long res) {
        return res <= -(long) Abi.RESOLVE_ERROR_BASE;
    }

    /**
     * The failure of a call that resolves {@code host}: an {@link UnresolvedHostException} with the
     * resolver's own reason for a resolver code, else the errno's typed exception (EAI_SYSTEM
     * carries a real errno).
     */
    public static java.io.IOException resolutionFailure(String call, String host, String target, int res) {
        if (isResolverError(res)) {
            return new UnresolvedHostException(call, host, resolverText(res));
        }
        return exception(call, target, -res);
    }

    /** "EAI_NAME: text" for a resolver code, from the C side (platform names and gai_strerror). */
    private static String resolverText(int res) {
        final int cap = 256;
        try (NativeBuffer buf = NativeBuffer.allocate(cap)) {
            int n = NativeLibrary.lib().cn_resolve_error_text(res, buf.checkedAddress(0, cap), cap);
            if (n < 0) {
                return "EAI_OTHER: resolver code " + res;
            }
            byte[] b = new byte[n];
            buf.getBytes(0, b, 0, n);
            return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** The typed exception for {@code errno} from {@code call} on {@code fd} (-1 when none). */
    public static NativeException exception(String call, int fd, int errno) {
        return exception(call, fd, null, errno);
    }

    /**
     * Same, for a call made on something other than an fd, e.g. {@code listen}, target
     * "127.0.0.1:8080": the message reads {@code listen(127.0.0.1:8080): EADDRINUSE (...)}.
     */
    public static NativeException exception(String call, String target, int errno) {
        return exception(call, -1, target, errno);
    }

    private static NativeException exception(String call, int fd, String target, int errno) {
        Errno e = Errno.valueOf(errno);
        boolean known = e != null && e.defined() && e != Errno.__UNKNOWN_CONSTANT__;
        String name = known ? e.name() : "errno " + errno;
        String description = known && e.description() != null ? e.description() : "unknown error";
        if (errno == Abi.ECONNRESET) {
            return new ConnectionResetException(call, fd, target, errno, name, description);
        } else if (errno == Abi.EPIPE) {
            return new BrokenPipeException(call, fd, target, errno, name, description);
        } else if (errno == Abi.EBADF) {
            return new BadFileDescriptorException(call, fd, target, errno, name, description);
        } else if (errno == Abi.ECONNREFUSED) {
            return new ConnectionRefusedException(call, fd, target, errno, name, description);
        } else if (errno == Abi.EMFILE || errno == Abi.ENFILE) {
            return new TooManyOpenFilesException(call, fd, target, errno, name, description);
        } else if (errno == Abi.EADDRINUSE) {
            return new AddressInUseException(call, fd, target, errno, name, description);
        }
        return new NativeException(call, fd, target, errno, name, description);
    }
}
