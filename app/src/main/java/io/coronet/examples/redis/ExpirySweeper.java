package io.coronet.examples.redis;

import io.coronet.loop.EventLoop;

import java.time.Duration;

/**
 * The active half of expiry, on one loop's timers: every {@link #PERIOD} it looks at up to
 * {@link #KEYS_PER_STEP} keys that have an expiry and removes the expired ones; while more than
 * a quarter of a step was expired it takes another step, at most {@link #MAX_STEPS} per tick
 * (Redis's activeExpireCycle works the same way: sampled, bounded per tick). Keys nobody
 * reads again would otherwise stay in memory forever; the lazy check on access keeps replies
 * right in between.
 */
final class ExpirySweeper {
    static final Duration PERIOD = Duration.ofMillis(100);
    static final int KEYS_PER_STEP = 200;
    static final int MAX_STEPS = 4;

    private final Store store;
    private final EventLoop loop;

    private ExpirySweeper(Store store, EventLoop loop) {
        this.store = store;
        this.loop = loop;
    }

    /** Starts sweeping {@code store} on {@code loop} until the loop shuts down. Any thread. */
    static void start(Store store, EventLoop loop) {
        ExpirySweeper s = new ExpirySweeper(store, loop);
        loop.execute(s::schedule);
    }

    private void schedule() {
        if (!loop.isShuttingDown()) {
            loop.schedule(PERIOD, this::tick);
        }
    }

    private void tick() {
        long now = System.currentTimeMillis();
        for (int step = 0; step < MAX_STEPS; step++) {
            if (store.sweep(KEYS_PER_STEP, now) * 4 <= KEYS_PER_STEP) {
                break;
            }
        }
        schedule();
    }
}
