package io.coronet.coro;

import io.coronet.loop.EventLoop;
import io.coronet.loop.LoopTenant;
import io.coronet.loop.Timer;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Straight-line code that suspends instead of blocking: a body run on a
 * {@code jdk.internal.vm.Continuation} by one {@link EventLoop}, which resumes it when the I/O,
 * timer or task it waits for is ready.
 *
 * <pre>{@code
 * Task<Void> t = Coroutine.launch(loop, () -> {
 *     Coroutine.sleep(Duration.ofSeconds(1));
 *     System.out.println("Hello Foo");
 * });
 * }</pre>
 *
 * <h2>States</h2>
 * <table>
 *   <caption>transitions (all on the loop thread)</caption>
 *   <tr><th>from</th><th>event</th><th>to</th></tr>
 *   <tr><td>READY</td><td>spawned: queued on its loop</td><td>READY</td></tr>
 *   <tr><td>READY</td><td>the loop's ready phase runs it</td><td>RUNNING</td></tr>
 *   <tr><td>RUNNING</td><td>{@code suspend}: waits for I/O, a timer, a task</td><td>SUSPENDED</td></tr>
 *   <tr><td>RUNNING</td><td>{@link #yieldNow}, or its operation budget ran out</td><td>READY</td></tr>
 *   <tr><td>SUSPENDED</td><td>{@code wake}: readiness, timer, completion, cancel, deadline</td><td>READY</td></tr>
 *   <tr><td>SUSPENDED</td><td>a stale wake-up (for an earlier suspension)</td><td>SUSPENDED</td></tr>
 *   <tr><td>RUNNING</td><td>the body returns or throws; its {@link Task} completes</td><td>DONE</td></tr>
 * </table>
 * A wake-up only acts in SUSPENDED, so two sources firing in one tick (say a timer and a read
 * event) resume the coroutine once; every suspending call re-checks its own condition after
 * waking, so a wake-up is a hint, like readiness.
 *
 * <h2>Rules for code that runs in a coroutine</h2>
 * <ul>
 *   <li>Never block the thread (no {@code Thread.sleep}, no blocking java.io): every coroutine of
 *   the loop would stop. Use {@link #sleep}, {@link Task#await()} and the coronet sockets.</li>
 *   <li><b>No {@code synchronized} across a suspension point.</b> On JDK 24+ a monitor does not
 *   pin the continuation: the coroutine suspends while owning it, and if the loop or another
 *   coroutine then enters the monitor, the loop deadlocks. Use ReentrantLock, or no lock (the
 *   coroutines of one loop never run in parallel). {@code -Dcoronet.debug.monitors=true} makes
 *   such a suspension throw {@link MonitorHeldException}.</li>
 *   <li>Suspending inside a native callback is refused by the JDK: {@link PinnedYieldException}.</li>
 *   <li>ThreadLocals belong to the loop thread, so all coroutines of a loop share them.</li>
 * </ul>
 */
public final class Coroutine extends LoopTenant {
    /** Ready operations a coroutine may perform in a row before it yields to the others. */
    static final int OPERATION_BUDGET = 128;

    private static volatile boolean checkMonitors = Boolean.getBoolean("coronet.debug.monitors");

    private enum State { READY, RUNNING, SUSPENDED, DONE }

    private final EventLoop loop;
    private final String name;
    private final Task<Object> task; // null for a detached coroutine
    /** A {@link Body}, a {@link VoidBody} or a {@link Handler}; run once by {@link Entry}. */
    private final Object body;
    /** A {@link Handler}'s argument and what runs after it ({@link #launchDetached(EventLoop, Handler, Object, BiConsumer)}), or null. */
    private final Object arg;
    private final BiConsumer<Object, Throwable> onExit;
    private final Scope scope; // the scope it was spawned in, or null
    private CoContinuation cont;
    private State state = State.READY;
    /** Incremented at every suspension, so a wake-up meant for an earlier one is ignored. */
    private int suspensions;
    private int budget = OPERATION_BUDGET;
    private boolean cancelled;
    private Throwable cancelCause;
    private int uncancellable;
    /** Runs once just before the next suspension ({@link #beforeNextSuspend}), or null. */
    private Runnable beforeSuspend;
    /** The innermost deadline that governs this coroutine's suspensions, or null. */
    Deadline deadline;

    @SuppressWarnings("unchecked")
    private Coroutine(EventLoop loop, String name, Task<Object> task, Object body, Object arg,
                      BiConsumer<?, Throwable> onExit, Scope scope) {
        this.loop = loop;
        this.name = name;
        this.task = task;
        this.body = body;
        this.arg = arg;
        this.onExit = (BiConsumer<Object, Throwable>) onExit;
        this.scope = scope;
    }

    // ---- starting ----------------------------------------------------------------------------

    /** A coroutine body that returns a value. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws Exception;
    }

    /** A coroutine body that returns nothing. */
    @FunctionalInterface
    public interface VoidBody {
        void run() throws Exception;
    }

    /** A coroutine body that takes one argument: a server's per-connection logic, say. */
    @FunctionalInterface
    public interface Handler<A> {
        void handle(A arg) throws Exception;
    }

    /** Starts {@code body} as a coroutine on {@code loop}; any thread. */
    public static <T> Task<T> spawn(EventLoop loop, Body<T> body) {
        return spawn(loop, null, body);
    }

    /** Starts {@code body} as a named coroutine on {@code loop}; any thread. */
    public static <T> Task<T> spawn(EventLoop loop, String name, Body<T> body) {
        return startAny(loop, name, body, null);
    }

    /** Starts a coroutine that returns nothing; any thread. */
    public static Task<Void> launch(EventLoop loop, VoidBody body) {
        return launch(loop, null, body);
    }

    @SuppressWarnings("unchecked")
    public static Task<Void> launch(EventLoop loop, String name, VoidBody body) {
        // no adapter lambda: it would sit on the coroutine's stack (and heap) for its whole life
        return Coroutine.<Void>startAny(loop, name, body, null);
    }

    /**
     * Starts {@code handler.handle(arg)} as a detached coroutine, then {@code onExit.accept(arg,
     * failure)} in the same coroutine once the handler has returned (failure null) or thrown:
     * what a server runs per connection. The handler's frame sits right on the coroutine's
     * entry, with no wrapper object or frame in between: a suspended coroutine keeps every frame
     * below its suspension point on the heap for as long as it waits. A failure given to
     * {@code onExit} counts as handled. No {@link Task} is made (nobody awaits it); it is still a
     * tenant of its loop, cancelled when a shutdown's grace period ends. If the loop refuses it
     * (shutting down), the handler never runs and {@code onExit} gets the refusal. Returns the
     * coroutine (to cancel it: a server stopping its connections). Any thread.
     */
    public static <A> Coroutine launchDetached(EventLoop loop, Handler<A> handler, A arg, BiConsumer<? super A, Throwable> onExit) {
        return create(loop, null, handler, arg, Objects.requireNonNull(onExit, "onExit"), null, null);
    }

    /** body is a {@link Body} or a {@link VoidBody}. */
    @SuppressWarnings("unchecked")
    static <T> Task<T> startAny(EventLoop loop, String name, Object body, Scope scope) {
        Task<Object> task = new Task<>();
        task.owner = create(loop, name, body, null, null, task, scope);
        return (Task<T>) task;
    }

    private static Coroutine create(EventLoop loop, String name, Object body, Object arg, BiConsumer<?, Throwable> onExit,
                                    Task<Object> task, Scope scope) {
        ContinuationSupport.ensureAvailable();
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(body, "body");
        Coroutine co = new Coroutine(loop, name, task, body, arg, onExit, scope);
        co.cont = new CoContinuation(co);
        if (loop.inLoop()) {
            co.admit();
        } else {
            loop.execute(co::admit);
        }
        return co;
    }

    private void admit() {
        try {
            loop.adopt(this);
        } catch (RuntimeException refused) { // the loop is shutting down
            state = State.DONE;
            if (task != null) {
                task.completeFailure(refused);
            } else {
                exitRefused(refused);
            }
            return;
        }
        loop.resumeSoon(this);
    }

    /** A detached handler that never ran still gets its onExit: whoever launched it cleans up there. */
    private void exitRefused(Throwable refused) {
        try {
            onExit.accept(arg, refused);
        } catch (Throwable t) {
            t.addSuppressed(refused);
            loop.reportUncaught(t);
        }
    }

    /**
     * The continuation's entry, one object for all coroutines: runs the current coroutine's
     * body and completes its task. Written out rather than a lambda calling a method: each
     * frame below the body stays on the coroutine's frozen stack (heap) while it is suspended.
     */
    static final class Entry implements Runnable {
        @Override
        @SuppressWarnings("unchecked")
        public void run() {
            Coroutine co = CoContinuation.current();
            Object body = co.body;
            Object value = null;
            Throwable failure = null;
            try {
                if (body instanceof Handler<?> h) {
                    ((Handler<Object>) h).handle(co.arg);
                } else if (body instanceof VoidBody v) {
                    v.run();
                } else {
                    value = ((Body<?>) body).run();
                }
            } catch (Throwable t) {
                failure = t;
            }
            if (co.onExit != null) {
                try {
                    co.onExit.accept(co.arg, failure);
                    failure = null; // handed over: onExit dealt with it
                } catch (Throwable t) {
                    failure = t;
                }
            }
            if (failure != null) {
                co.finish(failure);
            } else if (co.task != null) {
                co.task.completeValue(value);
            }
        }
    }

    private void finish(Throwable failure) {
        boolean expected = failure instanceof CancelledException && cancelled;
        boolean observed = task != null && task.completeFailure(failure);
        if (!observed && !expected && scope == null) {
            loop.reportUncaught(new IllegalStateException(
                    "coroutine '" + name() + "' failed and nothing was waiting for it", failure));
        }
    }

    /** The loop's ready phase resumes the coroutine here. */
    @Override
    protected void resume() {
        if (state != State.READY) {
            return;
        }
        state = State.RUNNING;
        cont.run();
        if (cont.isDone()) {
            state = State.DONE;
            loop.release(this);
            cont = null; // let the finished stack go
        }
    }

    // ---- inside the coroutine ----------------------------------------------------------------

    /** The coroutine running on this thread, or null outside coroutines. */
    public static Coroutine current() {
        return ContinuationSupport.isAvailable() ? CoContinuation.current() : null;
    }

    /** The current coroutine; throws if {@code what} was called outside one. */
    static Coroutine require(String what) {
        Coroutine co = current();
        if (co == null) {
            throw new IllegalStateException(what + " must be called from a coroutine, not from thread '"
                    + Thread.currentThread().getName() + "': run the code as one with Coroutine.spawn(loop, ...)"
                    + " (or Coroutine.launch), which hands it to the loop from any thread");
        }
        return co;
    }

    /** Lets every other ready coroutine of the loop run, then continues. */
    public static void yieldNow() {
        Coroutine co = require("yieldNow");
        co.checkInterrupts();
        co.state = State.READY;
        co.loop.resumeSoon(co);
        co.park();
    }

    /** Suspends the current coroutine for {@code duration} without blocking its loop. */
    public static void sleep(Duration duration) {
        Coroutine co = require("sleep");
        long deadline = System.nanoTime() + Math.max(0, duration.toNanos());
        co.sleepUntil(deadline);
    }

    private void sleepUntil(long deadline) {
        // The timer is cancelled on the way out, so it can only ever wake this sleep.
        Timer timer = loop.schedule(deadline, waker());
        try {
            while (timer.isPending()) {
                suspend();
            }
        } finally {
            timer.cancel();
        }
    }

    /**
     * Runs {@code body} with a deadline: a suspension inside it that is still waiting when
     * {@code timeout} has passed throws {@link CoroutineTimeoutException}. Nested timeouts keep
     * the earliest deadline. {@link Deadline} is the same as a block, without the lambda.
     */
    public static <T> T withTimeout(Duration timeout, Body<T> body) throws Exception {
        try (Deadline d = Deadline.after(timeout)) {
            return body.run();
        }
    }

    /** Throws if the current coroutine was cancelled or its deadline passed; a cheap check for long computations. */
    public static void checkCancelled() {
        Coroutine co = current();
        if (co != null) {
            co.checkInterrupts();
        }
    }

    /**
     * Suspends until {@link #wake} (or cancellation, or the deadline). Loop thread, inside this
     * coroutine. Callers loop on their own condition: a wake-up is only a hint.
     */
    void suspend() {
        Runnable hook = beforeSuspend;
        if (hook != null) { // e.g. buffered output going out before the coroutine waits
            beforeSuspend = null;
            hook.run();
        }
        checkInterrupts();
        if (checkMonitors) {
            assertNoMonitorHeld();
        }
        state = State.SUSPENDED;
        suspensions++;
        budget = OPERATION_BUDGET;
        try {
            CoContinuation.yieldNow(); // park(), written out: one frame less on every suspended stack
        } catch (RuntimeException refused) { // pinned: the coroutine never left the thread
            state = State.RUNNING;
            throw refused;
        }
        checkInterrupts();
    }

    /**
     * Arms {@code hook} to run once on this coroutine just before it next suspends for a wait
     * (I/O, a timer, a task; not a {@link #yieldNow}): what a buffered writer uses to send its
     * bytes before the coroutine waits for the reply to them. One slot: returns false, and arms
     * nothing, if another hook is armed. The hook must not suspend or throw. Loop thread, inside
     * this coroutine.
     */
    public boolean beforeNextSuspend(Runnable hook) {
        Runnable armed = beforeSuspend;
        if (armed == null) {
            beforeSuspend = Objects.requireNonNull(hook);
            return true;
        }
        return armed == hook;
    }

    /** The suspension that the next {@link #suspend()} will be, for wake-ups armed before it. */
    int nextSuspension() {
        return suspensions + 1;
    }

    private void park() {
        budget = OPERATION_BUDGET;
        try {
            CoContinuation.yieldNow();
        } catch (RuntimeException refused) { // pinned: we never left RUNNING
            state = State.RUNNING;
            throw refused;
        }
    }

    /**
     * Counts one operation that completed without suspending; after {@link #OPERATION_BUDGET} of
     * them in a row the coroutine yields, so a peer that never makes us wait cannot starve the
     * loop's other coroutines.
     */
    void spendBudget() {
        if (--budget <= 0) {
            yieldNow();
        }
    }

    /** Throws if cancelled or past the deadline (unless uncancellable). Inside this coroutine. */
    void checkInterrupts() {
        if (uncancellable > 0) {
            return;
        }
        if (cancelled) {
            throw new CancelledException("coroutine '" + name() + "' was cancelled", cancelCause);
        }
        if (deadline != null && deadline.hasPassed(System.nanoTime())) {
            throw deadline.expired();
        }
    }

    /** Runs {@code body} with cancellation and deadlines held off: for cleanup that must wait. */
    static <T> T uncancellable(Body<T> body) throws Exception {
        Coroutine co = require("uncancellable");
        co.uncancellable++;
        try {
            return body.run();
        } finally {
            co.uncancellable--;
        }
    }

    // ---- waking ------------------------------------------------------------------------------

    /** Makes a suspended coroutine ready. Loop thread only; ignored unless suspended. */
    void wake() {
        if (state == State.SUSPENDED) {
            state = State.READY;
            loop.resumeSoon(this);
        }
    }

    /** A timer action that wakes this coroutine: made per timer, not kept (most coroutines never use one). */
    Runnable waker() {
        return this::wake;
    }

    /** Wakes only if still in suspension number {@code seq}: for wake-ups that may arrive late. */
    void wake(int seq) {
        if (suspensions == seq) {
            wake();
        }
    }

    /** Wakes from any thread (hops to the loop thread if needed). */
    void wakeFromAnyThread(int seq) {
        if (loop.inLoop()) {
            wake(seq);
        } else {
            loop.execute(() -> wake(seq));
        }
    }

    // ---- cancellation ------------------------------------------------------------------------

    /** Cancels this coroutine: its current or next suspension throws {@link CancelledException}. Any thread. */
    public void cancel() {
        cancel(null);
    }

    void cancel(Throwable cause) {
        if (!loop.inLoop()) {
            loop.execute(() -> cancel(cause));
            return;
        }
        if (state == State.DONE || cancelled) {
            return;
        }
        cancelled = true;
        cancelCause = cause;
        if (uncancellable == 0) {
            wake();
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    protected void forceStop() {
        cancel(new CancelledException("event loop '" + loop.name() + "' is shutting down", null));
    }

    // ---- accessors ---------------------------------------------------------------------------

    /** The name given at spawn, or "coroutine-" and an identity hash (made on demand: no String per coroutine). */
    public String name() {
        return name != null ? name : "coroutine-" + Integer.toHexString(System.identityHashCode(this));
    }

    public EventLoop loop() {
        return loop;
    }

    public boolean isDone() {
        return state == State.DONE;
    }

    /** Turns the debug check for monitors held across suspension on or off (all coroutines). */
    public static void setMonitorCheck(boolean on) {
        checkMonitors = on;
    }

    private void assertNoMonitorHeld() {
        ThreadInfo[] infos = ManagementFactory.getThreadMXBean()
                .getThreadInfo(new long[] {Thread.currentThread().threadId()}, true, false);
        if (infos.length == 0 || infos[0] == null) {
            return;
        }
        MonitorInfo[] held = infos[0].getLockedMonitors();
        if (held.length > 0) {
            LockInfo lock = held[0];
            StackTraceElement where = held[0].getLockedStackFrame();
            throw new MonitorHeldException("coroutine '" + name() + "' is about to suspend while holding the monitor of "
                    + lock.getClassName() + "@" + Integer.toHexString(lock.getIdentityHashCode())
                    + (where != null ? " (locked at " + where + ")" : "")
                    + ": on JDK 24+ this can deadlock the event loop; use ReentrantLock instead of synchronized");
        }
    }

    @Override
    public String toString() {
        return "Coroutine[" + name() + ", " + state + (cancelled ? ", cancelled" : "") + "]";
    }
}
