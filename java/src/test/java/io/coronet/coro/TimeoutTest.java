package io.coronet.coro;

import io.coronet.ffi.NativeSockets;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class TimeoutTest extends LoopFixture {

    @Test
    void withTimeoutInterruptsASleepThatOutlastsIt() throws Exception {
        String outcome = run(() -> {
            try {
                Coroutine.withTimeout(Duration.ofMillis(20), () -> {
                    Coroutine.sleep(Duration.ofHours(1));
                    return "slept";
                });
                return "no timeout";
            } catch (CoroutineTimeoutException e) {
                return e.getMessage();
            }
        });
        assertEquals("timed out after 20 ms", outcome);
    }

    @Test
    void withTimeoutReturnsTheValueWhenTheBodyIsQuickEnough() throws Exception {
        assertEquals("done", run(() -> Coroutine.withTimeout(Duration.ofSeconds(30), () -> {
            Coroutine.sleep(Duration.ofMillis(1));
            return "done";
        })));
    }

    @Test
    void aPassedDeadlineNoLongerAppliesAfterItsBlock() throws Exception {
        assertEquals("slept after", run(() -> {
            assertThrows(CoroutineTimeoutException.class, () -> Coroutine.withTimeout(Duration.ofMillis(5),
                    () -> { Coroutine.sleep(Duration.ofSeconds(10)); return null; }));
            Coroutine.sleep(Duration.ofMillis(10)); // must not throw: the deadline is gone
            return "slept after";
        }));
    }

    @Test
    void theEarlierOfNestedDeadlinesWinsAndIsReportedByItsOwnBlock() throws Exception {
        String which = run(() -> {
            try {
                return Coroutine.withTimeout(Duration.ofMillis(20), () -> {
                    try {
                        return Coroutine.withTimeout(Duration.ofSeconds(30), () -> {
                            Coroutine.sleep(Duration.ofHours(1));
                            return "inner finished";
                        });
                    } catch (CoroutineTimeoutException e) {
                        return "inner caught: " + e.getMessage();
                    }
                });
            } catch (CoroutineTimeoutException e) {
                return "outer: " + e.getMessage();
            }
        });
        // the outer 20 ms deadline governs and is seen by the code inside the inner block
        assertTrue(which.startsWith("inner caught: "), which);
    }

    @Test
    void aReadWaitHonoursTheDeadline() throws Exception {
        int[] fds = NativeSockets.socketpair();
        try {
            assertThrows(CoroutineTimeoutException.class, () -> run(() -> {
                AsyncFd fd = AsyncFd.register(loop, fds[0]);
                try {
                    fd.readDrained();
                    return Coroutine.withTimeout(Duration.ofMillis(20), () -> {
                        fd.awaitReadable();
                        return "readable?";
                    });
                } finally {
                    fd.close();
                }
            }));
        } finally {
            NativeSockets.close(fds[1]);
        }
    }

    @Test
    void joinWithATimeoutFromAPlatformThread() {
        Task<String> never = new Task<>();
        assertThrows(java.util.concurrent.TimeoutException.class, () -> never.join(Duration.ofMillis(20)));
    }

    @Test
    void aDeadlineBlockTimesOutASuspensionInsideItAndNotAfterIt() throws Exception {
        assertEquals("timed out after 10 ms, then slept", run(() -> {
            String first;
            try (Deadline d = Deadline.after(Duration.ofMillis(10))) {
                Coroutine.sleep(Duration.ofHours(1));
                first = "slept an hour?";
            } catch (CoroutineTimeoutException e) {
                first = e.getMessage();
            }
            Coroutine.sleep(Duration.ofMillis(15)); // the closed deadline no longer applies
            return first + ", then slept";
        }));
    }

    @Test
    void anInnerDeadlineThatIsLaterThanTheOuterOneChangesNothing() throws Exception {
        assertEquals("timed out after 10 ms", run(() -> {
            try (Deadline outer = Deadline.after(Duration.ofMillis(10))) {
                try (Deadline inner = Deadline.after(Duration.ofSeconds(30))) {
                    Coroutine.sleep(Duration.ofHours(1));
                }
                return "slept";
            } catch (CoroutineTimeoutException e) {
                return e.getMessage();
            }
        }));
    }

    @Test
    void deadlinesClosedOutOfOrderAreRefused() throws Exception {
        assertEquals("refused", run(() -> {
            Deadline outer = Deadline.after(Duration.ofSeconds(30));
            Deadline inner = Deadline.after(Duration.ofSeconds(10));
            try {
                outer.close();
                return "closed";
            } catch (IllegalStateException expected) {
                inner.close();
                outer.close();
                return "refused";
            }
        }));
    }

    @Test
    void aDeadlineOutsideACoroutineIsRefused() {
        assertThrows(IllegalStateException.class, () -> Deadline.after(Duration.ofSeconds(1)));
    }
}
