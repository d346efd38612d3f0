package io.coronet.coro;

import io.coronet.ffi.NativeSockets;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** cancel() reaches a coroutine at every kind of suspension point, and after it. */
class CancellationTest extends LoopFixture {

    /** Starts body, waits until it is suspended, cancels it, and checks it ended by CancelledException. */
    private void assertCancelledWhileSuspended(Coroutine.VoidBody body) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        Task<Void> task = Coroutine.launch(loop, () -> {
            started.countDown();
            try {
                body.run();
            } finally {
                cleanedUp.set(true);
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        // one more round trip through the loop so the coroutine has surely reached its suspension
        Coroutine.spawn(loop, () -> {
            Coroutine.yieldNow();
            return null;
        }).join(WAIT);
        assertFalse(task.isDone(), "the body should still be suspended");
        assertTrue(task.cancel());
        assertThrows(CancelledException.class, () -> task.join(WAIT));
        assertTrue(task.isCancelled());
        assertTrue(cleanedUp.get(), "finally blocks run on cancellation");
    }

    @Test
    void cancelInterruptsSleep() throws Exception {
        assertCancelledWhileSuspended(() -> Coroutine.sleep(Duration.ofHours(1)));
    }

    @Test
    void cancelInterruptsAwaitOfATask() throws Exception {
        Task<String> never = new Task<>();
        assertCancelledWhileSuspended(never::await);
        assertFalse(never.isDone());
    }

    @Test
    void cancelInterruptsAWaitForReadiness() throws Exception {
        int[] fds = NativeSockets.socketpair();
        try {
            assertCancelledWhileSuspended(() -> {
                AsyncFd fd = AsyncFd.register(loop, fds[0]);
                try {
                    fd.readDrained(); // nothing to read: the next await must suspend
                    fd.awaitReadable();
                } finally {
                    fd.close();
                }
            });
        } finally {
            NativeSockets.close(fds[1]);
        }
    }

    @Test
    void cancelInterruptsScopeJoinAndCancelsTheChildren() throws Exception {
        AtomicBoolean childCancelled = new AtomicBoolean();
        assertCancelledWhileSuspended(() -> {
            try (Scope scope = Scope.open()) {
                scope.launch(() -> {
                    try {
                        Coroutine.sleep(Duration.ofHours(1));
                    } catch (CancelledException e) {
                        childCancelled.set(true);
                        throw e;
                    }
                });
                scope.join();
            }
        });
        assertTrue(childCancelled.get(), "closing the scope cancels its children");
    }

    @Test
    void cancellationIsStickyAndHitsTheNextSuspensionOfARunningCoroutine() throws Exception {
        Task<Integer> task = Coroutine.spawn(loop, () -> {
            Coroutine.current().cancel(); // cancelled while running: no effect until it suspends
            int suspensionsSurvived = 0;
            for (int i = 0; i < 3; i++) {
                try {
                    Coroutine.yieldNow();
                    suspensionsSurvived++;
                } catch (CancelledException expected) {
                    // swallowed on purpose: the next suspension must throw again
                }
            }
            return suspensionsSurvived;
        });
        assertEquals(0, task.join(WAIT));
    }

    @Test
    void cancellingAPromiseFailsItAndWakesItsWaiter() throws Exception {
        Task<String> promise = new Task<>();
        Task<String> waiter = Coroutine.spawn(loop, promise::await);
        Coroutine.spawn(loop, () -> {
            Coroutine.yieldNow();
            return null;
        }).join(WAIT);
        promise.cancel();
        assertThrows(CancelledException.class, () -> waiter.join(WAIT));
    }
}
