package io.coronet.ffi;

import com.kenai.jffi.MemoryIO;

/**
 * The one-time check a freshly loaded libcoronet passes before any event loop uses it: create a
 * poller, register one end of a socketpair, write a byte into the other end and see the readable
 * event with the right token, then remove it, wake the poller and see the wait return early.
 *
 * <p>It catches what loading alone cannot: a library that loads but whose backend does not work
 * on this kernel (a seccomp filter refusing epoll or eventfd, an emulator missing a syscall, a
 * library built for another libc whose calls misbehave). Every wait is bounded; every fd and the
 * poller are closed whatever happens. It calls {@code cn_abi} directly, not {@link Abi} (which
 * needs the library to be available already).
 */
final class SelfTest {

    /** How long the readable event may take; far above what any kernel needs. */
    static final int EVENT_TIMEOUT_MS = 5_000;
    /** How long the wait after a wake-up may block at most; returning earlier proves the wake. */
    static final int WAKE_TIMEOUT_MS = 10_000;
    private static final long TOKEN = 0x5e1f_7e57L;
    private static final int CAPACITY = 4;

    /** A failed step: which call, and what it returned. */
    static final class Failure extends Exception {
        final String step;

        Failure(String step, String detail) {
            super(step + ": " + detail);
            this.step = step;
        }
    }

    private SelfTest() {
    }

    static void run(LibCoronet lib) throws Failure {
        run(lib, EVENT_TIMEOUT_MS, WAKE_TIMEOUT_MS);
    }

    /** With other bounds, so a test of a wake-up that never comes need not wait 10 s. */
    static void run(LibCoronet lib, int eventTimeoutMs, int wakeTimeoutMs) throws Failure {
        MemoryIO io = MemoryIO.getInstance();
        int eventSize = (int) lib.cn_abi(LibCoronet.CN_ABI_EVENT_SIZE);
        int tokenOffset = (int) lib.cn_abi(LibCoronet.CN_ABI_EVENT_TOKEN_OFFSET);
        int eventsOffset = (int) lib.cn_abi(LibCoronet.CN_ABI_EVENT_EVENTS_OFFSET);
        long events = io.allocateMemory((long) eventSize * CAPACITY, true);
        long fds = io.allocateMemory(8, true);
        if (events == 0 || fds == 0) {
            io.freeMemory(events);
            io.freeMemory(fds);
            throw new Failure("allocate", "out of native memory");
        }
        long poller = 0;
        int a = -1;
        int b = -1;
        try {
            long created = lib.cn_poller_create();
            if (created <= 0) {
                throw new Failure("cn_poller_create", "returned " + created + (created < 0 ? " (-errno)" : ", not a handle"));
            }
            poller = created;
            check("cn_socketpair", lib.cn_socketpair(fds));
            a = io.getInt(fds);
            b = io.getInt(fds + 4);
            check("cn_poller_add", lib.cn_poller_add(poller, a, LibCoronet.CN_READABLE, TOKEN));
            long one = io.allocateMemory(1, true);
            try {
                io.putByte(one, (byte) 1);
                long n = lib.cn_write(b, one, 1);
                if (n != 1) {
                    throw new Failure("cn_write", "returned " + n + ", expected 1");
                }
            } finally {
                io.freeMemory(one);
            }

            int got = lib.cn_poller_wait(poller, events, CAPACITY, eventTimeoutMs);
            check("cn_poller_wait (readable)", got);
            boolean seen = false;
            for (int i = 0; i < got; i++) {
                long at = events + (long) i * eventSize;
                seen |= io.getLong(at + tokenOffset) == TOKEN
                        && (io.getInt(at + eventsOffset) & LibCoronet.CN_READABLE) != 0;
            }
            if (!seen) {
                throw new Failure("cn_poller_wait (readable)", got == 0
                        ? "no event within " + eventTimeoutMs + " ms for a socket with a byte to read"
                        : got + " event(s), none readable with the registered token");
            }
            check("cn_poller_remove", lib.cn_poller_remove(poller, a));

            check("cn_poller_wake", lib.cn_poller_wake(poller));
            long start = System.nanoTime();
            int woken = lib.cn_poller_wait(poller, events, CAPACITY, wakeTimeoutMs);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            check("cn_poller_wait (after wake)", woken);
            if (woken != 0) {
                throw new Failure("cn_poller_wait (after wake)", "reported " + woken
                        + " event(s); a wake-up is consumed, never reported, and nothing else is registered");
            }
            if (tookMs >= wakeTimeoutMs) {
                throw new Failure("cn_poller_wake", "the wait after cn_poller_wake ran its full "
                        + wakeTimeoutMs + " ms: the wake-up did not arrive");
            }
        } finally {
            if (a >= 0) lib.cn_close(a);
            if (b >= 0) lib.cn_close(b);
            if (poller > 0) lib.cn_poller_close(poller);
            io.freeMemory(events);
            io.freeMemory(fds);
        }
    }

    private static void check(String step, long rc) throws Failure {
        if (rc < 0) {
            throw new Failure(step, "returned " + rc + " (-errno)");
        }
    }
}
