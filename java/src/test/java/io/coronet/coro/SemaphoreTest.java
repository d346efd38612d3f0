package io.coronet.coro;

import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

class SemaphoreTest extends LoopFixture {

    @Test
    void atMostNHoldersAtOnce() throws Exception {
        Semaphore sem = new Semaphore(3);
        int[] inFlight = new int[2]; // now, max (one loop: no data race)
        List<Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tasks.add(Coroutine.launch(loop, () -> sem.withPermit(() -> {
                inFlight[0]++;
                inFlight[1] = Math.max(inFlight[1], inFlight[0]);
                Coroutine.sleep(Duration.ofMillis(2));
                inFlight[0]--;
                return null;
            })));
        }
        for (Task<Void> t : tasks) {
            t.join(WAIT);
        }
        assertEquals(3, inFlight[1]);
        assertEquals(3, sem.available());
    }

    @Test
    void waitersGetPermitsFirstComeFirstServedAndTryAcquireCannotBargeIn() throws Exception {
        Semaphore sem = new Semaphore(0);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            tasks.add(Coroutine.launch(loop, () -> {
                sem.acquire();
                order.add(id);
            }));
        }
        run(() -> {
            Coroutine.sleep(Duration.ofMillis(10)); // all five are waiting, in spawn order
            return null;
        });
        assertEquals(5, sem.waiting());
        for (int i = 0; i < 5; i++) {
            sem.release(); // from the test thread: a hand-off to the loop's coroutines
            assertFalse(sem.tryAcquire(), "tryAcquire took a permit a waiter was owed");
        }
        for (Task<Void> t : tasks) {
            t.join(WAIT);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void aCancelledOrTimedOutAcquireHoldsNothing() throws Exception {
        Semaphore sem = new Semaphore(1);
        assertTrue(sem.tryAcquire());
        Task<Void> cancelled = Coroutine.launch(loop, sem::acquire);
        Object timedOut = run(() -> {
            try {
                sem.acquire(Duration.ofMillis(20));
                return "acquired";
            } catch (TimeoutException e) {
                return e;
            }
        });
        assertInstanceOf(TimeoutException.class, timedOut);
        cancelled.cancel();
        assertThrows(CancelledException.class, () -> cancelled.join(WAIT));
        sem.release();
        assertEquals(1, sem.available(), "a waiter that gave up still holds or lost a permit");
        assertEquals(0, sem.waiting());
    }

    @Test
    void aPermitHandedToACancelledWaiterIsPassedOn() throws Exception {
        Semaphore sem = new Semaphore(0);
        for (int i = 0; i < 200; i++) {
            CountDownLatch waiting = new CountDownLatch(1);
            Task<Void> t = Coroutine.launch(loop, () -> {
                waiting.countDown();
                sem.acquire();
                sem.release();
            });
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            Thread releaser = new Thread(sem::release);
            releaser.start();
            t.cancel();
            releaser.join(10_000);
            try {
                t.join(WAIT);
            } catch (CancelledException gaveUp) {
                // fine either way, as long as the permit survives
            }
            assertEquals(1, sem.available(), "round " + i + ": the permit was lost");
            assertTrue(sem.tryAcquire());
        }
    }

    @Test
    void aCoroutineOfAnotherLoopAndAPlatformThreadShareIt() throws Exception {
        Semaphore sem = new Semaphore(1);
        EventLoop other = EventLoop.start("semaphore-other");
        try {
            int[] counter = {0};
            List<Task<Void>> tasks = new ArrayList<>();
            for (EventLoop l : List.of(loop, other)) {
                tasks.add(Coroutine.launch(l, () -> {
                    for (int i = 0; i < 2000; i++) {
                        sem.acquire();
                        try {
                            int v = counter[0];
                            Coroutine.yieldNow(); // the permit must keep the other side out meanwhile
                            counter[0] = v + 1;
                        } finally {
                            sem.release();
                        }
                    }
                }));
            }
            for (int i = 0; i < 2000; i++) {
                sem.acquire(Duration.ofSeconds(20));
                try {
                    counter[0]++;
                } finally {
                    sem.release();
                }
            }
            for (Task<Void> t : tasks) {
                t.join(WAIT);
            }
            sem.acquire(Duration.ofSeconds(20)); // a happens-before edge for reading counter
            assertEquals(6000, counter[0]);
        } finally {
            other.close();
        }
    }
}
