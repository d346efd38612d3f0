package io.coronet.coro;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ScopeTest extends LoopFixture {

    @Test
    void aFailingChildCancelsItsSiblingsAndItsFailureReachesTheParent() throws Exception {
        AtomicInteger siblingsCancelled = new AtomicInteger();
        String seen = run(() -> {
            try (Scope scope = Scope.open()) {
                for (int i = 0; i < 3; i++) {
                    scope.launch(() -> {
                        try {
                            Coroutine.sleep(Duration.ofHours(1));
                        } catch (CancelledException e) {
                            siblingsCancelled.incrementAndGet();
                            throw e;
                        }
                    });
                }
                scope.launch(() -> {
                    Coroutine.sleep(Duration.ofMillis(5));
                    throw new IllegalStateException("child failed");
                });
                scope.join();
                return "join returned normally";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        });
        assertEquals("child failed", seen);
        assertEquals(3, siblingsCancelled.get());
    }

    @Test
    void closeWithoutJoinStillDeliversTheFailure() throws Exception {
        String seen = run(() -> {
            try {
                try (Scope scope = Scope.open()) {
                    scope.launch(() -> {
                        throw new java.io.IOException("io failed");
                    });
                    Coroutine.sleep(Duration.ofMillis(10));
                }
                return "no failure";
            } catch (java.io.IOException e) {
                return e.getMessage();
            }
        });
        assertEquals("io failed", seen);
    }

    @Test
    void closeWaitsForChildrenEvenWhenTheParentIsCancelled() throws Exception {
        AtomicBoolean childFinishedCleanup = new AtomicBoolean();
        Task<Void> parent = Coroutine.launch(loop, () -> {
            try (Scope scope = Scope.open()) {
                scope.launch(() -> {
                    try {
                        Coroutine.sleep(Duration.ofHours(1));
                    } finally {
                        childFinishedCleanup.set(true);
                    }
                });
                Coroutine.sleep(Duration.ofHours(1));
            }
        });
        Coroutine.spawn(loop, () -> {
            Coroutine.sleep(Duration.ofMillis(10));
            return null;
        }).join(WAIT);
        parent.cancel();
        assertThrows(CancelledException.class, () -> parent.join(WAIT));
        assertTrue(childFinishedCleanup.get(), "the child ended before the parent's scope closed");
    }

    @Test
    void valuesOfChildrenAreAvailableAfterJoin() throws Exception {
        int sum = run(() -> {
            try (Scope scope = Scope.open()) {
                Task<Integer> a = scope.spawn(() -> { Coroutine.sleep(Duration.ofMillis(3)); return 20; });
                Task<Integer> b = scope.spawn(() -> 22);
                scope.join();
                return a.await() + b.await();
            }
        });
        assertEquals(42, sum);
    }

    @Test
    void aScopeBelongsToTheCoroutineThatOpenedIt() throws Exception {
        String msg = run(() -> {
            try (Scope scope = Scope.open()) {
                Task<String> other = Coroutine.spawn(loop, () -> {
                    try {
                        scope.launch(() -> { });
                        return "allowed";
                    } catch (IllegalStateException e) {
                        return e.getMessage();
                    }
                });
                return other.await();
            }
        });
        assertTrue(msg.contains("opened the scope"), msg);
    }
}
