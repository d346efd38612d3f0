package io.coronet.ffi;

import com.kenai.jffi.MemoryIO;

import java.lang.reflect.Field;

/**
 * Copies between byte[] and off-heap memory, for {@link NativeBuffer}. Callers have checked both
 * ranges. jffi's MemoryIO array copies are JNI calls (~35 ns each, see benchmarks/RESULTS.md);
 * sun.misc.Unsafe.copyMemory is a JIT intrinsic, a few ns for a small message. It is used when
 * the JVM allows it (coronet runs with --sun-misc-unsafe-memory-access=allow); where a future
 * JDK refuses, the probe at start-up fails and jffi's copy is used instead.
 */
abstract class ArrayCopier {

    abstract void fromArray(byte[] src, int srcOffset, long address, int length);

    abstract void toArray(long address, byte[] dst, int dstOffset, int length);

    static ArrayCopier best() {
        try {
            UnsafeCopier unsafe = new UnsafeCopier();
            long probe = MemoryIO.getInstance().allocateMemory(8, true);
            try {
                byte[] b = {1, 2, 3, 4};
                unsafe.fromArray(b, 0, probe, 4);
                byte[] back = new byte[4];
                unsafe.toArray(probe, back, 0, 4);
                if (back[3] == 4) {
                    return unsafe;
                }
            } finally {
                MemoryIO.getInstance().freeMemory(probe);
            }
        } catch (Throwable t) {
            // not available or refused: fall through
        }
        return new JffiCopier();
    }

    /** Via sun.misc.Unsafe (module jdk.unsupported). */
    @SuppressWarnings({"removal", "deprecation"})
    private static final class UnsafeCopier extends ArrayCopier {
        private static final sun.misc.Unsafe U;
        private static final long BASE;

        static {
            try {
                Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                U = (sun.misc.Unsafe) f.get(null);
                BASE = U.arrayBaseOffset(byte[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @Override
        void fromArray(byte[] src, int srcOffset, long address, int length) {
            U.copyMemory(src, BASE + srcOffset, null, address, length);
        }

        @Override
        void toArray(long address, byte[] dst, int dstOffset, int length) {
            U.copyMemory(null, address, dst, BASE + dstOffset, length);
        }
    }

    /** Via jffi (JNI). */
    private static final class JffiCopier extends ArrayCopier {
        private static final MemoryIO IO = MemoryIO.getInstance();

        @Override
        void fromArray(byte[] src, int srcOffset, long address, int length) {
            IO.putByteArray(address, src, srcOffset, length);
        }

        @Override
        void toArray(long address, byte[] dst, int dstOffset, int length) {
            IO.getByteArray(address, dst, dstOffset, length);
        }
    }
}
