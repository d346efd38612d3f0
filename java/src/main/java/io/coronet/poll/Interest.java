package io.coronet.poll;

/**
 * coronet's portable readiness bits, the same numbers on every OS (they are libcoronet's
 * {@code CN_*} bits; only the C backend translates them to EPOLLIN, EVFILT_READ, POLLIN...).
 *
 * <p>Interest (what {@link Poller#register} and {@link Poller#modify} take): {@link #READABLE},
 * {@link #WRITABLE}, {@link #EDGE}. Events (what {@link Poller#events} reports): {@link #READABLE},
 * {@link #WRITABLE}, {@link #HANGUP}, {@link #ERROR}; hang-up and error are reported whatever the
 * interest.
 */
public final class Interest {

    /** Data, end of stream or a pending connection can be read. */
    public static final int READABLE = 0x01;
    /** The send buffer has room, or a non-blocking connect finished. */
    public static final int WRITABLE = 0x02;
    /**
     * Events only: the peer shut its write side (EPOLLRDHUP/EPOLLHUP, EV_EOF on EVFILT_READ).
     * Reads still drain what was sent before, then return end of stream.
     */
    public static final int HANGUP = 0x04;
    /** Events only: an error is pending on the socket (EPOLLERR, EV_EOF on EVFILT_WRITE); the next call reports it. */
    public static final int ERROR = 0x08;
    /**
     * Interest only: report a readiness once per transition (EPOLLET, EV_CLEAR) instead of for as
     * long as it lasts. The caller must then drain to EAGAIN. On a backend without native edges
     * ({@link Poller#nativeEdge()} false, i.e. poll(2)) a reported bit stays disarmed until
     * {@link Poller#rearm(int)}.
     */
    public static final int EDGE = 0x10;

    /** The bits register/modify accept. */
    static final int INTEREST_MASK = READABLE | WRITABLE | EDGE;

    private Interest() {
    }

    /** "READABLE|HANGUP" etc., for logs and test messages. */
    public static String toString(int bits) {
        if (bits == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, bits, READABLE, "READABLE");
        append(sb, bits, WRITABLE, "WRITABLE");
        append(sb, bits, HANGUP, "HANGUP");
        append(sb, bits, ERROR, "ERROR");
        append(sb, bits, EDGE, "EDGE");
        int unknown = bits & ~(READABLE | WRITABLE | HANGUP | ERROR | EDGE);
        if (unknown != 0) {
            if (sb.length() > 0) sb.append('|');
            sb.append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, int bits, int bit, String name) {
        if ((bits & bit) != 0) {
            if (sb.length() > 0) sb.append('|');
            sb.append(name);
        }
    }
}
