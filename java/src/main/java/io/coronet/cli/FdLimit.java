package io.coronet.cli;

import jnr.constants.platform.RLIMIT;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;

/**
 * Raises RLIMIT_NOFILE's soft limit to the hard limit: a server holds one fd per connection,
 * and the usual soft default (1024) would cap it far below what the machine allows.
 */
final class FdLimit {
    private FdLimit() {
    }

    /** Returns a one-line description of the limit now in force. */
    static String raiseToHardLimit() {
        POSIX posix = POSIXFactory.getNativePOSIX();
        int resource = RLIMIT.RLIMIT_NOFILE.intValue();
        RLimit before = posix.getrlimit(resource);
        long soft = before.rlimCur(), hard = before.rlimMax();
        if (soft >= hard) {
            return "fd limit " + soft + " (already the hard limit)";
        }
        if (posix.setrlimit(resource, hard, hard) != 0) {
            return "fd limit " + soft + " (could not raise to hard limit " + hard + ": errno " + posix.errno() + ")";
        }
        return "fd limit " + posix.getrlimit(resource).rlimCur() + " (raised from " + soft + ")";
    }
}
