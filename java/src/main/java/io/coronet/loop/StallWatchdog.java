package io.coronet.loop;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loop stall detection: one daemon thread for every event loop of the process watches for a
 * tick that runs longer than a threshold (code blocking the loop thread: a {@code Thread.sleep},
 * blocking I/O, a long computation), and says so twice:
 * <ul>
 *   <li>once while it lasts, WARNING on the System.Logger {@code io.coronet.loop.StallWatchdog}:
 *   the loop's name, how long so far, and the loop thread's stack at that moment (the code
 *   that blocks it);</li>
 *   <li>once when the loop gets going again, INFO: how long the stall lasted (to within the
 *   watchdog's scan period, a quarter of the threshold); plus a JFR event
 *   {@code io.coronet.LoopStall} (loop, duration, the top of the stack).</li>
 * </ul>
 *
 * <p>Configuration: {@code -Dcoronet.stall.threshold=100ms} (the default; {@code 250ms},
 * {@code 1s}, a bare number means milliseconds), {@code 0} switches it off; or
 * {@link #setThreshold(Duration)} at run time.
 *
 * <p>Cost on the loop: none added per tick. The loop already stores a word after every poll
 * (clearing its "sleeping" flag for cross-thread wake-ups); that store now carries the
 * nanoTime the poll returned, i.e. the start of the tick, and doubles as the tick's clock
 * reading. The watchdog reads it; a loop blocked in poll shows SLEEPING and is never a stall.
 */
public final class StallWatchdog {
    private static final System.Logger LOG = System.getLogger(StallWatchdog.class.getName());
    private static final Map<EventLoop, Watch> LOOPS = new ConcurrentHashMap<>();
    private static volatile long thresholdNanos = parseThreshold(System.getProperty("coronet.stall.threshold", "100ms"));
    private static final java.util.concurrent.atomic.AtomicReference<Thread> THREAD = new java.util.concurrent.atomic.AtomicReference<>();

    private StallWatchdog() {
    }

    /** What the watchdog knows about one loop; touched by the watchdog thread only. */
    private static final class Watch {
        long stalledTick;       // the tick start reported as stalled, or 0
        long detectedAt;
        String stackTop;
    }

    /** The threshold now in force; zero when stall detection is off. */
    public static Duration threshold() {
        return Duration.ofNanos(thresholdNanos);
    }

    /** Sets the threshold for every loop; zero (or negative) switches detection off. */
    public static void setThreshold(Duration threshold) {
        thresholdNanos = Math.max(0, threshold.toNanos());
        Thread t = THREAD.get();
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    static long parseThreshold(String text) {
        Matcher m = Pattern.compile("\\s*(\\d+)\\s*(ms|s|)\\s*").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("coronet.stall.threshold must look like 100ms, 1s or 0 (off), got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2).equals("s") ? TimeUnit.SECONDS.toNanos(n) : TimeUnit.MILLISECONDS.toNanos(n);
    }

    static void watch(EventLoop loop) {
        LOOPS.put(loop, new Watch());
        Thread t = THREAD.get();
        if (t == null) {
            t = new Thread(StallWatchdog::run, "coronet-stall-watchdog");
            t.setDaemon(true);
            if (THREAD.compareAndSet(null, t)) { // one thread per process, whichever loop starts first
                t.start();
            }
        } else {
            LockSupport.unpark(t);
        }
    }

    static void unwatch(EventLoop loop) {
        LOOPS.remove(loop);
    }

    private static void run() {
        while (true) {
            long threshold = thresholdNanos;
            if (threshold <= 0 || LOOPS.isEmpty()) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            for (Map.Entry<EventLoop, Watch> e : LOOPS.entrySet()) {
                try {
                    check(e.getKey(), e.getValue(), threshold);
                } catch (Throwable bug) {
                    LOG.log(System.Logger.Level.ERROR, "stall watchdog failed on loop " + e.getKey().name(), bug);
                }
            }
            LockSupport.parkNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(5), threshold / 4));
        }
    }

    private static void check(EventLoop loop, Watch w, long threshold) {
        long state = loop.tickState();
        long now = System.nanoTime();
        boolean inTick = EventLoop.isTickStart(state);
        if (w.stalledTick != 0 && (!inTick || state != w.stalledTick)) {
            // the stalled tick ended: it reached poll (SLEEPING) or a later tick started (no later than that)
            long end = inTick && state - now < 0 ? Math.min(now, state) : now;
            recovered(loop, w, end);
            w.stalledTick = 0;
        }
        if (!inTick || w.stalledTick != 0) {
            return;
        }
        long running = now - state;
        if (running < threshold) {
            return;
        }
        StackTraceElement[] stack = loop.thread().getStackTrace();
        if (loop.tickState() != state) {
            return; // the tick ended while we looked: that stack is not the stall's
        }
        w.stalledTick = state;
        w.detectedAt = now;
        w.stackTop = top(stack, 5);
        StringBuilder sb = new StringBuilder("event loop '").append(loop.name()).append("' is stalled: one tick has run for ")
                .append(TimeUnit.NANOSECONDS.toMillis(running)).append(" ms (threshold ")
                .append(TimeUnit.NANOSECONDS.toMillis(threshold)).append(" ms); every coroutine of the loop waits."
                        + " Blocking code on the loop thread? Hand it to io.coronet.coro.Offload.call. Loop thread stack:");
        for (StackTraceElement f : stack) {
            sb.append("\n\tat ").append(f);
        }
        LOG.log(System.Logger.Level.WARNING, sb.toString());
    }

    private static void recovered(EventLoop loop, Watch w, long end) {
        long stalledNanos = end - w.stalledTick;
        LOG.log(System.Logger.Level.INFO, "event loop '" + loop.name() + "' recovered after a stall of "
                + TimeUnit.NANOSECONDS.toMillis(stalledNanos) + " ms (at " + w.stackTop.lines().findFirst().orElse("?") + ")");
        LoopStallEvents.commit(loop.name(), stalledNanos, w.stackTop);
    }

    private static String top(StackTraceElement[] stack, int frames) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(frames, stack.length); i++) {
            sb.append(i == 0 ? "" : "\n").append(stack[i]);
        }
        return sb.toString();
    }
}
