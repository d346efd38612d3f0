package io.coronet.bench;

import io.coronet.ffi.NativeStats;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpServer;
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

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A pipelining client's batch of 16 line requests, answered by a coronet server with one reply
 * line each, through {@code conn.buffered()} (gathered: one writev per batch) or the plain
 * {@code conn.write} (one write per reply). The time is one batch's round trip (the blocking
 * java.net client included); the server's syscalls per reply, counted by {@link NativeStats}
 * (on in this fork), are printed at the end of each trial:
 * {@code syscalls per reply: write 0.06, read 0.06} means one writev and one read per batch.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.IGNORE_UNKNOWN, JvmFlags.ADD_EXPORTS, JvmFlags.JDK_INTERNAL_VM,
        JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ACCESS, "-Dcoronet.stats=true"})
@State(Scope.Thread)
public class PipelinedRepliesBenchmark {
    static final int PIPELINE = 16;

    @Param({"buffered", "unbuffered"})
    public String writes;

    private EventLoopGroup group;
    private Socket client;
    private OutputStream out;
    private InputStream in;
    private byte[] batch;
    private byte[] replies;
    private long batches;
    private long writesAtStart;
    private long readsAtStart;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        boolean buffered = writes.equals("buffered");
        group = EventLoopGroup.start("replies", 1);
        TcpServer server = TcpServer.start(group, "127.0.0.1", 0, 16, conn -> {
            String line;
            while ((line = conn.readLine(100)) != null) {
                if (buffered) {
                    conn.buffered().write("+" + line + "\n");
                } else {
                    conn.write("+" + line + "\n");
                }
            }
        });
        client = new Socket();
        client.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        client.setTcpNoDelay(true);
        client.setSoTimeout(10_000);
        out = client.getOutputStream();
        in = client.getInputStream();
        StringBuilder requests = new StringBuilder();
        StringBuilder answers = new StringBuilder();
        for (int i = 0; i < PIPELINE; i++) {
            requests.append("GET key").append(i % 10).append('\n');
            answers.append("+GET key").append(i % 10).append('\n');
        }
        batch = requests.toString().getBytes(StandardCharsets.US_ASCII);
        replies = new byte[answers.length()];
    }

    @Setup(Level.Iteration)
    public void startCounting() {
        batches = 0;
        writesAtStart = NativeStats.get(NativeStats.Kind.WRITE);
        readsAtStart = NativeStats.get(NativeStats.Kind.READ);
    }

    @Benchmark
    public int batchOf16() throws Exception {
        out.write(batch);
        int n = in.readNBytes(replies, 0, replies.length);
        batches++;
        return n;
    }

    @TearDown(Level.Iteration)
    public void report() {
        double perReply = (double) batches * PIPELINE;
        System.out.printf("  [%s] syscalls per reply: write %.3f, read %.3f (%d batches)%n", writes,
                (NativeStats.get(NativeStats.Kind.WRITE) - writesAtStart) / perReply,
                (NativeStats.get(NativeStats.Kind.READ) - readsAtStart) / perReply, batches);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        group.shutdown(Duration.ZERO);
        group.awaitTermination(Duration.ofSeconds(10));
    }
}
