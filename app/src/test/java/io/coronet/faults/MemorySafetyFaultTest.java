package io.coronet.faults;

import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.ffi.BadFileDescriptorException;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpConnection;
import io.coronet.net.TcpListener;
import io.coronet.poll.ClosedPollerException;
import io.coronet.poll.Interest;
import io.coronet.poll.Poller;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 4 of the fault matrix, the Java half: no address or length reaches native code unchecked,
 * and every use of something closed is a typed exception. A crash here would take the test JVM
 * with it, so "the JVM is still running and the exception has the right type" is the assertion.
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class MemorySafetyFaultTest {
    static final long SEED = Long.getLong("coronet.faults.fuzz.seed", 20261127L);
    static final int CAPACITY = 64;

    /** Offsets and lengths around every edge, plus plain random ones. */
    static int edgy(Random r) {
        int[] edges = {Integer.MIN_VALUE, -65536, -2, -1, 0, 1, 2, CAPACITY / 2, CAPACITY - 1, CAPACITY,
                CAPACITY + 1, 4096, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
        return r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(2) == 0 ? r.nextInt(CAPACITY * 2) - CAPACITY / 2
                : edges[r.nextInt(edges.length)];
    }

    static boolean inside(int offset, int length, int capacity) {
        return offset >= 0 && length >= 0 && (long) offset + length <= capacity;
    }

    @Test
    @Fault(area = "4 memory safety", name = "random offsets/lengths (edges, negatives, overflow) on NativeBuffer "
            + "and NativeSockets.read/write, 200,000 calls",
            expect = "in range: works; out of range: IndexOutOfBounds/IllegalArgument before any native call; no crash")
    void randomRangesAreCheckedBeforeTheyCross() throws Exception {
        Random r = new Random(SEED);
        int calls = Integer.getInteger("coronet.faults.fuzz.calls", 200_000);
        int rejected = 0;
        int[] pair = NativeSockets.socketpair();
        try (NativeBuffer buf = NativeBuffer.allocate(CAPACITY)) {
            byte[] heap = new byte[CAPACITY];
            for (int i = 0; i < calls; i++) {
                int off = edgy(r), len = edgy(r), op = r.nextInt(9);
                boolean ok = inside(off, len, CAPACITY);
                try {
                    switch (op) {
                        case 0 -> buf.checkedAddress(off, len);
                        case 1 -> buf.fill(off, len, (byte) i);
                        case 2 -> buf.copyWithin(off, Math.floorMod(off, CAPACITY) / 2, len);
                        case 3 -> buf.getBytes(off, heap, 0, len);
                        case 4 -> buf.putBytes(off, heap, 0, len);
                        case 5 -> NativeSockets.write(pair[0], buf, off, len); // length 0 is a valid write(2)
                        case 6 -> { ok &= len > 0; NativeSockets.read(pair[1], buf, off, len); }
                        case 7 -> { ok = off >= 0 && off < CAPACITY; buf.get(off); }
                        default -> { ok = inside(off, 8, CAPACITY); buf.putLong(off, i); }
                    }
                    // cases 2-4 also check the other range / the heap array
                    if (!ok && op != 2) {
                        fail("op " + op + " accepted offset " + off + ", length " + len);
                    }
                } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                    if (ok && op != 2 && op != 3 && op != 4) {
                        fail("op " + op + " rejected the valid range offset " + off + ", length " + len + ": " + e);
                    }
                    rejected++;
                }
                if (op == 5 && i % 64 == 0) {
                    drain(pair[1]);
                }
            }
        } finally {
            NativeSockets.close(pair[0]);
            NativeSockets.close(pair[1]);
        }
        FaultMatrix.note(calls + " calls (seed " + SEED + "), " + rejected + " rejected in Java");
        assertTrue(rejected > calls / 4, "the fuzz hardly reached the edges: " + rejected);
    }

    private static void drain(int fd) throws NativeException {
        try (NativeBuffer sink = NativeBuffer.allocate(65536)) {
            while (NativeSockets.read(fd, sink, 0, 65536) > 0) {
                // empty the socketpair so writes keep going through
            }
        }
    }

    @Test
    @Fault(area = "4 memory safety", name = "closed NativeBuffer: every access, as native argument too; double close",
            expect = "IllegalStateException, freed memory never touched")
    void aClosedBufferIsNeverTouched() throws Exception {
        NativeBuffer buf = NativeBuffer.allocate(CAPACITY);
        buf.close();
        buf.close();
        int[] pair = NativeSockets.socketpair();
        try {
            List<Runnable> uses = List.of(
                    () -> buf.get(0), () -> buf.put(0, (byte) 1), () -> buf.getInt(0), () -> buf.putLong(0, 1),
                    () -> buf.checkedAddress(0, 0), () -> buf.fill(0, 1, (byte) 0), () -> buf.address(),
                    () -> buf.getBytes(0, new byte[1], 0, 1), () -> buf.putBytes(0, new byte[1]),
                    () -> buf.copyWithin(0, 1, 1), () -> NativeBuffer.copy(buf, 0, buf, 0, 0),
                    () -> uncheck(() -> NativeSockets.read(pair[0], buf, 0, 1)),
                    () -> uncheck(() -> NativeSockets.write(pair[0], buf, 0, 1)),
                    () -> uncheck(() -> NativeSockets.acceptMany(pair[0], buf, 1)));
            for (Runnable use : uses) {
                assertThrows(IllegalStateException.class, use::run);
            }
            FaultMatrix.note(uses.size() + " kinds of access");
        } finally {
            NativeSockets.close(pair[0]);
            NativeSockets.close(pair[1]);
        }
    }

    interface IoCall {
        Object call() throws Exception;
    }

    static void uncheck(IoCall c) {
        try {
            c.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("unexpected checked " + e, e);
        }
    }

    @Test
    @Fault(area = "4 memory safety", name = "use of a closed fd (socket and listener): 12 calls",
            expect = "BadFileDescriptorException naming the call and EBADF")
    void aClosedFdIsATypedException() throws Exception {
        Class<?> preload = BadFileDescriptorException.class; // no class loading (which opens files) below
        assertNotNull(preload);
        try (NativeBuffer buf = NativeBuffer.allocate(CAPACITY)) {
            int[] p = NativeSockets.socketpair();
            int listener = NativeSockets.listen("127.0.0.1", 0, 8, false);
            NativeSockets.close(p[0]);
            NativeSockets.close(p[1]);
            NativeSockets.close(listener);
            // single-threaded and no file opened in between: the numbers stay unused
            List<IoCall> calls = List.of(
                    () -> NativeSockets.read(p[0], buf, 0, 8), () -> NativeSockets.write(p[0], buf, 0, 8),
                    () -> { NativeSockets.shutdownOutput(p[0]); return null; },
                    () -> { NativeSockets.shutdownInput(p[0]); return null; },
                    () -> { NativeSockets.setNoDelay(p[0], true); return null; },
                    () -> { NativeSockets.setLinger(p[0], true, 0); return null; },
                    () -> { NativeSockets.setBufferSizes(p[0], 4096, 4096); return null; },
                    () -> NativeSockets.localAddress(p[0]), () -> NativeSockets.peerAddress(p[1]),
                    () -> NativeSockets.acceptMany(listener, buf, 4), () -> NativeSockets.accept(listener),
                    () -> { NativeSockets.close(p[0]); return null; });
            for (IoCall c : calls) {
                BadFileDescriptorException e = assertThrows(BadFileDescriptorException.class, c::call);
                assertEquals("EBADF", e.errnoName(), e.getMessage());
            }
        }
    }

    @Test
    @Fault(area = "4 memory safety", name = "closed Poller: every call; wake() from another thread racing close(), 500 rounds",
            expect = "ClosedPollerException; the race never reaches a freed handle (no crash)")
    void aClosedPollerIsATypedExceptionEvenWhenCloseRacesWake() throws Exception {
        int[] p = NativeSockets.socketpair();
        try {
            Poller poller = Poller.open(16);
            int key = poller.register(p[0], Interest.READABLE, "x");
            poller.close();
            List<IoCall> calls = List.of(() -> poller.register(p[1], Interest.READABLE, null),
                    () -> { poller.modify(key, Interest.WRITABLE); return null; },
                    () -> { poller.rearm(key); return null; }, () -> { poller.deregister(key); return null; },
                    () -> poller.poll(0), () -> { poller.wake(); return null; }, () -> poller.key(0),
                    () -> poller.events(0), () -> poller.attachment(0), poller::registeredCount);
            for (IoCall c : calls) {
                assertThrows(ClosedPollerException.class, c::call);
            }
            int closedWhileWaking = 0;
            for (int round = 0; round < 500; round++) {
                Poller racing = Poller.open(4);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                int[] sawClosed = new int[1];
                java.util.concurrent.atomic.AtomicInteger wakes = new java.util.concurrent.atomic.AtomicInteger();
                Thread waker = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        try {
                            racing.wake();
                            wakes.incrementAndGet();
                        } catch (ClosedPollerException expected) {
                            sawClosed[0] = 1;
                            return;
                        } catch (Throwable e) {
                            unexpected.set(e);
                            return;
                        }
                    }
                });
                for (int spin = 0; wakes.get() < 1 + round % 8 && spin < 10_000_000 && waker.isAlive(); spin++) {
                    Thread.onSpinWait(); // close while the waker is in its loop, not before it starts
                }
                racing.close();
                stop.set(true);
                waker.join(10_000);
                assertNull(unexpected.get(), () -> "wake racing close: " + unexpected.get());
                closedWhileWaking += sawClosed[0];
            }
            FaultMatrix.note(closedWhileWaking + " of 500 wakers hit the closed poller");
        } finally {
            NativeSockets.close(p[0]);
            NativeSockets.close(p[1]);
        }
    }

    @Test
    @Fault(area = "4 memory safety", name = "TcpConnection/TcpListener used after close; closed while a coroutine waits in read/accept",
            expect = "ClosedException (typed), the waiting coroutine wakes with it; the loop goes on")
    void useAfterCloseOfAConnectionIsTyped() throws Exception {
        EventLoopGroup group = EventLoopGroup.start("faults-uac", 1);
        try {
            var loop = group.get(0);
            Task<List<String>> t = Coroutine.spawn(loop, () -> {
                List<String> outcomes = new ArrayList<>();
                TcpListener l = TcpListener.bind("127.0.0.1", 0, 8, false);
                int port = l.port();
                TcpConnection client = TcpConnection.connect("127.0.0.1", port, Duration.ofSeconds(10));
                TcpConnection server = l.accept();
                // a second coroutine blocks in read on the server side; we close it under its feet
                Task<Object> reader = Coroutine.spawn(loop, () -> {
                    try (NativeBuffer b = NativeBuffer.allocate(16)) {
                        return server.read(b, 0, 16);
                    }
                });
                Coroutine.sleep(Duration.ofMillis(20));
                server.close();
                try {
                    reader.await();
                    outcomes.add("reader returned");
                } catch (ClosedException e) {
                    outcomes.add("reader: ClosedException");
                }
                try (NativeBuffer b = NativeBuffer.allocate(16)) {
                    outcomes.add(attempt(() -> server.read(b, 0, 16)));
                    outcomes.add(attempt(() -> { server.write(b, 0, 16); return null; }));
                    outcomes.add(attempt(server::receive));
                    outcomes.add(attempt(() -> server.readLine(10)));
                }
                server.close(); // idempotent
                client.close();
                Task<Object> acceptor = Coroutine.spawn(loop, l::accept);
                Coroutine.sleep(Duration.ofMillis(20));
                l.close();
                try {
                    acceptor.await();
                    outcomes.add("accept returned");
                } catch (ClosedException e) {
                    outcomes.add("accept: ClosedException");
                }
                outcomes.add(attempt(l::accept));
                return outcomes;
            });
            List<String> outcomes = t.join(Duration.ofSeconds(30));
            assertEquals(List.of("reader: ClosedException", "ClosedException", "ClosedException", "ClosedException",
                    "ClosedException", "accept: ClosedException", "ClosedException"), outcomes);
            // the loop still runs coroutines afterwards
            assertEquals(42, Coroutine.spawn(loop, () -> 42).join(Duration.ofSeconds(10)));
        } finally {
            group.shutdown(Duration.ofMillis(100));
            assertTrue(group.awaitTermination(Duration.ofSeconds(30)));
        }
    }

    static String attempt(IoCall c) {
        try {
            c.call();
            return "no exception";
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
