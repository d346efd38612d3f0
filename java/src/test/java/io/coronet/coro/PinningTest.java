package io.coronet.coro;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.*;

/** What happens when a coroutine tries to suspend where it must not. */
class PinningTest extends LoopFixture {

    /** libc's qsort: the simplest way to get a native frame under a Java callback. */
    public interface LibC {
        interface Compare {
            @Delegate
            int compare(Pointer a, Pointer b);
        }

        void qsort(Pointer base, long count, long size, Compare compare);
    }

    @Test
    void suspendingInsideANativeCallbackIsRefusedWithAClearError() throws Exception {
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        AtomicReference<Throwable> seen = new AtomicReference<>();
        String after = run(() -> {
            Pointer ints = Memory.allocateDirect(Runtime.getRuntime(libc), 8);
            ints.putInt(0, 2);
            ints.putInt(4, 1);
            libc.qsort(ints, 2, 4, (a, b) -> {
                try {
                    Coroutine.yieldNow();
                } catch (Throwable e) {
                    seen.compareAndSet(null, e);
                }
                return Integer.compare(a.getInt(0), b.getInt(0));
            });
            // the coroutine is intact after the refused yield and can still suspend normally
            Coroutine.sleep(Duration.ofMillis(1));
            return ints.getInt(0) + "," + ints.getInt(4);
        });
        assertEquals("1,2", after);
        PinnedYieldException e = assertInstanceOf(PinnedYieldException.class, seen.get());
        assertEquals("NATIVE", e.reason());
        assertTrue(e.getMessage().contains("native callback"), e.getMessage());
    }

    @Test
    void debugModeCatchesASuspensionWhileHoldingAMonitor() throws Exception {
        Coroutine.setMonitorCheck(true);
        try {
            Object lock = new Object();
            String msg = run(() -> {
                synchronized (lock) {
                    try {
                        Coroutine.sleep(Duration.ofMillis(1));
                        return "suspended holding a monitor";
                    } catch (MonitorHeldException e) {
                        return e.getMessage();
                    }
                }
            });
            assertTrue(msg.contains("holding the monitor of java.lang.Object"), msg);
            assertTrue(msg.contains("ReentrantLock"), msg);
        } finally {
            Coroutine.setMonitorCheck(false);
        }
    }

    @Test
    void debugModeAllowsReentrantLockAcrossSuspension() throws Exception {
        Coroutine.setMonitorCheck(true);
        try {
            ReentrantLock lock = new ReentrantLock();
            assertEquals("ok", run(() -> {
                lock.lock();
                try {
                    Coroutine.sleep(Duration.ofMillis(1));
                    return "ok";
                } finally {
                    lock.unlock();
                }
            }));
        } finally {
            Coroutine.setMonitorCheck(false);
        }
    }
}
