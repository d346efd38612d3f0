package io.coronet.net;

import io.coronet.ffi.Abi;
import io.coronet.ffi.IoVector;
import io.coronet.loop.EventLoop;

import java.util.ArrayList;

/**
 * The end-of-tick flush of one loop's buffered outputs: each output with pending bytes is
 * listed once ({@link BufferedOutput#queued}), and the loop's pre-poll phase gives every listed
 * one a non-blocking gather write, so no byte waits in user space across a poll. Also holds the
 * loop's one {@link IoVector}: a gather write never suspends between filling it and the
 * syscall, so one per loop serves every connection.
 */
final class OutputFlusher implements AutoCloseable {
    /** Ranges per gather write: IOV_MAX where it is smaller. */
    static final int MAX_RANGES = Math.min(64, Abi.IOV_MAX);

    private final EventLoop loop;
    private ArrayList<BufferedOutput> dirty = new ArrayList<>();
    private ArrayList<BufferedOutput> spare = new ArrayList<>();
    private final IoVector ranges = IoVector.allocate(MAX_RANGES);
    private final Runnable flushAll = this::flushAll;

    private OutputFlusher(EventLoop loop) {
        this.loop = loop;
    }

    static OutputFlusher of(EventLoop loop) {
        return loop.resource(OutputFlusher.class, () -> new OutputFlusher(loop));
    }

    IoVector ranges() {
        return ranges;
    }

    void add(BufferedOutput out) {
        if (dirty.isEmpty()) {
            loop.beforePoll(flushAll);
        }
        dirty.add(out);
    }

    private void flushAll() {
        ArrayList<BufferedOutput> now = dirty;
        dirty = spare; // an output re-listed while we flush waits for the next tick
        for (int i = 0, n = now.size(); i < n; i++) {
            BufferedOutput out = now.get(i);
            out.queued = false;
            out.flushNow();
        }
        now.clear();
        spare = now;
    }

    @Override
    public void close() {
        ranges.close();
    }
}
