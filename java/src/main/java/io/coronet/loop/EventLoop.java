package io.coronet.loop;

import io.coronet.poll.Poller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One platform thread that owns one {@link Poller}: it runs timers, ready work and I/O
 * callbacks, and nothing else runs on it.
 *
 * <h2>Phases of one tick</h2>
 * <ol>
 *   <li><b>Timers</b>: every timer whose deadline has passed fires (its action normally makes a
 *       coroutine ready).</li>
 *   <li><b>Inbox</b>: work submitted from other threads moves into the run queue.</li>
 *   <li><b>Ready work</b>: at most {@link #RUN_BUDGET} entries of the run queue run, so a storm of
 *       ready coroutines cannot starve I/O or timers; the rest wait for the next tick.</li>
 *   <li><b>Pre-poll</b>: the one-shot actions queued with {@link #beforePoll} run (the net
 *       layer sends the bytes its connections buffered during the tick).</li>
 *   <li><b>Poll</b>: wait for I/O with timeout 0 if work is still queued, else until the next
 *       timer (or forever). I/O handlers run right after the wait; they only record readiness
 *       and queue the waiting coroutine, which runs in phase 3 of the next tick.</li>
 * </ol>
 *
 * <h2>Wake-ups from other threads</h2>
 * {@link #execute} appends to a lock-free inbox and wakes the poller only when the loop is, or
 * is about to be, asleep: before blocking the loop publishes {@code sleeping} and re-checks the
 * inbox; a submitter that sees {@code sleeping} swaps it back and wakes. Many submissions during
 * one sleep cost one wake-up syscall, and none while the loop is busy.
 *
 * <h2>Threading</h2>
 * Every method is loop-thread only ({@link #checkInLoop}) except {@link #execute},
 * {@link #inLoop}, {@link #shutdown}, {@link #awaitTermination}, {@link #close} and the getters.
 *
 * <h2>Shutdown</h2>
 * {@link #shutdown(Duration)} stops new work (tenants can no longer be adopted), runs the
 * shutdown hooks (listeners close themselves), lets tenants finish until the grace deadline,
 * then {@linkplain LoopTenant#forceStop() force-stops} the rest and gives them a bounded time
 * to unwind, closes every fd still registered, closes the poller and ends the thread.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /** Ready entries run per tick before the loop polls again. */
    public static final int RUN_BUDGET = 1024;
    /** After force-stop, how long tenants get to unwind before fds are closed under them. */
    private static final long UNWIND_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    /**
     * Values of {@link #sleeping}: SLEEPING while blocked in poll; otherwise the nanoTime at which
     * the loop last came out of poll (the start of its current tick, which the stall watchdog
     * reads), or AWAKE when a submitter just took the SLEEPING flag. A tick start that happens to
     * equal one of the two flags is nudged past them.
     */
    private static final long AWAKE = 0L, SLEEPING = 1L;

    private enum State { RUNNING, SHUTTING_DOWN, FORCE_STOPPING, TERMINATED }

    private final String name;
    private final Poller poller;
    private final Thread thread;
    private final TimerHeap timers = new TimerHeap();
    /** Runnables and {@link LoopTenant}s to resume (no Runnable per coroutine wake-up). */
    private final ArrayDeque<Object> runQueue = new ArrayDeque<>(1024);
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicLong sleeping = new AtomicLong(AWAKE);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final List<Runnable> shutdownHooks = new ArrayList<>();
    /** One-shot actions for this tick's pre-poll phase ({@link #beforePoll}); swapped with the spare while they run. */
    private ArrayList<Runnable> prePoll = new ArrayList<>();
    private ArrayList<Runnable> prePollSpare = new ArrayList<>();
    /** Per-loop singletons of upper layers (e.g. the net layer's buffer pool), closed at termination. */
    private final java.util.Map<Class<?>, Object> resources = new java.util.HashMap<>();


    private LoopTenant tenants; // intrusive list head
    private int tenantCount;

    private volatile State state = State.RUNNING;
    private volatile long graceDeadline;
    private long unwindDeadline;
    private volatile Thread.UncaughtExceptionHandler uncaughtHandler = EventLoop::logUncaught;

    private EventLoop(String name, Poller poller) {
        this.name = name;
        this.poller = poller;
        this.thread = new LoopThread(this, name);
    }

    /** For {@link StallWatchdog}: SLEEPING, AWAKE, or the nanoTime the current tick started. */
    long tickState() {
        return sleeping.get();
    }

    static boolean isTickStart(long state) {
        return state != SLEEPING && state != AWAKE;
    }

    Thread thread() {
        return thread;
    }

    /** Opens a poller and starts a loop thread named {@code name}. */
    public static EventLoop start(String name) throws IOException {
        EventLoop loop = new EventLoop(Objects.requireNonNull(name), Poller.open());
        loop.thread.start();
        return loop;
    }

    public String name() {
        return name;
    }

    /** The backend of this loop's poller ("epoll", "kqueue" or "poll"). */
    public String backend() {
        return poller.backend();
    }

    /** True when the poller's edge-triggering is the kernel's (no re-arm after EAGAIN). */
    public boolean nativeEdge() {
        return poller.nativeEdge();
    }

    /** The thread every event loop runs on: lets code ask "am I on a loop?" in one type check. */
    private static final class LoopThread extends Thread {
        final EventLoop loop;

        LoopThread(EventLoop loop, String name) {
            super(loop::run, name);
            this.loop = loop;
        }
    }

    /** True on any event loop's thread (where blocking would stall every coroutine of that loop). */
    public static boolean isLoopThread() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /** The loop whose thread this is, or null. */
    public static EventLoop current() {
        return Thread.currentThread() instanceof LoopThread t ? t.loop : null;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Throws unless called on this loop's thread; {@code what} names the operation. */
    public void checkInLoop(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + " must run on event loop thread '" + name
                    + "', not on '" + Thread.currentThread().getName() + "'");
        }
    }

    /**
     * Refuses a caller that is not this loop's thread (a platform thread, or a coroutine of
     * another loop) with a {@link WrongLoopException} naming {@code confined} (the connection,
     * chunk, listener ... it was asked to touch) and how to hand the work over. One field
     * compare on the way through: every loop-confined entry point of the net layer calls it.
     */
    public void checkConfined(Object confined) {
        if (Thread.currentThread() != thread) {
            throw WrongLoopException.of(confined, this);
        }
    }

    /** True once {@link #shutdown} was called. */
    public boolean isShuttingDown() {
        return state != State.RUNNING;
    }

    public boolean isTerminated() {
        return state == State.TERMINATED;
    }

    public void setUncaughtExceptionHandler(Thread.UncaughtExceptionHandler handler) {
        this.uncaughtHandler = Objects.requireNonNull(handler);
    }

    /** Reports a failure that no caller will see (a failed callback, an unjoined coroutine). */
    public void reportUncaught(Throwable failure) {
        try {
            uncaughtHandler.uncaughtException(thread, failure);
        } catch (Throwable ignored) {
            // the handler itself failed: nothing left to tell
        }
    }

    private static void logUncaught(Thread t, Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "uncaught failure on event loop " + t.getName(), e);
    }

    // ---- work ------------------------------------------------------------------------------

    /**
     * Runs {@code task} on the loop thread, soon. Any thread. After shutdown has completed the
     * task is rejected with {@link EventLoopClosedException}.
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task);
        if (state == State.TERMINATED) {
            throw new EventLoopClosedException("event loop '" + name + "' has terminated");
        }
        if (Thread.currentThread() == thread) {
            runQueue.add(task);
            return;
        }
        inbox.add(task);
        if (sleeping.get() == SLEEPING && sleeping.getAndSet(AWAKE) == SLEEPING) {
            wake();
        }
    }

    /** Queues {@code tenant.resume()} for this tick's or the next tick's ready phase. Loop thread only. */
    public void resumeSoon(LoopTenant tenant) {
        assert Thread.currentThread() == thread : "resumeSoon off the loop thread";
        runQueue.add(tenant);
    }

    /** Schedules {@code action} at {@code deadlineNanos} on the {@link System#nanoTime()} clock. Loop thread only. */
    public Timer schedule(long deadlineNanos, Runnable action) {
        checkInLoop("schedule");
        return timers.add(deadlineNanos, Objects.requireNonNull(action));
    }

    public Timer schedule(Duration delay, Runnable action) {
        return schedule(System.nanoTime() + delay.toNanos(), action);
    }

    /**
     * Runs {@code action} once, in this tick's pre-poll phase: after the ready work, before the
     * loop waits for I/O. For work that batches what the tick produced (buffered writes going out
     * in one syscall per connection). An action queued while the phase runs waits for the next
     * tick. Loop thread only.
     */
    public void beforePoll(Runnable action) {
        checkInLoop("beforePoll");
        prePoll.add(Objects.requireNonNull(action));
    }

    public int pendingTimers() {
        return timers.size();
    }

    /**
     * This loop's instance of {@code type}, made by {@code factory} on first use: lets upper
     * layers keep loop-confined state (a buffer pool) without a ThreadLocal. Closed, if
     * AutoCloseable, when the loop terminates. Loop thread only.
     */
    public <T> T resource(Class<T> type, java.util.function.Supplier<? extends T> factory) {
        checkInLoop("resource");
        Object r = resources.get(type);
        if (r == null) {
            r = Objects.requireNonNull(factory.get());
            resources.put(type, r);
        }
        return type.cast(r);
    }

    // ---- tenants ---------------------------------------------------------------------------

    /** Links a tenant into this loop; refused once shutdown began. Loop thread only. */
    public void adopt(LoopTenant tenant) {
        checkInLoop("adopt");
        if (state != State.RUNNING) {
            throw new EventLoopClosedException("event loop '" + name + "' is shutting down");
        }
        if (tenant.adopted) {
            return;
        }
        tenant.adopted = true;
        tenant.nextTenant = tenants;
        if (tenants != null) {
            tenants.prevTenant = tenant;
        }
        tenants = tenant;
        tenantCount++;
    }

    /** Unlinks a finished tenant. Loop thread only. */
    public void release(LoopTenant tenant) {
        if (!tenant.adopted) {
            return;
        }
        tenant.adopted = false;
        if (tenant.prevTenant != null) {
            tenant.prevTenant.nextTenant = tenant.nextTenant;
        } else {
            tenants = tenant.nextTenant;
        }
        if (tenant.nextTenant != null) {
            tenant.nextTenant.prevTenant = tenant.prevTenant;
        }
        tenant.prevTenant = tenant.nextTenant = null;
        tenantCount--;
    }

    public int tenantCount() {
        return tenantCount;
    }

    // ---- I/O registrations -------------------------------------------------------------------

    /** Registers {@code fd} once with the poller; returns its key. Loop thread only. */
    public int register(int fd, int interest, IoHandler handler) throws IOException {
        checkInLoop("register");
        if (state == State.TERMINATED) {
            throw new EventLoopClosedException("event loop '" + name + "' has terminated");
        }
        return poller.register(fd, interest, Objects.requireNonNull(handler));
    }

    public void modify(int key, int interest) throws IOException {
        checkInLoop("modify");
        poller.modify(key, interest);
    }

    /** Re-arms an emulated edge after the owner drained the fd; free when {@link #nativeEdge()}. */
    public void rearm(int key) throws IOException {
        poller.rearm(key);
    }

    /** Removes the registration; call before closing its fd. Loop thread only. */
    public void deregister(int key) throws IOException {
        checkInLoop("deregister");
        poller.deregister(key);
    }

    // ---- shutdown ----------------------------------------------------------------------------

    /** Adds a hook run on the loop thread when shutdown begins (e.g. a listener closing). */
    public void onShutdown(Runnable hook) {
        checkInLoop("onShutdown");
        shutdownHooks.add(hook);
    }

    /**
     * Begins a graceful shutdown: tenants get {@code grace} to finish, then are force-stopped.
     * Any thread; idempotent (a second call can only shorten the grace period).
     */
    public void shutdown(Duration grace) {
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        if (state == State.TERMINATED) {
            return;
        }
        execute0(() -> beginShutdown(deadline));
    }

    private void execute0(Runnable r) {
        try {
            execute(r);
        } catch (EventLoopClosedException alreadyDone) {
            // terminated concurrently: nothing left to shut down
        }
    }

    private void beginShutdown(long deadline) {
        if (state == State.RUNNING) {
            graceDeadline = deadline;
            state = State.SHUTTING_DOWN;
            for (Runnable hook : shutdownHooks) {
                runGuarded(hook);
            }
            shutdownHooks.clear();
        } else if (deadline - graceDeadline < 0) {
            graceDeadline = deadline;
        }
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Shuts down with a one-second grace and waits for the thread to end. */
    @Override
    public void close() {
        shutdown(Duration.ofSeconds(1));
        if (Thread.currentThread() == thread) {
            return; // cannot wait for ourselves; the loop ends after this tick
        }
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the loop ------------------------------------------------------------------------------

    private void run() {
        StallWatchdog.watch(this);
        try {
            long now = System.nanoTime();
            sleeping.lazySet(tickStart(now));
            while (true) {
                runExpiredTimers(now);
                drainInbox();
                runReady();
                if (!prePoll.isEmpty()) {
                    runPrePoll();
                }
                if (state != State.RUNNING && shutdownStep(now)) {
                    break;
                }
                now = pollAndDispatch(now);
            }
        } catch (Throwable fatal) {
            // Only a bug in the loop itself lands here (handlers and tasks are guarded).
            reportUncaught(fatal);
        } finally {
            StallWatchdog.unwatch(this);
            closeEverything();
            state = State.TERMINATED;
            terminated.countDown();
            // tasks that raced with termination still run, so nothing submitted is silently lost
            drainInbox();
            while (!runQueue.isEmpty()) {
                runGuarded(runQueue.poll());
            }
        }
    }

    private void runExpiredTimers(long now) {
        Timer t;
        while ((t = timers.pollExpired(now)) != null) {
            runGuarded(t.action);
        }
    }

    private void drainInbox() {
        Runnable r;
        while ((r = inbox.poll()) != null) {
            runQueue.add(r);
        }
    }

    private void runReady() {
        for (int i = 0; i < RUN_BUDGET; i++) {
            Object r = runQueue.poll();
            if (r == null) {
                return;
            }
            runGuarded(r);
        }
    }

    private void runPrePoll() {
        ArrayList<Runnable> now = prePoll;
        prePoll = prePollSpare;
        for (int i = 0, n = now.size(); i < n; i++) {
            runGuarded(now.get(i));
        }
        now.clear();
        prePollSpare = now;
    }

    private void runGuarded(Object r) {
        try {
            if (r instanceof LoopTenant tenant) {
                tenant.resume();
            } else {
                ((Runnable) r).run();
            }
        } catch (Throwable e) {
            reportUncaught(e);
        }
    }

    /**
     * Polls and runs the I/O handlers; returns the time the poll returned, which starts the next
     * tick: published in {@code sleeping} for the stall watchdog (the store that clears the
     * SLEEPING flag anyway, so stall detection adds no store to the tick) and used as the next
     * tick's "now" (so it adds no clock read either; timers can only fire later by the handlers'
     * run time, never early).
     */
    private long pollAndDispatch(long now) throws IOException {
        long timeoutMillis = pollTimeoutMillis(now);
        if (timeoutMillis != 0) {
            sleeping.set(SLEEPING);
            if (!inbox.isEmpty()) { // a submitter may have missed the flag: do not sleep on its work
                timeoutMillis = 0;
            }
        }
        int n = poller.poll(timeoutMillis);
        long woke = System.nanoTime();
        sleeping.lazySet(tickStart(woke));
        for (int i = 0; i < n; i++) {
            IoHandler h = (IoHandler) poller.attachment(i);
            if (h == null) {
                continue; // deregistered by an earlier handler of this same batch
            }
            try {
                h.onReady(poller.events(i));
            } catch (Throwable e) {
                reportUncaught(e);
            }
        }
        return woke;
    }

    private static long tickStart(long nanos) {
        return nanos == SLEEPING || nanos == AWAKE ? 2 : nanos;
    }

    private long pollTimeoutMillis(long now) {
        if (!runQueue.isEmpty()) {
            return 0;
        }
        long deadline = Long.MAX_VALUE;
        Timer next = timers.peek();
        if (next != null) {
            deadline = next.deadlineNanos;
        }
        if (state == State.SHUTTING_DOWN) {
            deadline = Math.min(deadline, graceDeadline);
        } else if (state == State.FORCE_STOPPING) {
            deadline = Math.min(deadline, unwindDeadline);
        }
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        long nanos = deadline - now;
        if (nanos <= 0) {
            return 0;
        }
        // round up so we never wake before the deadline and spin on a sub-millisecond remainder
        return Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    /** One shutdown step per tick; true when the loop may end. */
    private boolean shutdownStep(long now) {
        if (tenantCount == 0 && runQueue.isEmpty()) {
            return true;
        }
        if (state == State.SHUTTING_DOWN && now - graceDeadline >= 0) {
            state = State.FORCE_STOPPING;
            unwindDeadline = now + UNWIND_NANOS;
            for (LoopTenant t = tenants; t != null; ) {
                LoopTenant next = t.nextTenant; // forceStop may release t
                try {
                    t.forceStop();
                } catch (Throwable e) {
                    reportUncaught(e);
                }
                t = next;
            }
            return false;
        }
        if (state == State.FORCE_STOPPING && now - unwindDeadline >= 0) {
            LOG.log(System.Logger.Level.WARNING, "event loop " + name + ": " + tenantCount
                    + " tenant(s) did not stop within the unwind period; closing their fds");
            return true;
        }
        return false;
    }

    private void closeEverything() {
        // The poller's attachments are the handlers: every fd still registered gets closed.
        for (int key = 0, limit = poller.keyLimit(); key < limit; key++) {
            IoHandler h = (IoHandler) poller.attachmentOf(key);
            if (h != null) {
                try {
                    h.onLoopClose();
                } catch (Throwable e) {
                    reportUncaught(e);
                }
            }
        }
        timers.clear();
        for (Object r : resources.values()) {
            if (r instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Throwable e) {
                    reportUncaught(e);
                }
            }
        }
        resources.clear();
        try {
            poller.close();
        } catch (Throwable e) {
            reportUncaught(e);
        }
    }

    private void wake() {
        try {
            poller.wake();
        } catch (IOException e) {
            throw new UncheckedIOException("wake event loop " + name, e);
        } catch (IllegalStateException closed) {
            // the poller closed while we were waking it: the loop is ending, nothing to wake
        }
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + ", " + state + "]";
    }
}
