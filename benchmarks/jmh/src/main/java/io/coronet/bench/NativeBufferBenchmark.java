package io.coronet.bench;

import io.coronet.ffi.NativeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** The cost of NativeBuffer's bounds-checked access (jffi MemoryIO underneath). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.IGNORE_UNKNOWN, JvmFlags.ADD_EXPORTS, JvmFlags.JDK_INTERNAL_VM,
        JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ACCESS})
@State(Scope.Thread)
public class NativeBufferBenchmark {

    private NativeBuffer buffer;
    private byte[] chunk;
    private int index;

    @Setup(Level.Trial)
    public void setUp() {
        buffer = NativeBuffer.allocate(4096);
        chunk = new byte[64];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        buffer.close();
    }

    /** put then get one byte at a moving index. */
    @Benchmark
    public byte putGetByte() {
        int i = index = (index + 1) & 4095;
        buffer.put(i, (byte) i);
        return buffer.get(i);
    }

    @Benchmark
    public long getLong() {
        int i = index = (index + 8) & 4087;
        return buffer.getLong(i);
    }

    /** Copy 64 bytes in from a byte[] and back out. */
    @Benchmark
    public byte[] putGetBytes64() {
        int i = index = (index + 64) & 4031;
        buffer.putBytes(i, chunk, 0, 64);
        buffer.getBytes(i, chunk, 0, 64);
        return chunk;
    }
}
