package io.coronet.coro;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class CoroutineTest extends LoopFixture {

    @Test
    void yieldInterleavesCoroutinesInFifoOrder() throws Exception {
        List<String> trace = Collections.synchronizedList(new ArrayList<>());
        Task<Void> all = Coroutine.launch(loop, () -> {
            try (Scope scope = Scope.open()) {
                for (String name : List.of("a", "b", "c")) {
                    scope.launch(() -> {
                        for (int i = 0; i < 3; i++) {
                            trace.add(name + i);
                            Coroutine.yieldNow();
                        }
                    });
                }
                scope.join();
            }
        });
        all.join(WAIT);
        assertEquals(List.of("a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"), trace);
    }

    @Test
    void joinReturnsTheValueAndRethrowsTheFailureAsThrown() throws Exception {
        assertEquals(42, run(() -> 42));
        Task<Object> failing = Coroutine.spawn(loop, () -> {
            throw new java.io.IOException("disk on fire");
        });
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> failing.join(WAIT));
        assertEquals("disk on fire", e.getMessage());
        assertTrue(failing.isFailed());
    }

    @Test
    void sleepersWakeInDeadlineOrder() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        run(() -> {
            try (Scope scope = Scope.open()) {
                int[] delays = {40, 10, 30, 20};
                for (int d : delays) {
                    scope.launch(() -> {
                        Coroutine.sleep(Duration.ofMillis(d));
                        order.add(d);
                    });
                }
                scope.join();
            }
            return null;
        });
        assertEquals(List.of(10, 20, 30, 40), order);
    }

    @Test
    void sleepDoesNotReturnEarly() throws Exception {
        long slept = run(() -> {
            long t0 = System.nanoTime();
            Coroutine.sleep(Duration.ofMillis(30));
            return System.nanoTime() - t0;
        });
        assertTrue(slept >= Duration.ofMillis(30).toNanos(), "slept only " + slept + " ns");
    }

    @Test
    void suspendingOutsideACoroutineIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Coroutine.sleep(Duration.ofMillis(1)));
        assertTrue(e.getMessage().contains("must be called from a coroutine"), e.getMessage());
    }

    @Test
    void spawnFromAnotherThreadRunsOnTheLoop() throws Exception {
        AtomicReference<Thread> where = new AtomicReference<>();
        Coroutine.launch(loop, () -> where.set(Thread.currentThread())).join(WAIT);
        assertEquals(loop.name(), where.get().getName());
    }

    @Test
    void anUnjoinedFailureIsReportedNotLostAndTheLoopSurvives() throws Exception {
        List<Throwable> reported = Collections.synchronizedList(new ArrayList<>());
        loop.setUncaughtExceptionHandler((t, e) -> reported.add(e));
        run(() -> {
            Coroutine.launch(loop, () -> {
                throw new IllegalArgumentException("nobody listens");
            });
            Coroutine.sleep(Duration.ofMillis(20)); // let it run and fail
            return null;
        });
        assertEquals(1, reported.size());
        assertEquals("nobody listens", reported.get(0).getCause().getMessage());
        assertEquals("ok", run(() -> "ok"));
    }

    @Test
    void operationBudgetStopsABusyCoroutineFromStarvingOthers() throws Exception {
        int[] fds = io.coronet.ffi.NativeSockets.socketpair();
        AtomicInteger busyOps = new AtomicInteger();
        AtomicInteger opsWhenOtherRan = new AtomicInteger(-1);
        run(() -> {
            AsyncFd fd = AsyncFd.register(loop, fds[0]);
            try (Scope scope = Scope.open()) {
                scope.launch(() -> {
                    // readiness that never runs out: this coroutine would never suspend on its own
                    for (int i = 0; i < 10_000; i++) {
                        fd.awaitWritable();
                        busyOps.incrementAndGet();
                    }
                });
                scope.launch(() -> opsWhenOtherRan.set(busyOps.get()));
                scope.join();
            } finally {
                fd.close();
                io.coronet.ffi.NativeSockets.close(fds[1]);
            }
            return null;
        });
        assertEquals(10_000, busyOps.get());
        assertTrue(opsWhenOtherRan.get() >= 0 && opsWhenOtherRan.get() < 10_000,
                "the second coroutine only ran after " + opsWhenOtherRan.get() + " operations of the first");
    }

    @Test
    void missingAddExportsFlagIsNamedInTheError() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
        for (String prop : List.of("coronet.library.path", "coronet.backend", "coronet.native.dir")) {
            if (System.getProperty(prop) != null) { // run the child on the same native library as we do
                cmd.add("-D" + prop + "=" + System.getProperty(prop));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NoExportsProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED"), out);
        // every flag this JDK needs, not just the missing one: a user fixes them all at once
        assertTrue(out.contains(io.coronet.ffi.JvmFlags.forThisJdk()), out);
        assertTrue(out.contains("argLine") && out.contains(".mvn/jvm.config"), "says where flags go: " + out);
        assertEquals(3, p.exitValue(), out);
    }

    @Test
    void aDetachedHandlerGetsItsArgumentAndOnExitSeesHowItEnded() throws Exception {
        java.util.concurrent.CompletableFuture<String> returned = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<String> threw = new java.util.concurrent.CompletableFuture<>();
        Coroutine.Handler<String> sleepsThenMaybeThrows = arg -> {
            Coroutine.sleep(Duration.ofMillis(1)); // suspends: onExit must wait for the body
            if (arg.startsWith("bad")) {
                throw new IllegalStateException("failed on " + arg);
            }
        };
        Coroutine.launchDetached(loop, sleepsThenMaybeThrows, "good",
                (arg, failure) -> returned.complete(arg + " ended, failure " + failure));
        Coroutine.launchDetached(loop, sleepsThenMaybeThrows, "bad one",
                (arg, failure) -> threw.complete(arg + " ended: " + failure.getMessage()));
        assertEquals("good ended, failure null", returned.get(20, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("bad one ended: failed on bad one", threw.get(20, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void aFailingOnExitIsReportedToTheLoop() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> reported = new java.util.concurrent.CompletableFuture<>();
        loop.setUncaughtExceptionHandler((thread, failure) -> reported.complete(failure));
        Coroutine.launchDetached(loop, (Coroutine.Handler<String>) arg -> { }, "x",
                (arg, failure) -> { throw new IllegalStateException("onExit broke"); });
        Throwable t = reported.get(20, TimeUnit.SECONDS);
        assertTrue(String.valueOf(t.getCause()).contains("onExit broke"), String.valueOf(t));
    }

    @Test
    void aDetachedHandlerRefusedByAStoppingLoopStillGetsItsOnExit() throws Exception {
        Coroutine.launch(loop, () -> Coroutine.sleep(Duration.ofHours(1))); // keeps the loop in its grace period
        loop.shutdown(Duration.ofSeconds(2));
        java.util.concurrent.CompletableFuture<Throwable> exited = new java.util.concurrent.CompletableFuture<>();
        Coroutine.launchDetached(loop, (Coroutine.Handler<String>) arg -> exited.complete(null), "conn",
                (arg, failure) -> exited.complete(failure));
        Throwable t = exited.get(20, TimeUnit.SECONDS);
        assertInstanceOf(io.coronet.loop.EventLoopClosedException.class, t, String.valueOf(t));
    }
}
