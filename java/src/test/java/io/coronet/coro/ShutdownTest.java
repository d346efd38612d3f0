package io.coronet.coro;

import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ShutdownTest {

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void shutdownCancelsLingeringCoroutinesAndClosesEveryFd() throws Exception {
        int before = openFds();
        EventLoop loop = EventLoop.start("shutdown-test");
        AtomicInteger cancelled = new AtomicInteger();
        int pairs = 20;
        int[][] peers = new int[pairs][];
        for (int i = 0; i < pairs; i++) {
            int[] fds = NativeSockets.socketpair();
            peers[i] = fds;
            Coroutine.launch(loop, () -> {
                AsyncFd fd = AsyncFd.register(loop, fds[0]); // not closed by the coroutine on purpose
                try {
                    fd.readDrained();
                    fd.awaitReadable();
                } catch (CancelledException e) {
                    cancelled.incrementAndGet();
                    throw e;
                }
            });
        }
        Coroutine.spawn(loop, () -> { Coroutine.yieldNow(); return null; }).join(Duration.ofSeconds(10));
        assertTrue(openFds() > before, "the test opened fds");
        loop.shutdown(Duration.ofMillis(50));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(20)));
        assertEquals(pairs, cancelled.get());
        for (int[] p : peers) {
            NativeSockets.close(p[1]);
        }
        assertEquals(before, openFds(), "every fd the loop owned (sockets, poller, wake-up) is closed");
    }

    @Test
    void gracefulShutdownLetsCoroutinesFinishWithinTheGracePeriod() throws Exception {
        EventLoop loop = EventLoop.start("graceful-test");
        Task<String> t = Coroutine.spawn(loop, () -> {
            Coroutine.sleep(Duration.ofMillis(30));
            return "finished";
        });
        loop.shutdown(Duration.ofSeconds(30));
        assertEquals("finished", t.join(Duration.ofSeconds(20)));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(20)));
        assertThrows(io.coronet.loop.EventLoopClosedException.class, () -> Coroutine.launch(loop, () -> { }));
    }

    @Test
    void spawningIsRefusedOnceShutdownBegan() throws Exception {
        EventLoop loop = EventLoop.start("refuse-test");
        Task<Void> holder = Coroutine.launch(loop, () -> Coroutine.sleep(Duration.ofMillis(200)));
        loop.shutdown(Duration.ofSeconds(30));
        Task<Void> late = Coroutine.launch(loop, () -> { });
        assertThrows(io.coronet.loop.EventLoopClosedException.class, () -> late.join(Duration.ofSeconds(10)));
        holder.join(Duration.ofSeconds(10));
        assertTrue(loop.awaitTermination(Duration.ofSeconds(20)));
    }
}
