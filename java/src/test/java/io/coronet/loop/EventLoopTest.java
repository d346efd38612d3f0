package io.coronet.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class EventLoopTest {
    private EventLoop loop;

    @BeforeEach
    void start() throws Exception {
        loop = EventLoop.start("test-loop");
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdown(Duration.ZERO);
        assertTrue(loop.awaitTermination(Duration.ofSeconds(10)), "loop did not terminate");
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void crossThreadSubmissionsAllRunInOrderPerSubmitter() throws Exception {
        int threads = 4, perThread = 10_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(Collections.synchronizedList(new ArrayList<>()));
        }
        CountDownLatch done = new CountDownLatch(threads * perThread);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int v = i;
                    loop.execute(() -> {
                        assertTrue(loop.inLoop());
                        seen.get(id).add(v);
                        done.countDown();
                    });
                }
            });
            submitters.add(th);
            th.start();
        }
        for (Thread th : submitters) {
            th.join();
        }
        assertTrue(done.await(20, TimeUnit.SECONDS), "not every submission ran");
        for (List<Integer> s : seen) {
            assertEquals(perThread, s.size());
            for (int i = 0; i < perThread; i++) {
                assertEquals(i, s.get(i));
            }
        }
    }

    @Test
    void timersFireInDeadlineOrderAndEqualDeadlinesInScheduleOrder() throws Exception {
        List<Integer> fired = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(6);
        onLoop(() -> {
            long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            int[] offsetsMs = {30, 10, 20, 10, 0, 40};
            for (int i = 0; i < offsetsMs.length; i++) {
                int id = i;
                loop.schedule(base + TimeUnit.MILLISECONDS.toNanos(offsetsMs[i]), () -> {
                    fired.add(id);
                    done.countDown();
                });
            }
            return null;
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(4, 1, 3, 2, 0, 5), fired);
    }

    @Test
    void cancelledTimerNeverFiresAndManyTimersAreCheap() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        CountDownLatch last = new CountDownLatch(1);
        onLoop(() -> {
            long now = System.nanoTime();
            List<Timer> timers = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                timers.add(loop.schedule(now + TimeUnit.MILLISECONDS.toNanos(50 + (i % 100)), fired::incrementAndGet));
            }
            for (int i = 0; i < timers.size(); i += 2) {
                timers.get(i).cancel();
            }
            loop.schedule(now + TimeUnit.MILLISECONDS.toNanos(200), last::countDown);
            assertEquals(50_001, loop.pendingTimers());
            return null;
        });
        assertTrue(last.await(10, TimeUnit.SECONDS));
        assertEquals(50_000, fired.get());
        assertEquals(0, (int) onLoop(loop::pendingTimers));
    }

    @Test
    void aFailingTaskIsReportedAndTheLoopKeepsRunning() throws Exception {
        List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
        loop.setUncaughtExceptionHandler((t, e) -> reported.add(e));
        loop.execute(() -> {
            throw new IllegalStateException("boom");
        });
        assertEquals("still alive", onLoop(() -> "still alive"));
        assertEquals(1, reported.size());
        assertEquals("boom", reported.get(0).getMessage());
    }

    @Test
    void loopOnlyCallsRefuseOtherThreads() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> loop.schedule(Duration.ofSeconds(1), () -> { }));
        assertTrue(e.getMessage().contains("must run on event loop thread"), e.getMessage());
    }

    @Test
    void shutdownRejectsNewWorkAfterTermination() throws Exception {
        loop.shutdown(Duration.ZERO);
        assertTrue(loop.awaitTermination(Duration.ofSeconds(10)));
        assertTrue(loop.isTerminated());
        assertThrows(EventLoopClosedException.class, () -> loop.execute(() -> { }));
    }

    @Test
    void groupHasOneThreadPerLoopAndRoundRobins() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("grp", 3)) {
            assertEquals(3, group.size());
            assertSame(group.get(0), group.next());
            assertSame(group.get(1), group.next());
            assertSame(group.get(2), group.next());
            assertSame(group.get(0), group.next());
            CompletableFuture<String> name = new CompletableFuture<>();
            group.get(2).execute(() -> name.complete(Thread.currentThread().getName()));
            assertEquals("grp-2", name.get(10, TimeUnit.SECONDS));
        }
    }
}
