package io.coronet.cli;

import io.coronet.ffi.NativeBuffer;
import jnr.constants.platform.RLIMIT;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.types.uintptr_t;

/**
 * Raises RLIMIT_NOFILE's soft limit to the hard limit: a server holds one fd per connection,
 * and the usual soft default (1024) would cap it far below what the machine allows.
 *
 * <p>Why two libc calls bound here rather than jnr-posix's POSIX facade: loading that facade
 * binds its whole libc interface (hundreds of functions) and measured +33 MiB of RSS in the
 * daemon at start, more than the daemon's own footprint; the resource number still comes from
 * jnr-constants (it differs between Linux and macOS). struct rlimit is two rlim_t (64-bit
 * unsigned on Linux and macOS, 64-bit builds).
 */
final class FdLimit {
    /** The two libc functions we need, nothing else. */
    public interface LibC {
        @IgnoreError
        int getrlimit(int resource, @uintptr_t long rlimit);

        @IgnoreError
        int setrlimit(int resource, @uintptr_t long rlimit);
    }

    private FdLimit() {
    }

    /** Returns a one-line description of the limit now in force. */
    static String raiseToHardLimit() {
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        int resource = RLIMIT.RLIMIT_NOFILE.intValue();
        try (NativeBuffer rlimit = NativeBuffer.allocate(16)) {
            long address = rlimit.checkedAddress(0, 16);
            if (libc.getrlimit(resource, address) != 0) {
                return "fd limit unknown (getrlimit failed)";
            }
            long soft = rlimit.getLong(0), hard = rlimit.getLong(8);
            if (Long.compareUnsigned(soft, hard) >= 0) {
                return "fd limit " + describe(soft) + " (already the hard limit)";
            }
            rlimit.putLong(0, hard);
            if (libc.setrlimit(resource, address) != 0) {
                return "fd limit " + describe(soft) + " (could not raise it to the hard limit " + describe(hard) + ")";
            }
            libc.getrlimit(resource, address);
            return "fd limit " + describe(rlimit.getLong(0)) + " (raised from " + describe(soft) + ")";
        }
    }

    private static String describe(long rlim) {
        return rlim == -1L ? "unlimited" : Long.toUnsignedString(rlim);
    }
}
