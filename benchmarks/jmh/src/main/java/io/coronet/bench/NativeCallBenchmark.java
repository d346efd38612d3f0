package io.coronet.bench;

import io.coronet.ffi.Abi;
import io.coronet.ffi.LibCoronet;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeLibrary;
import io.coronet.ffi.NativeSockets;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.int64_t;
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

/**
 * What one crossing into libcoronet costs, and how the binding's argument types change it.
 *
 * <ul>
 *   <li>{@code abi}: cn_abi(int) -> int64, no syscall: the bare jnr-ffi/jffi crossing as LibCoronet
 *       declares it (@IgnoreError, primitive arguments);
 *   <li>{@code abiSavingErrno}: the same function bound without @IgnoreError (jffi saves errno);
 *   <li>{@code socketError}: cn_socket_error(fd): crossing + one getsockopt(2);
 *   <li>{@code readEmptyAddress}: cn_read on an empty non-blocking socketpair (a real read(2) returning
 *       EAGAIN) with the buffer as a raw address (@uintptr_t long), as LibCoronet does;
 *   <li>{@code readEmptyPlainLong}: the same with the address declared as plain {@code long};
 *   <li>{@code readEmptyHeapArray}: the same with a Java byte[] (jnr-ffi pins or copies it);
 *   <li>{@code readEmptyChecked}: NativeSockets.read, the checked wrapper (range checks + EAGAIN test);
 *   <li>{@code argsOnly*}: cn_read(-1, ...), which returns -EBADF in C before any syscall: the
 *       crossing with the three argument styles, without a ~1-2 µs syscall drowning the difference.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.IGNORE_UNKNOWN, JvmFlags.ADD_EXPORTS, JvmFlags.JDK_INTERNAL_VM,
        JvmFlags.NATIVE_ACCESS, JvmFlags.UNSAFE_ACCESS})
@State(Scope.Thread)
public class NativeCallBenchmark {

    /** cn_read with a heap array: what LibCoronet deliberately does not do. */
    public interface HeapArrayBinding {
        @IgnoreError @int64_t long cn_read(int fd, @Out byte[] buf, @int64_t long len);
    }

    /** cn_read with the address as a plain long (native long is 64-bit on LP64). */
    public interface PlainLongBinding {
        @IgnoreError long cn_read(int fd, long buf, long len);
    }

    /** cn_abi without @IgnoreError. */
    public interface SavingErrnoBinding {
        @int64_t long cn_abi(int key);
    }

    private LibCoronet lib;
    private HeapArrayBinding heap;
    private PlainLongBinding plain;
    private SavingErrnoBinding savingErrno;
    private int[] pair;
    private NativeBuffer buffer;
    private long address;
    private byte[] array;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        NativeLibrary.ensureAvailable();
        lib = NativeLibrary.lib();
        String path = NativeLibrary.libraryPath().toString();
        heap = LibraryLoader.create(HeapArrayBinding.class).failImmediately().load(path);
        plain = LibraryLoader.create(PlainLongBinding.class).failImmediately().load(path);
        savingErrno = LibraryLoader.create(SavingErrnoBinding.class).failImmediately().load(path);
        pair = NativeSockets.socketpair();
        buffer = NativeBuffer.allocate(64);
        address = buffer.checkedAddress(0, 64);
        array = new byte[64];
        if (lib.cn_read(pair[0], address, 64) != -Abi.EAGAIN) {
            throw new IllegalStateException("the socketpair is expected to be empty and non-blocking");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        NativeSockets.close(pair[0]);
        NativeSockets.close(pair[1]);
        buffer.close();
    }

    @Benchmark
    public long abi() {
        return lib.cn_abi(LibCoronet.CN_ABI_EVENT_SIZE);
    }

    @Benchmark
    public long abiSavingErrno() {
        return savingErrno.cn_abi(LibCoronet.CN_ABI_EVENT_SIZE);
    }

    @Benchmark
    public int socketError() {
        return lib.cn_socket_error(pair[0]);
    }

    @Benchmark
    public long readEmptyAddress() {
        return lib.cn_read(pair[0], address, 64);
    }

    @Benchmark
    public long readEmptyPlainLong() {
        return plain.cn_read(pair[0], address, 64);
    }

    @Benchmark
    public long readEmptyHeapArray() {
        return heap.cn_read(pair[0], array, 64);
    }

    @Benchmark
    public long argsOnlyAddress() {
        return lib.cn_read(-1, address, 64);
    }

    @Benchmark
    public long argsOnlyPlainLong() {
        return plain.cn_read(-1, address, 64);
    }

    @Benchmark
    public long argsOnlyHeapArray() {
        return heap.cn_read(-1, array, 64);
    }

    @Benchmark
    public int readEmptyChecked() throws Exception {
        return NativeSockets.read(pair[0], buffer, 0, 64);
    }
}
