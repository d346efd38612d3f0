package io.coronet.coro;

import io.coronet.loop.EventLoop;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocking work from a coroutine without blocking its loop: {@link #call} runs the body on the
 * process's shared {@link OffloadPool} and suspends the coroutine until it finishes.
 *
 * <pre>{@code
 * Coroutine.launch(loop, () -> {
 *     String text = Offload.call(() -> Files.readString(path));   // the loop serves others meanwhile
 *     conn.write(text);
 * });
 * }</pre>
 *
 * <h2>The shared pool</h2>
 * One pool per process, reference-counted by the event loops whose coroutines used it: the
 * first call on a loop takes a reference (a resource of that loop), the loop's termination
 * drops it, and when the last loop that used it has terminated the pool shuts down (idle
 * threads end, a body still running is interrupted and, if it ignores that, reported). A later
 * call makes a fresh pool. One pool rather than one per {@link io.coronet.loop.EventLoopGroup}:
 * the bound is there to protect the process (threads, memory, the resource the bodies block
 * on), a bound per group would multiply with the groups, and a loop started on its own needs it
 * just the same. Shutting a group down therefore ends the pool within its grace period when the
 * group's loops were its only users: when the grace period runs out the loops cancel their
 * coroutines, which interrupts their bodies, and the loops' termination releases the pool.
 *
 * <p>Sizes come from system properties read when the pool is made:
 * {@code coronet.offload.maxThreads} (default max(16, 4 x cores)), {@code coronet.offload.queueCapacity}
 * (1024), {@code coronet.offload.keepAliveMillis} (30000: an idle thread retires after that),
 * {@code coronet.offload.stuckReportMillis} (1000: a body still running that long after its
 * interrupt is logged with its stack). A pool of one's own: {@link OffloadPool#builder()}.
 */
public final class Offload {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static OffloadPool shared;
    private static int users;

    private Offload() {
    }

    /**
     * Runs the blocking {@code body} on the shared pool, suspending the calling coroutine until
     * it returns its value or throws (rethrown here as it was thrown); resumes on the
     * coroutine's own loop. The coroutine's deadline and cancellation apply: it resumes at once
     * with {@link CoroutineTimeoutException} or {@link CancelledException} and the body is
     * interrupted (see {@link OffloadPool}). From a platform thread the body just runs on the
     * caller's thread. On a loop thread outside a coroutine it throws IllegalStateException.
     *
     * @throws OffloadRejectedException every thread is busy and the queue is full
     */
    public static <T> T call(Coroutine.Body<T> body) throws Exception {
        Coroutine co = Coroutine.current();
        if (co == null) {
            if (EventLoop.isLoopThread()) {
                throw new IllegalStateException("Offload.call on event loop thread '" + Thread.currentThread().getName()
                        + "' outside a coroutine would block that loop; call it from a coroutine (Coroutine.spawn)");
            }
            return body.run();
        }
        return co.loop().resource(Lease.class, Offload::lease).pool.call(body);
    }

    /** The shared pool if one is alive now, else null (for monitoring and tests). */
    public static OffloadPool sharedPool() {
        LOCK.lock();
        try {
            return shared;
        } finally {
            LOCK.unlock();
        }
    }

    /** One loop's reference to the shared pool, closed when the loop terminates. */
    private static final class Lease implements AutoCloseable {
        final OffloadPool pool;

        Lease(OffloadPool pool) {
            this.pool = pool;
        }

        @Override
        public void close() {
            release(pool);
        }
    }

    private static Lease lease() {
        LOCK.lock();
        try {
            if (shared == null) {
                shared = OffloadPool.builder().name("coronet-offload").build();
            }
            users++;
            return new Lease(shared);
        } finally {
            LOCK.unlock();
        }
    }

    private static void release(OffloadPool pool) {
        LOCK.lock();
        try {
            if (pool != shared || --users > 0) {
                return;
            }
            shared = null;
        } finally {
            LOCK.unlock();
        }
        pool.shutdown(Duration.ZERO); // the loop thread does not wait: workers end on their own
    }
}
