package io.coronet.poll;

import io.coronet.ffi.BadFileDescriptorException;
import io.coronet.ffi.Abi;
import io.coronet.ffi.Fds;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeException;
import io.coronet.ffi.NativeLibrary;
import io.coronet.ffi.NativeSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs against whichever backend the library was built with; Surefire runs it twice (default
 * backend, then -Dcoronet.backend=poll). Waits that expect an event use {@link #LONG}: they
 * return as soon as the event is there, the bound only stops a broken build from hanging.
 */
class PollerTest {

    private static final long LONG = 10_000;

    private Poller poller;
    private Fds fds;
    private NativeBuffer buf;

    @BeforeEach
    void open() throws Exception {
        poller = Poller.open();
        fds = new Fds();
        buf = NativeBuffer.allocate(256);
    }

    @AfterEach
    void close() throws Exception {
        poller.close();
        fds.close();
        buf.close();
    }

    @Test
    void reportsTheBackendTheLibraryWasBuiltWith() {
        assertEquals(NativeLibrary.backendName(), poller.backend());
        assertEquals(!"poll".equals(poller.backend()), poller.nativeEdge());
    }

    @Test
    void readableWhenDataArrives() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.READABLE, "reader");
        assertEquals(0, poller.poll(0), "nothing to read yet");
        send(p[1], "a");
        assertEquals(1, poller.poll(LONG));
        assertEquals(key, poller.key(0));
        assertTrue((poller.events(0) & Interest.READABLE) != 0, Interest.toString(poller.events(0)));
        assertEquals("reader", poller.attachment(0));
    }

    @Test
    void levelTriggeredReadinessRepeatsUntilDrained() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        poller.register(p[0], Interest.READABLE, null);
        send(p[1], "abc");
        assertEquals(1, poller.poll(LONG));
        assertEquals(1, poller.poll(0), "still readable");
        assertEquals(3, NativeSockets.read(p[0], buf, 0, 16));
        assertEquals(0, poller.poll(0), "drained");
    }

    @Test
    void writableWhenTheSendBufferHasRoom() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.WRITABLE, "writer");
        assertEquals(1, poller.poll(LONG));
        assertEquals(key, poller.key(0));
        assertEquals(Interest.WRITABLE, poller.events(0) & (Interest.READABLE | Interest.WRITABLE));
    }

    @Test
    void hangUpWhenThePeerCloses() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        poller.register(p[0], Interest.READABLE, null);
        fds.closeNow(p[1]);
        assertEquals(1, poller.poll(LONG));
        assertTrue((poller.events(0) & Interest.HANGUP) != 0, Interest.toString(poller.events(0)));
        assertEquals(0, NativeSockets.read(p[0], buf, 0, 16), "end of stream");
    }

    @Test
    void hangUpWhenATcpPeerHalfCloses() throws Exception {
        int listener = fds.add(NativeSockets.listen("127.0.0.1", 0, 8, false));
        int client = fds.add(NativeSockets.connect("127.0.0.1", NativeSockets.localPort(listener)));
        int server = fds.add(accept(listener));
        poller.register(server, Interest.READABLE, null);
        send(client, "last words");
        NativeSockets.shutdownOutput(client);
        int events = 0;
        // data and FIN may arrive as separate readiness changes; bounded wait for the hang-up bit
        for (int attempt = 0; attempt < 100 && (events & Interest.HANGUP) == 0; attempt++) {
            if (poller.poll(LONG) == 1) events |= poller.events(0);
        }
        assertTrue((events & Interest.HANGUP) != 0, Interest.toString(events));
        assertTrue((events & Interest.READABLE) != 0, Interest.toString(events));
        assertEquals(10, NativeSockets.read(server, buf, 0, 64), "what was sent before the FIN is still there");
        assertEquals(0, NativeSockets.read(server, buf, 0, 64));
    }

    @Test
    void modifyReplacesTheInterest() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.READABLE, "x");
        assertEquals(0, poller.poll(0), "writable, but not asked for");
        poller.modify(key, Interest.WRITABLE);
        assertEquals(1, poller.poll(LONG));
        assertTrue((poller.events(0) & Interest.WRITABLE) != 0);
        poller.modify(key, 0);
        assertEquals(0, poller.poll(0), "no interest, no events");
        send(p[1], "r");
        poller.modify(key, Interest.READABLE | Interest.WRITABLE);
        assertEquals(1, poller.poll(LONG));
        assertEquals(Interest.READABLE | Interest.WRITABLE, poller.events(0) & (Interest.READABLE | Interest.WRITABLE));
    }

    @Test
    void deregisterStopsEventsAndFreesTheKey() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.READABLE, "x");
        assertEquals(1, poller.registeredCount());
        send(p[1], "a");
        poller.deregister(key);
        assertEquals(0, poller.registeredCount());
        assertFalse(poller.isRegistered(key));
        assertEquals(0, poller.poll(0));
        assertThrows(IllegalArgumentException.class, () -> poller.deregister(key));
        assertThrows(IllegalArgumentException.class, () -> poller.modify(key, Interest.READABLE));
        // the fd can be registered again; the slot is reused with a new generation
        int again = poller.register(p[0], Interest.READABLE, "y");
        assertEquals(key, again);
        assertEquals(1, poller.poll(LONG));
        assertEquals("y", poller.attachment(0));
    }

    @Test
    void aTimeoutIsHonoured() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        poller.register(p[0], Interest.READABLE, null);
        long start = System.nanoTime();
        assertEquals(0, poller.poll(50));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMs >= 40, "returned after " + elapsedMs + " ms of a 50 ms timeout");
        assertThrows(IllegalArgumentException.class, () -> poller.poll(-2));
    }

    @Test
    void wakeBeforePollMakesThePollReturnAndWakeUpsCoalesce() throws Exception {
        poller.wake();
        poller.wake();
        poller.wake();
        long start = System.nanoTime();
        assertEquals(0, poller.poll(LONG), "a wake-up is not an event");
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(LONG / 2), "woken, not timed out");
        // the three wake-ups were consumed by that one poll
        start = System.nanoTime();
        assertEquals(0, poller.poll(50));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "no wake-up left over");
    }

    @Test
    void wakeFromAnotherThreadEndsABlockingPoll() throws Exception {
        CountDownLatch polling = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waker = new Thread(() -> {
            try {
                polling.await();
                Thread.sleep(20); // most likely inside poll by now; before it works as well
                poller.wake();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "waker");
        waker.start();
        polling.countDown();
        long start = System.nanoTime();
        int n = poller.poll(LONG * 3);
        long elapsed = System.nanoTime() - start;
        waker.join(LONG);
        assertNull(failure.get());
        assertEquals(0, n);
        assertTrue(elapsed < TimeUnit.MILLISECONDS.toNanos(LONG * 2), "woken, not timed out");
    }

    @Test
    void edgeTriggeredReportsOncePerTransition() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.READABLE | Interest.EDGE, null);
        send(p[1], "a");
        assertEquals(1, poller.poll(LONG));
        assertEquals(0, poller.poll(0), "the same readiness is not reported twice");
        if (poller.nativeEdge()) {
            poller.rearm(key); // no-op
            assertEquals(0, poller.poll(0));
            send(p[1], "b"); // a new transition
        } else {
            poller.rearm(key); // emulated: re-arming reports what is still there
        }
        assertEquals(1, poller.poll(LONG));
        assertTrue((poller.events(0) & Interest.READABLE) != 0);
    }

    @Test
    void anEventForAKeyDeregisteredDuringTheBatchIsStale() throws Exception {
        int[] a = fds.add(NativeSockets.socketpair());
        int[] b = fds.add(NativeSockets.socketpair());
        int keyA = poller.register(a[0], Interest.READABLE, "A");
        int keyB = poller.register(b[0], Interest.READABLE, "B");
        send(a[1], "1");
        send(b[1], "2");
        assertEquals(2, pollUntil(2));

        // a handler earlier in the batch closes B and a new connection takes B's fd number and key
        poller.deregister(keyB);
        fds.closeNow(b[0]);
        int[] c = fds.add(NativeSockets.socketpair());
        int keyC = poller.register(c[0], Interest.READABLE, "C");
        assertEquals(keyB, keyC, "the freed key is reused");

        Set<Object> delivered = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            if (poller.key(i) == keyA) {
                assertEquals("A", poller.attachment(i));
                assertTrue((poller.events(i) & Interest.READABLE) != 0);
            } else {
                assertEquals(keyB, poller.key(i));
                assertEquals(0, poller.events(i), "stale entry");
                assertNull(poller.attachment(i), "stale entry");
            }
            delivered.add(poller.attachment(i));
        }
        assertFalse(delivered.contains("C"), "C never became readable");
        // the next poll reports A only (C has no data)
        assertEquals(1, poller.poll(0));
        assertEquals("A", poller.attachment(0));
    }

    @Test
    void aKernelEventWithAnOldGenerationIsDropped() throws Exception {
        int[] a = fds.add(NativeSockets.socketpair());
        int[] b = fds.add(NativeSockets.socketpair());
        int keyA = poller.register(a[0], Interest.READABLE, "A");
        poller.register(b[0], Interest.READABLE, "B");
        // the kernel holds a token whose generation is not A's current one, as after a
        // close + reuse the Java side already knows about
        long staleToken = ((long) (poller.generation(keyA) + 1) << 32) | keyA;
        assertEquals(0, NativeLibrary.lib().cn_poller_modify(poller.handle(), a[0], Interest.READABLE, staleToken));
        send(a[1], "1");
        send(b[1], "2");
        assertEquals(1, pollUntil(1));
        assertEquals("B", poller.attachment(0));
        assertEquals(1, poller.poll(0), "A's event is dropped on every poll");
        // give the kernel A's real token back: A was ready all along
        poller.modify(keyA, Interest.READABLE);
        assertEquals(2, poller.poll(LONG));
    }

    @Test
    void aKernelEventForAnUnknownSlotIsDropped() throws Exception {
        int[] a = fds.add(NativeSockets.socketpair());
        int keyA = poller.register(a[0], Interest.READABLE, "A");
        assertEquals(0, NativeLibrary.lib().cn_poller_modify(poller.handle(), a[0], Interest.READABLE, 999));
        send(a[1], "1");
        assertEquals(0, poller.poll(0));
        poller.modify(keyA, Interest.READABLE);
        assertEquals(1, poller.poll(LONG));
    }

    @Test
    void registrationErrorsAreTyped() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        poller.register(p[0], Interest.READABLE, null);
        NativeException twice = assertThrows(NativeException.class, () -> poller.register(p[0], Interest.READABLE, null));
        assertEquals(Abi.EEXIST, twice.errno());
        assertEquals("poller_add(fd=" + p[0] + "): EEXIST (File exists)", twice.getMessage());
        assertEquals(1, poller.registeredCount(), "a failed register does not leak a key");

        int[] q = NativeSockets.socketpair();
        NativeSockets.close(q[0]);
        NativeSockets.close(q[1]);
        BadFileDescriptorException bad = assertThrows(BadFileDescriptorException.class,
                () -> poller.register(q[0], Interest.READABLE, null));
        assertEquals("poller_add(fd=" + q[0] + "): EBADF (Bad file descriptor)", bad.getMessage());

        assertThrows(IllegalArgumentException.class, () -> poller.register(-1, Interest.READABLE, null));
        assertThrows(IllegalArgumentException.class, () -> poller.register(p[1], 0x100, null));
        assertThrows(IllegalArgumentException.class, () -> poller.modify(12345, Interest.READABLE));
        assertThrows(IllegalArgumentException.class, () -> poller.rearm(-1));
        assertEquals(1, poller.registeredCount());
    }

    @Test
    void deregisterAfterTheFdWasClosedStillFreesTheKey() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.READABLE, null);
        fds.closeNow(p[0]);
        try {
            poller.deregister(key);
        } catch (BadFileDescriptorException expectedOnEpoll) {
            // epoll/kqueue dropped the fd at close: EBADF. poll(2) removes it silently.
        }
        assertFalse(poller.isRegistered(key));
        assertEquals(0, poller.registeredCount());
    }

    @Test
    void eventIndicesOutsideTheBatchAreRejected() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        poller.register(p[0], Interest.WRITABLE, null);
        assertEquals(1, poller.poll(LONG));
        assertThrows(IndexOutOfBoundsException.class, () -> poller.key(1));
        assertThrows(IndexOutOfBoundsException.class, () -> poller.events(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> poller.attachment(1));
    }

    @Test
    void aBatchHoldsAtMostTheEventCapacity() throws Exception {
        try (Poller small = Poller.open(2)) {
            for (int i = 0; i < 3; i++) {
                int[] p = fds.add(NativeSockets.socketpair());
                small.register(p[0], Interest.WRITABLE, i);
            }
            assertEquals(2, small.poll(LONG));
            assertNotEquals(small.attachment(0), small.attachment(1));
        }
        assertThrows(IllegalArgumentException.class, () -> Poller.open(0));
    }

    @Test
    void manyRegistrationsEachReportTheirOwnAttachment() throws Exception {
        int count = 100; // beyond the initial slot table
        for (int i = 0; i < count; i++) {
            int[] p = fds.add(NativeSockets.socketpair());
            poller.register(p[0], Interest.READABLE, i);
            send(p[1], "x");
        }
        assertEquals(count, poller.registeredCount());
        Set<Object> seen = new HashSet<>();
        for (int attempt = 0; attempt < 100 && seen.size() < count; attempt++) {
            int n = poller.poll(LONG);
            for (int i = 0; i < n; i++) seen.add(poller.attachment(i));
        }
        assertEquals(count, seen.size());
    }

    @Test
    void everyUseAfterCloseThrowsAndCloseIsIdempotent() throws Exception {
        int[] p = fds.add(NativeSockets.socketpair());
        int key = poller.register(p[0], Interest.WRITABLE, null);
        assertEquals(1, poller.poll(LONG));
        poller.close();
        poller.close();
        assertTrue(poller.isClosed());
        assertThrows(ClosedPollerException.class, () -> poller.register(p[1], Interest.READABLE, null));
        assertThrows(ClosedPollerException.class, () -> poller.modify(key, Interest.READABLE));
        assertThrows(ClosedPollerException.class, () -> poller.rearm(key));
        assertThrows(ClosedPollerException.class, () -> poller.deregister(key));
        assertThrows(ClosedPollerException.class, () -> poller.poll(0));
        assertThrows(ClosedPollerException.class, () -> poller.wake());
        assertThrows(ClosedPollerException.class, () -> poller.events(0));
        assertThrows(ClosedPollerException.class, () -> poller.attachment(0));
        assertThrows(ClosedPollerException.class, () -> poller.registeredCount());
        // the fd itself is the caller's and still works
        assertEquals(1, NativeSockets.write(p[0], buf, 0, 1));
    }

    // ---- helpers ----------------------------------------------------------------------------

    private void send(int fd, String s) throws NativeException {
        byte[] bytes = s.getBytes();
        buf.putBytes(128, bytes);
        assertEquals(bytes.length, NativeSockets.write(fd, buf, 128, bytes.length));
    }

    /** Polls until the batch holds at least {@code n} events (readiness of separate fds may land in separate waits). */
    private int pollUntil(int n) throws Exception {
        int got = 0;
        for (int attempt = 0; attempt < 100 && got < n; attempt++) {
            got = poller.poll(LONG);
        }
        return got;
    }

    private static int accept(int listener) throws Exception {
        for (int attempt = 0; attempt < 5_000; attempt++) {
            int fd = NativeSockets.accept(listener);
            if (fd != NativeSockets.WOULD_BLOCK) return fd;
            Thread.sleep(1);
        }
        throw new AssertionError("no connection arrived");
    }
}
