package io.coronet.coro;

/**
 * A coroutine tried to suspend while a frame that cannot be captured was on its stack: a
 * native frame (it is running inside a jnr-ffi/JNI callback) or a critical section. The JDK
 * refuses such a yield; this exception says why and what to do instead.
 */
public final class PinnedYieldException extends IllegalStateException {
    private final String reason;

    public PinnedYieldException(String reason, String coroutine) {
        super("coroutine '" + coroutine + "' cannot suspend here: the continuation is pinned ("
                + reason + "). " + advice(reason));
        this.reason = reason;
    }

    /** The JDK's reason: NATIVE, CRITICAL_SECTION, MONITOR or EXCEPTION. */
    public String reason() {
        return reason;
    }

    private static String advice(String reason) {
        return switch (reason) {
            case "NATIVE" -> "A native frame (a jnr-ffi or JNI callback) is on the stack: do not call"
                    + " read/write/sleep/await from a native callback; record what the callback saw and"
                    + " act on it after the native call returns.";
            case "CRITICAL_SECTION" -> "Continuation.pin() is in effect: leave the critical section first.";
            case "MONITOR" -> "A synchronized block is held on a JDK that pins on monitors: use"
                    + " java.util.concurrent.locks.ReentrantLock instead.";
            default -> "Suspend only from plain Java frames.";
        };
    }
}
