package io.coronet.coro;

import io.coronet.loop.EventLoop;
import io.coronet.loop.EventLoopGroup;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class OffloadTest extends LoopFixture {

    @Test
    void theBodyRunsOnAWorkerWhileTheLoopServesOthersAndTheCoroutineResumesOnItsLoop() throws Exception {
        CountDownLatch tickerRan = new CountDownLatch(3);
        Coroutine.launch(loop, () -> {
            for (int i = 0; i < 3; i++) {
                Coroutine.sleep(Duration.ofMillis(1));
                tickerRan.countDown();
            }
        });
        String[] where = run(() -> {
            String worker = Offload.call(() -> {
                // blocks until the loop's other coroutine has run three times: proves the loop was free
                assertTrue(tickerRan.await(10, TimeUnit.SECONDS), "the loop did not run other coroutines");
                return Thread.currentThread().getName();
            });
            return new String[] {worker, Thread.currentThread().getName(), String.valueOf(EventLoop.current() == loop)};
        });
        assertTrue(where[0].startsWith("coronet-offload"), where[0]);
        assertEquals(loop.name(), where[1]);
        assertEquals("true", where[2]);
    }

    @Test
    void theBodysExceptionIsRethrownAsThrown() throws Exception {
        IOException thrown = new IOException("disk on fire");
        Throwable got = run(() -> {
            try {
                Offload.call(() -> {
                    throw thrown;
                });
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        assertSame(thrown, got);
    }

    @Test
    void onAPlatformThreadTheBodyJustRuns() throws Exception {
        String me = Thread.currentThread().getName();
        assertEquals(me, Offload.call(() -> Thread.currentThread().getName()));
    }

    @Test
    void onALoopThreadOutsideACoroutineItRefusesWithWhatToDo() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        loop.execute(() -> {
            try {
                Offload.call(() -> ran.getAndSet(true));
            } catch (Throwable t) {
                failure.set(t);
            }
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failure.get());
        assertTrue(failure.get().getMessage().contains("call it from a coroutine"), failure.get().getMessage());
        assertFalse(ran.get(), "the body must not run on the loop thread");
    }

    @Test
    void cancellingResumesAtOnceWithCancelledAndInterruptsTheBody() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Task<Object> t = Coroutine.spawn(loop, () -> Offload.call(() -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "slept an hour";
        }));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        t.cancel();
        assertThrows(CancelledException.class, () -> t.join(WAIT));
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the worker was not interrupted");
    }

    @Test
    void theCoroutinesDeadlineAppliesAndInterruptsTheBody() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Object outcome = run(() -> {
            try {
                return Coroutine.withTimeout(Duration.ofMillis(50), () -> Offload.call(() -> {
                    try {
                        Thread.sleep(Duration.ofHours(1));
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                    }
                    return "finished";
                }));
            } catch (CoroutineTimeoutException e) {
                return e;
            }
        });
        assertInstanceOf(CoroutineTimeoutException.class, outcome);
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the worker was not interrupted");
    }

    /** A body that swallows every interrupt: the kind that leaks a thread. */
    private static void ignoresInterrupts(AtomicBoolean release, CountDownLatch started) {
        started.countDown();
        while (!release.get()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException swallowed) {
                // deliberately ignored
            }
        }
    }

    @Test
    void aBodyThatIgnoresTheInterruptIsReportedOnceWithItsStack() throws Exception {
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        try (LogCapture log = new LogCapture(OffloadPool.class.getName());
             OffloadPool pool = OffloadPool.builder().maxThreads(1).queueCapacity(1)
                     .stuckReportAfter(Duration.ofMillis(50)).build()) {
            Task<Object> t = Coroutine.spawn(loop, "stubborn", () -> pool.call(() -> {
                ignoresInterrupts(release, started);
                return null;
            }));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            t.cancel();
            assertThrows(CancelledException.class, () -> t.join(WAIT)); // the coroutine is not held up
            try {
                assertTrue(log.awaitMessage("still running", 10_000), "no stuck report: " + log.records());
                String report = log.messagesContaining("still running").get(0);
                assertTrue(report.contains("'stubborn'"), report);
                assertTrue(report.contains("ignoresInterrupts"), "the worker's stack is missing: " + report);
                assertEquals(1, pool.stuckBodies());
                Thread.sleep(200); // a second report would come by now
                assertEquals(1, log.messagesContaining("still running").size(), "reported more than once");
            } finally {
                release.set(true);
            }
        }
    }

    @Test
    void aFullPoolRejectsWithAClearErrorAndRunsWhatItAccepted() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        try (OffloadPool pool = OffloadPool.builder().maxThreads(1).queueCapacity(1).build()) {
            Task<String> first = Coroutine.spawn(loop, () -> pool.call(() -> {
                firstRunning.countDown();
                gate.await();
                return "first";
            }));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            Task<String> second = Coroutine.spawn(loop, () -> pool.call(() -> "second")); // queued
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.queued() < 1 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            assertEquals(1, pool.queued());
            Object third = run(() -> {
                try {
                    return pool.call(() -> "third");
                } catch (OffloadRejectedException rejected) {
                    return rejected;
                }
            });
            OffloadRejectedException e = assertInstanceOf(OffloadRejectedException.class, third);
            assertTrue(e.getMessage().contains("is full: 1 bodies running and 1 queued"), e.getMessage());
            gate.countDown();
            assertEquals("first", first.join(WAIT));
            assertEquals("second", second.join(WAIT));
        }
    }

    @Test
    void aQueuedBodyWhoseCoroutineIsCancelledNeverRuns() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch firstRunning = new CountDownLatch(1);
        AtomicBoolean secondRan = new AtomicBoolean();
        try (OffloadPool pool = OffloadPool.builder().maxThreads(1).queueCapacity(4).build()) {
            Task<String> first = Coroutine.spawn(loop, () -> pool.call(() -> {
                firstRunning.countDown();
                gate.await();
                return "first";
            }));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            Task<Boolean> second = Coroutine.spawn(loop, () -> pool.call(() -> secondRan.getAndSet(true)));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.queued() < 1 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            second.cancel();
            assertThrows(CancelledException.class, () -> second.join(WAIT));
            assertEquals(0, pool.queued(), "the abandoned body still occupies the queue");
            gate.countDown();
            assertEquals("first", first.join(WAIT));
            assertEquals("after", Coroutine.spawn(loop, () -> pool.call(() -> "after")).join(WAIT)); // the worker is idle now
            assertFalse(secondRan.get(), "a body whose caller was cancelled while it was queued ran anyway");
        }
    }

    @Test
    void shuttingDownTheGroupInterruptsTheBodyAndEndsTheSharedPool() throws Exception {
        EventLoopGroup group = EventLoopGroup.start("offload-group", 2);
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicReference<OffloadPool> pool = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        AtomicInteger quick = new AtomicInteger();
        try {
            Coroutine.launch(group.get(1), () -> quick.set(Offload.call(() -> 42))); // both loops hold the pool
            Coroutine.launch(group.get(0), () -> Offload.call(() -> {
                worker.set(Thread.currentThread());
                pool.set(Offload.sharedPool());
                started.countDown();
                try {
                    Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return null;
            }));
            assertTrue(started.await(10, TimeUnit.SECONDS));
        } finally {
            group.shutdown(Duration.ofMillis(200));
        }
        assertTrue(group.awaitTermination(WAIT), "the group did not terminate");
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the body was not interrupted at the end of the grace period");
        worker.get().join(10_000);
        assertFalse(worker.get().isAlive(), "the worker thread outlived the pool");
        assertEquals(42, quick.get());
        assertTrue(pool.get().isShutdown(), "the shared pool is still up after its last loop terminated");
        assertNotSame(pool.get(), Offload.sharedPool());
    }

    @Test
    void bodiesOneAfterAnotherReuseTheIdleThreadInsteadOfStartingNewOnes() throws Exception {
        try (OffloadPool pool = OffloadPool.builder().maxThreads(8).queueCapacity(8).build()) {
            java.util.Set<String> threads = run(() -> {
                java.util.Set<String> names = new java.util.HashSet<>();
                for (int i = 0; i < 50; i++) {
                    names.add(pool.call(() -> Thread.currentThread().getName()));
                }
                return names;
            });
            // one at a time: an idle worker is waiting for each next body (a second thread may
            // start while the first is still on its way back to the queue)
            assertTrue(threads.size() <= 2, "sequential bodies started " + threads.size() + " threads: " + threads);
            assertEquals(0, pool.queued());
        }
    }
}
