package io.coronet.cli;

import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;

/**
 * Raises RLIMIT_NOFILE's soft limit to the hard limit: a server holds one fd per connection,
 * and the usual soft default (1024) would cap it far below what the machine allows.
 *
 * <p>The getrlimit/setrlimit calls are libcoronet's ({@code cn_raise_fd_limit}), not a libc
 * binding of our own: a second jnr-ffi library interface would cost another generated class
 * and its start-up allocation in the daemon.
 */
final class FdLimit {

    private FdLimit() {
    }

    /** Returns a one-line description of the limit now in force. */
    static String raiseToHardLimit() {
        long soft;
        try {
            soft = NativeSockets.fdSoftLimit();
        } catch (NativeException e) {
            return "fd limit unknown (" + e.getMessage() + ")";
        }
        try {
            long now = NativeSockets.raiseFdLimit();
            return now == soft
                    ? "fd limit " + describe(soft) + " (already the hard limit)"
                    : "fd limit " + describe(now) + " (raised from " + describe(soft) + ")";
        } catch (NativeException e) {
            return "fd limit " + describe(soft) + " (could not raise it to the hard limit: " + e.getMessage() + ")";
        }
    }

    private static String describe(long limit) {
        return limit == Long.MAX_VALUE ? "unlimited" : Long.toString(limit);
    }
}
