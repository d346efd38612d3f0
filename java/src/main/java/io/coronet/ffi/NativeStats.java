package io.coronet.ffi;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts native crossings by kind, to report syscalls per message. Off unless the JVM runs with
 * {@code -Dcoronet.stats=true}: {@link #ENABLED} is a static final, so with it off the JIT drops
 * every {@code if (NativeStats.ENABLED)} block and the counters cost nothing.
 *
 * <p>LongAdder, not a plain long: several event-loop threads count at once and a contended
 * atomic would cost more than the syscall it counts.
 */
public final class NativeStats {

    public static final boolean ENABLED = Boolean.getBoolean("coronet.stats");

    /** What a crossing did. */
    public enum Kind {
        /** cn_read, cn_readv, accept */
        READ,
        /** cn_write, cn_writev */
        WRITE,
        /** cn_poller_wait */
        WAIT,
        /** cn_poller_add / modify / remove (interest changes) */
        CTL,
        /** cn_poller_wake */
        WAKE,
        /** everything else: connect, close, shutdown, options, addresses */
        OTHER
    }

    private static final Kind[] KINDS = Kind.values();
    private static final LongAdder[] COUNTS = new LongAdder[KINDS.length];

    static {
        for (int i = 0; i < COUNTS.length; i++) {
            COUNTS[i] = new LongAdder();
        }
    }

    private NativeStats() {
    }

    /** Counts one crossing when enabled; a no-op the JIT removes otherwise. */
    public static void count(Kind kind) {
        if (ENABLED) {
            COUNTS[kind.ordinal()].increment();
        }
    }

    /** The count so far (0 when disabled). */
    public static long get(Kind kind) {
        return COUNTS[kind.ordinal()].sum();
    }

    /** The sum over all kinds. */
    public static long total() {
        long sum = 0;
        for (LongAdder c : COUNTS) {
            sum += c.sum();
        }
        return sum;
    }

    /** Sets every counter to 0 (for a fresh measurement; not atomic with concurrent counting). */
    public static void reset() {
        for (LongAdder c : COUNTS) {
            c.reset();
        }
    }

    /** "read=.. write=.. wait=.. ctl=.. wake=.. other=.." */
    public static String summary() {
        StringBuilder sb = new StringBuilder();
        for (Kind k : KINDS) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(k.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(get(k));
        }
        return sb.toString();
    }
}
