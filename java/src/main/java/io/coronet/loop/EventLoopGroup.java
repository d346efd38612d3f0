package io.coronet.loop;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N event loops, one thread each (default: one per core), for servers that run one
 * SO_REUSEPORT listener per loop. {@link #next()} hands out loops round-robin.
 */
public final class EventLoopGroup implements AutoCloseable {
    private final List<EventLoop> loops;
    private final AtomicInteger next = new AtomicInteger();

    private EventLoopGroup(List<EventLoop> loops) {
        this.loops = List.copyOf(loops);
    }

    public static EventLoopGroup start(String namePrefix) throws IOException {
        return start(namePrefix, Runtime.getRuntime().availableProcessors());
    }

    public static EventLoopGroup start(String namePrefix, int size) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("an event loop group needs at least one loop, got " + size);
        }
        EventLoop[] started = new EventLoop[size];
        try {
            for (int i = 0; i < size; i++) {
                started[i] = EventLoop.start(namePrefix + "-" + i);
            }
        } catch (IOException | RuntimeException e) {
            for (EventLoop l : started) {
                if (l != null) {
                    l.shutdown(Duration.ZERO);
                }
            }
            throw e;
        }
        return new EventLoopGroup(List.of(started));
    }

    public int size() {
        return loops.size();
    }

    public EventLoop get(int i) {
        return loops.get(i);
    }

    public List<EventLoop> loops() {
        return loops;
    }

    public EventLoop next() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    public void shutdown(Duration grace) {
        for (EventLoop l : loops) {
            l.shutdown(grace);
        }
    }

    /** Waits until every loop has terminated or the timeout passed; true if all did. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (EventLoop l : loops) {
            long left = deadline - System.nanoTime();
            if (!l.awaitTermination(Duration.ofNanos(Math.max(0, left)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(1));
        for (EventLoop l : loops) {
            l.close();
        }
    }
}
