package io.coronet.bench;

import io.coronet.coro.Channel;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Offload;
import io.coronet.coro.Task;
import io.coronet.loop.EventLoop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The coroutine toolkit's hand-offs, each next to the JDK's nearest equivalent in the same run:
 * <ul>
 *   <li>{@code offloadRoundTrip}: a coroutine calls {@code Offload.call(() -> i)} (hand the body
 *   to a pool thread, suspend, the worker completes, the loop is woken, the coroutine resumes);
 *   peer {@code executorRoundTrip}: a platform thread does {@code executor.submit(() -> i).get()}.</li>
 *   <li>{@code channelOneLoop}: a producer and a consumer coroutine of one loop move elements
 *   through a {@code Channel(16)}; {@code channelAcrossLoops}: the same with the two coroutines
 *   on two loops (every hand-off may wake the other loop); peer
 *   {@code blockingQueueAcrossThreads}: two platform threads and an {@code ArrayBlockingQueue(16)};
 *   peer {@code blockingQueueVirtualThreads}: the JDK's own coroutines, two virtual threads and an
 *   {@code ArrayBlockingQueue(16)}.</li>
 * </ul>
 * ns/op is per round trip or per element moved (send + receive).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.IGNORE_UNKNOWN, JvmFlags.ADD_EXPORTS, JvmFlags.JDK_INTERNAL_VM,
        JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ACCESS})
@State(Scope.Benchmark)
public class ToolkitBenchmark {
    static final int ROUND_TRIPS = 1_000;
    static final int ELEMENTS = 20_000;
    static final Duration WAIT = Duration.ofSeconds(60);

    private EventLoop a;
    private EventLoop b;
    private ExecutorService executor;
    private ExecutorService producerThread;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        a = EventLoop.start("bench-a");
        b = EventLoop.start("bench-b");
        // the peer pool sized like Offload's default elastic pool: threads on demand, bounded queue
        executor = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024));
        producerThread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        a.close();
        b.close();
        executor.shutdownNow();
        producerThread.shutdownNow();
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long offloadRoundTrip() throws Exception {
        return Coroutine.spawn(a, () -> {
            long sum = 0;
            for (int i = 0; i < ROUND_TRIPS; i++) {
                int v = i;
                sum += Offload.call(() -> v);
            }
            return sum;
        }).join(WAIT);
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long executorRoundTrip() throws Exception {
        long sum = 0;
        for (int i = 0; i < ROUND_TRIPS; i++) {
            int v = i;
            Future<Integer> f = executor.submit(() -> v);
            sum += f.get();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long channelOneLoop() throws Exception {
        return transfer(a, a);
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long channelAcrossLoops() throws Exception {
        return transfer(a, b);
    }

    private static final Integer[] BOXES = new Integer[ELEMENTS];

    static {
        for (int i = 0; i < ELEMENTS; i++) {
            BOXES[i] = i; // no boxing inside the measured loops
        }
    }

    private long transfer(EventLoop producerLoop, EventLoop consumerLoop) throws Exception {
        Channel<Integer> ch = new Channel<>(16);
        Coroutine.launch(producerLoop, () -> {
            for (int i = 0; i < ELEMENTS; i++) {
                ch.send(BOXES[i]);
            }
        });
        Task<Long> consumer = Coroutine.spawn(consumerLoop, () -> {
            long sum = 0;
            for (int i = 0; i < ELEMENTS; i++) {
                sum += ch.receive();
            }
            return sum;
        });
        return consumer.join(WAIT);
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long blockingQueueAcrossThreads() throws Exception {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(16);
        producerThread.submit(() -> {
            for (int i = 0; i < ELEMENTS; i++) {
                q.put(BOXES[i]);
            }
            return null;
        });
        long sum = 0;
        for (int i = 0; i < ELEMENTS; i++) {
            sum += q.take();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long blockingQueueVirtualThreads() throws Exception {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(16);
        long[] sum = new long[1];
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ELEMENTS; i++) {
                    q.put(BOXES[i]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ELEMENTS; i++) {
                    sum[0] += q.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.join();
        consumer.join();
        return sum[0];
    }
}
