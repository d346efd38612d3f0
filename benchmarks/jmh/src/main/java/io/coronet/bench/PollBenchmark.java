package io.coronet.bench;

import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.poll.Interest;
import io.coronet.poll.Poller;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Poller round trips, per backend (each @Param value runs in its own fork, so it loads its own library):
 * <ul>
 *   <li>{@code pollEmpty}: poll(0) with one idle registration: one wait syscall, no events;
 *   <li>{@code pollOneReady}: poll(0) with one level-triggered readable fd: wait + decode one event;
 *   <li>{@code wakeThenPoll}: wake() then poll(0): the cross-thread wake-up path done on one
 *       thread (eventfd write + wait + eventfd read on epoll; pipe write + poll + pipe read on poll(2)).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.IGNORE_UNKNOWN, JvmFlags.ADD_EXPORTS, JvmFlags.JDK_INTERNAL_VM,
        JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ACCESS})
@State(Scope.Thread)
public class PollBenchmark {

    @Param({"default", "poll"})
    public String backend;

    private Poller idle;
    private Poller ready;
    private int[] idlePair;
    private int[] readyPair;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Backend.select(backend);
        idle = Poller.open(64);
        idlePair = NativeSockets.socketpair();
        idle.register(idlePair[0], Interest.READABLE, "idle");

        ready = Poller.open(64);
        readyPair = NativeSockets.socketpair();
        ready.register(readyPair[0], Interest.READABLE, "ready");
        try (NativeBuffer one = NativeBuffer.allocate(1)) {
            NativeSockets.write(readyPair[1], one, 0, 1); // never read: stays readable
        }
        if (ready.poll(1000) != 1) {
            throw new IllegalStateException("the ready fd is not reported");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        idle.close();
        ready.close();
        for (int fd : new int[] {idlePair[0], idlePair[1], readyPair[0], readyPair[1]}) {
            NativeSockets.close(fd);
        }
    }

    @Benchmark
    public int pollEmpty() throws Exception {
        return idle.poll(0);
    }

    @Benchmark
    public Object pollOneReady() throws Exception {
        ready.poll(0);
        return ready.attachment(0);
    }

    @Benchmark
    public int wakeThenPoll() throws Exception {
        idle.wake();
        return idle.poll(0);
    }
}
