package io.coronet.coro;

import io.coronet.loop.EventLoop;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded, elastic pool of daemon threads for blocking work that coroutines hand off
 * ({@link #call}); {@link Offload#call} uses the process's shared one.
 *
 * <pre>{@code
 * try (OffloadPool pool = OffloadPool.builder().maxThreads(4).queueCapacity(16).build()) {
 *     byte[] data = pool.call(() -> Files.readAllBytes(path));   // in a coroutine: suspends
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Bounded</b>: at most {@code maxThreads} run bodies, at most {@code queueCapacity}
 *   wait; a call beyond both fails at once with {@link OffloadRejectedException} (nothing grows
 *   without limit: the caller sheds load or retries later).</li>
 *   <li><b>Elastic</b>: a body goes to an idle thread if one is waiting, else a new thread
 *   starts (up to {@code maxThreads}), else it queues; threads retire after {@code keepAlive}
 *   idle, so a process that offloads one body at a time holds one thread, an idle one none.</li>
 *   <li><b>Cancellable</b>: the calling coroutine's deadline and cancellation apply to the wait.
 *   When either fires the coroutine resumes at once (with {@link CancelledException} or
 *   {@link CoroutineTimeoutException}), a queued body is dropped and a running one is
 *   interrupted. A body that ignores the interrupt and is still running {@code stuckReportAfter}
 *   later is logged once (WARNING, with the worker thread's stack at that moment) and counted in
 *   {@link #stuckBodies()}: it is reported, not silently leaked. Its eventual result is dropped.</li>
 * </ul>
 *
 * <p>Built on the JDK's ThreadPoolExecutor (no core threads, up to max threads, each retiring
 * when idle) over a {@link HandOffQueue} that hands a body to a waiting idle thread first and
 * makes the executor start a thread before it queues anything, plus one daemon timer thread for
 * the stuck-body reports.
 */
public final class OffloadPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OffloadPool.class.getName());
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String name;
    private final int maxThreads;
    private final int queueCapacity;
    private final long stuckReportNanos;
    private final ThreadPoolExecutor executor;
    private final HandOffQueue queue;
    private final ScheduledThreadPoolExecutor reporter;
    private final AtomicLong stuck = new AtomicLong();
    /** Bodies running now: shutdown interrupts them and reports the ones that do not stop. */
    private final Set<Job<?>> running = ConcurrentHashMap.newKeySet();

    private OffloadPool(Builder b) {
        this.name = b.name != null ? b.name : "coronet-offload-" + POOLS.incrementAndGet();
        this.maxThreads = b.maxThreads;
        this.queueCapacity = b.queueCapacity;
        this.stuckReportNanos = b.stuckReportAfter.toNanos();
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory workers = r -> {
            Thread t = new Worker(r, name + "-" + threads.incrementAndGet());
            t.setDaemon(true); // a body that never returns must not keep the process alive
            return t;
        };
        this.queue = new HandOffQueue(queueCapacity);
        this.executor = new ThreadPoolExecutor(0, maxThreads, b.keepAlive.toNanos(), TimeUnit.NANOSECONDS,
                queue, workers, (r, ex) -> {
                    // at max threads (or a thread start lost a race): queue if there is room
                    if (ex.isShutdown() || !queue.enqueue(r)) {
                        throw new RejectedExecutionException("offload pool full");
                    }
                });
        queue.executor = this.executor;
        this.reporter = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name + "-watch");
            t.setDaemon(true);
            return t;
        });
        this.reporter.setRemoveOnCancelPolicy(true);
        this.reporter.setExecuteExistingDelayedTasksAfterShutdownPolicy(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Sizes of a pool. Defaults: the {@code coronet.offload.*} system properties, see {@link Offload}. */
    public static final class Builder {
        private String name;
        private int maxThreads = Math.max(1, Integer.getInteger("coronet.offload.maxThreads",
                Math.max(16, 4 * Runtime.getRuntime().availableProcessors())));
        private int queueCapacity = Math.max(1, Integer.getInteger("coronet.offload.queueCapacity", 1024));
        private Duration keepAlive = Duration.ofMillis(Long.getLong("coronet.offload.keepAliveMillis", 30_000));
        private Duration stuckReportAfter = Duration.ofMillis(Long.getLong("coronet.offload.stuckReportMillis", 1_000));

        private Builder() {
        }

        /** Prefix of the worker threads' names. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /** Most bodies running at once (threads); >= 1. */
        public Builder maxThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxThreads must be >= 1, got " + n);
            }
            this.maxThreads = n;
            return this;
        }

        /** Most bodies waiting for a thread; >= 1. */
        public Builder queueCapacity(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("queueCapacity must be >= 1, got " + n);
            }
            this.queueCapacity = n;
            return this;
        }

        /** How long an idle worker lives before it retires; > 0. */
        public Builder keepAlive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("keepAlive must be > 0, got " + d);
            }
            this.keepAlive = d;
            return this;
        }

        /** How long after its interrupt a body still running is reported as stuck. */
        public Builder stuckReportAfter(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("stuckReportAfter must be >= 0, got " + d);
            }
            this.stuckReportAfter = d;
            return this;
        }

        public OffloadPool build() {
            return new OffloadPool(this);
        }
    }

    /**
     * Runs the blocking {@code body} on this pool and returns its value or rethrows its
     * exception. In a coroutine the coroutine suspends meanwhile (its loop runs others) and
     * resumes on its own loop; on a platform thread the body just runs on the caller's thread.
     * On an event loop thread outside a coroutine it throws IllegalStateException (it would
     * block the loop).
     *
     * @throws OffloadRejectedException every thread is busy and the queue is full
     * @throws CancelledException the coroutine was cancelled while waiting (the body was interrupted)
     * @throws CoroutineTimeoutException the coroutine's deadline passed while waiting
     */
    public <T> T call(Coroutine.Body<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        Coroutine co = Coroutine.current();
        if (co == null) {
            if (EventLoop.isLoopThread()) {
                throw new IllegalStateException("Offload.call on event loop thread '" + Thread.currentThread().getName()
                        + "' outside a coroutine would block that loop; call it from a coroutine (Coroutine.spawn)");
            }
            return body.run(); // a platform thread may block: no hand-off needed
        }
        Coroutine.checkCancelled(); // already cancelled or expired: do not start the body
        Job<T> job = new Job<>(body, co, running, queue);
        try {
            executor.execute(job);
        } catch (RejectedExecutionException e) {
            if (executor.isShutdown()) {
                throw new OffloadRejectedException("offload pool '" + name + "' is shut down", e);
            }
            throw new OffloadRejectedException("offload pool '" + name + "' is full: " + maxThreads
                    + " bodies running and " + queueCapacity + " queued; shed load or raise"
                    + " coronet.offload.maxThreads / coronet.offload.queueCapacity", e);
        }
        boolean finished = false;
        try {
            T value = job.result.await(); // the body's value or its own exception: it finished
            finished = true;
            return value;
        } catch (Throwable t) {
            finished = job.result.isDone();
            throw t;
        } finally {
            if (!finished) { // cancelled or timed out while waiting: stop the body
                abandon(job);
            }
        }
    }

    private void abandon(Job<?> job) {
        int before = job.cancel();
        if (before == Job.QUEUED) {
            executor.remove(job); // never ran, never will
        } else if (before == Job.RUNNING) {
            try {
                reporter.schedule(() -> reportIfStuck(job), stuckReportNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shutDown) {
                // shut down: shutdown() already interrupted every running body and scheduled its report
            }
        }
    }

    private void reportIfStuck(Job<?> job) {
        Thread worker = job.runner;
        if (job.state.get() != Job.ABANDONED_RUNNING || worker == null) {
            return; // it honoured the interrupt (or finished) in time
        }
        if (!job.reported.compareAndSet(false, true)) {
            return;
        }
        stuck.incrementAndGet();
        StringBuilder sb = new StringBuilder("offloaded body of coroutine '").append(job.caller.name())
                .append("' ignored its interrupt and is still running on thread '").append(worker.getName())
                .append("' ").append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - job.abandonedAt))
                .append(" ms after it was cancelled; its thread is held until it returns. Stack:");
        for (StackTraceElement e : worker.getStackTrace()) {
            sb.append("\n\tat ").append(e);
        }
        LOG.log(System.Logger.Level.WARNING, sb.toString());
    }

    /** Bodies reported as still running after their interrupt (each counted once). */
    public long stuckBodies() {
        return stuck.get();
    }

    /** Threads alive now (running or idle). */
    public int threads() {
        return executor.getPoolSize();
    }

    /** Bodies waiting for a thread now. */
    public int queued() {
        return executor.getQueue().size();
    }

    public int maxThreads() {
        return maxThreads;
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    public String name() {
        return name;
    }

    public boolean isShutdown() {
        return executor.isShutdown();
    }

    /**
     * Stops the pool: later calls are rejected, queued bodies are dropped (their callers fail
     * with {@link OffloadRejectedException}), running bodies are interrupted, and one that is
     * still running {@code stuckReportAfter} later is reported as stuck (with its stack). Waits
     * up to {@code grace} for the workers to end and returns whether they all did. Any thread.
     */
    public boolean shutdown(Duration grace) {
        for (Runnable r : executor.shutdownNow()) { // interrupts every worker
            if (r instanceof Job<?> j && j.cancel() == Job.QUEUED) {
                j.result.fail(new OffloadRejectedException("offload pool '" + name + "' shut down before the body ran", null));
            }
        }
        for (Job<?> j : running) {
            abandon(j);
        }
        reporter.shutdown(); // the stuck-body reports already scheduled still run, then its thread ends
        try {
            return executor.awaitTermination(Math.max(0, grace.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return executor.isTerminated();
        }
    }

    /** {@link #shutdown} with a one-second grace. */
    @Override
    public void close() {
        shutdown(Duration.ofSeconds(1));
    }

    @Override
    public String toString() {
        return "OffloadPool[" + name + ", threads " + threads() + "/" + maxThreads + ", queued " + queued()
                + "/" + queueCapacity + (isShutdown() ? ", shut down" : "") + "]";
    }

    /**
     * One hand-off. States: QUEUED -> RUNNING -> DONE; QUEUED -> ABANDONED (never runs);
     * RUNNING -> ABANDONED_RUNNING (interrupted; its result is dropped) -> DONE.
     */
    private static final class Job<T> implements Runnable {
        static final int QUEUED = 0, RUNNING = 1, DONE = 2, ABANDONED = 3, ABANDONED_RUNNING = 4;

        final Coroutine.Body<T> body;
        final Coroutine caller;
        final Task<T> result = new Task<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);
        final AtomicBoolean reported = new AtomicBoolean();
        volatile Thread runner;
        volatile long abandonedAt;
        /** Held while the canceller interrupts, so the interrupt cannot leak into the worker's next job. */
        private final ReentrantLock interruptLock = new ReentrantLock();

        private final Set<Job<?>> running;
        private final HandOffQueue queue;

        Job(Coroutine.Body<T> body, Coroutine caller, Set<Job<?>> running, HandOffQueue queue) {
            this.body = body;
            this.running = running;
            this.queue = queue;
            this.caller = caller;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(QUEUED, RUNNING)) {
                return; // abandoned while queued
            }
            runner = Thread.currentThread();
            running.add(this);
            T value = null;
            Throwable failure = null;
            try {
                value = body.run();
            } catch (Throwable t) {
                failure = t;
            }
            // this thread is about to look for its next body: a call that the completion below
            // makes (the caller's next one, say) waits for it rather than starting another thread
            queue.returning(Thread.currentThread());
            try {
                if (failure == null) {
                    result.complete(value);
                } else {
                    result.fail(failure);
                }
            } finally {
                running.remove(this);
                interruptLock.lock();
                try {
                    state.set(DONE);
                    runner = null;
                } finally {
                    interruptLock.unlock();
                }
                Thread.interrupted(); // an interrupt meant for this body must not hit the next one
            }
        }

        /** Abandons the job; returns the state it was in (QUEUED, RUNNING or DONE). */
        int cancel() {
            abandonedAt = System.nanoTime();
            if (state.compareAndSet(QUEUED, ABANDONED)) {
                return QUEUED;
            }
            interruptLock.lock();
            try {
                if (state.compareAndSet(RUNNING, ABANDONED_RUNNING)) {
                    Thread t = runner;
                    if (t != null) {
                        t.interrupt();
                    }
                    return RUNNING;
                }
            } finally {
                interruptLock.unlock();
            }
            return DONE;
        }
    }

    /**
     * The executor's queue, shaped so the executor is elastic. ThreadPoolExecutor queues before it
     * starts threads beyond its core size; this queue refuses a body (so the executor starts a
     * thread) unless an idle thread is waiting for one (then it is handed straight over) or the
     * pool is at its maximum (then it is queued, up to the capacity; the rejection handler
     * retries here when a thread start lost a race).
     */
    /** A pool thread: knows whether it is on its way back to the queue. */
    private static final class Worker extends Thread {
        boolean returning; // this thread only

        Worker(Runnable r, String name) {
            super(r, name);
        }
    }

    static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
        private final int capacity;
        private final AtomicInteger queued = new AtomicInteger();
        ThreadPoolExecutor executor;

        HandOffQueue(int capacity) {
            this.capacity = capacity;
        }

        /** Worker threads that finished a body and are on their way back to poll. */
        private final AtomicInteger returning = new AtomicInteger();

        void returning(Thread t) {
            if (t instanceof Worker w && !w.returning) {
                w.returning = true;
                returning.incrementAndGet();
            }
        }

        private void arrived() {
            if (Thread.currentThread() instanceof Worker w && w.returning) {
                w.returning = false;
                returning.decrementAndGet();
            }
        }

        @Override
        public boolean offer(Runnable r) {
            queued.incrementAndGet(); // the taker's poll counts it out, however it got there
            if (tryTransfer(r)) {
                return true; // an idle thread took it
            }
            queued.decrementAndGet();
            if (returning.get() > 0 && enqueue(r)) {
                return true; // a thread is about to be idle: it takes this one
            }
            if (executor.getPoolSize() < executor.getMaximumPoolSize()) {
                return false; // start a thread for it
            }
            return enqueue(r);
        }

        /** Queues if below capacity. */
        boolean enqueue(Runnable r) {
            while (true) {
                int n = queued.get();
                if (n >= capacity) {
                    return false;
                }
                if (queued.compareAndSet(n, n + 1)) {
                    super.offer(r);
                    return true;
                }
            }
        }

        @Override
        public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            arrived();
            return counted(super.poll(timeout, unit));
        }

        @Override
        public Runnable take() throws InterruptedException {
            arrived();
            return counted(super.take());
        }

        @Override
        public Runnable poll() {
            return counted(super.poll());
        }

        @Override
        public boolean remove(Object o) {
            boolean removed = super.remove(o);
            if (removed) {
                queued.decrementAndGet();
            }
            return removed;
        }

        @Override
        public int drainTo(java.util.Collection<? super Runnable> c) {
            return drainTo(c, Integer.MAX_VALUE);
        }

        @Override
        public int drainTo(java.util.Collection<? super Runnable> c, int max) {
            int n = 0;
            Runnable r;
            while (n < max && (r = poll()) != null) { // through poll(): counted once
                c.add(r);
                n++;
            }
            return n;
        }

        @Override
        public int size() {
            return Math.max(0, queued.get());
        }

        @Override
        public int remainingCapacity() {
            return capacity - size();
        }

        private Runnable counted(Runnable r) {
            if (r != null) {
                queued.decrementAndGet();
            }
            return r;
        }
    }
}
