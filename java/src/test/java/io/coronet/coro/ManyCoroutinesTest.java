package io.coronet.coro;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ManyCoroutinesTest extends LoopFixture {
    private static final int N = 100_000;

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, mem.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    @Test
    void hundredThousandSleepingCoroutinesAllComplete() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Task<String> release = new Task<>();
        long before = usedHeapAfterGc();
        Task<Void> all = Coroutine.launch(loop, () -> {
            try (Scope scope = Scope.open()) {
                for (int i = 0; i < N; i++) {
                    int id = i;
                    scope.launch(() -> {
                        suspended.incrementAndGet();
                        release.await();
                        Coroutine.sleep(Duration.ofMillis(id % 50));
                        finished.incrementAndGet();
                    });
                }
                scope.join();
            }
        });
        // wait (bounded) until every coroutine is parked on the release task
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (suspended.get() < N && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(N, suspended.get());
        long during = usedHeapAfterGc();
        long perCoroutine = (during - before) / N;
        System.out.printf("heap per suspended coroutine (incl. scope bookkeeping): %d bytes (%d coroutines)%n",
                perCoroutine, N);
        release.complete("go");
        all.join(Duration.ofSeconds(60));
        assertEquals(N, finished.get());
        assertTrue(perCoroutine < 4096, "a suspended coroutine costs " + perCoroutine + " bytes of heap");
    }
}
