package io.coronet.coro;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class TaskTest extends LoopFixture {

    @Test
    void aCoroutineAwaitsAPromiseCompletedFromAnotherThread() throws Exception {
        Task<String> promise = new Task<>();
        Task<String> waiter = Coroutine.spawn(loop, () -> "got " + promise.await());
        Thread completer = new Thread(() -> promise.complete("value"));
        completer.start();
        completer.join();
        assertEquals("got value", waiter.join(WAIT));
    }

    @Test
    void aPlatformThreadJoinsATaskCompletedByACoroutine() throws Exception {
        Task<Integer> t = Coroutine.spawn(loop, () -> {
            Coroutine.sleep(Duration.ofMillis(5));
            return 7;
        });
        assertEquals(7, t.join());
    }

    @Test
    void completesOnceAndOnlyOnce() throws Exception {
        Task<String> t = new Task<>();
        assertTrue(t.complete("first"));
        assertFalse(t.complete("second"));
        assertFalse(t.fail(new RuntimeException()));
        assertFalse(t.cancel());
        assertEquals("first", t.join());
    }

    @Test
    void manyWaitersOnOneTaskAllWake() throws Exception {
        Task<Integer> gate = new Task<>();
        AtomicInteger woke = new AtomicInteger();
        Task<Void> all = Coroutine.launch(loop, () -> {
            try (Scope scope = Scope.open()) {
                for (int i = 0; i < 1000; i++) {
                    scope.launch(() -> woke.addAndGet(gate.await()));
                }
                scope.launch(() -> gate.complete(1));
                scope.join();
            }
        });
        all.join(WAIT);
        assertEquals(1000, woke.get());
    }

    @Test
    void onCompleteRunsExactlyOnceEvenWhenAddedAfterCompletion() throws Exception {
        Task<String> t = new Task<>();
        AtomicInteger calls = new AtomicInteger();
        t.onComplete(calls::incrementAndGet);
        t.complete("x");
        t.onComplete(calls::incrementAndGet);
        assertEquals(2, calls.get());
    }

    @Test
    void joinOnALoopThreadOutsideACoroutineIsRefused() throws Exception {
        Task<String> never = new Task<>();
        java.util.concurrent.CompletableFuture<Throwable> seen = new java.util.concurrent.CompletableFuture<>();
        loop.execute(() -> {
            try {
                never.join();
                seen.complete(null);
            } catch (Throwable e) {
                seen.complete(e);
            }
        });
        Throwable e = seen.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, e);
        assertTrue(e.getMessage().contains("would block every coroutine"), e.getMessage());
    }
}
