package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.ffi.NativeSockets;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 12.5: buffered writes leave when the writer waits or the tick ends, in order, and bounded. */
class BufferedOutputTest {

    @Test
    void smallWritesLeaveTogetherWhenTheWriterWaits() throws Exception {
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            Task<Integer> writer = Coroutine.spawn(p.loop, () -> {
                BufferedOutput out = p.conn.buffered();
                assertSame(out, p.conn.buffered(), "one writer per connection");
                out.write("a");
                out.write(new byte[] {'b'});
                out.writeByte('c');
                int pending = out.pending();
                p.conn.readLine(10); // waiting for the reply sends "abc" first
                return pending;
            });
            assertEquals("abc", p.clientRead(3));
            p.clientWrite("done\n");
            assertEquals(3, writer.join(LoopbackPair.WAIT), "nothing left before the wait");
            assertEquals(0, (int) p.on(() -> p.conn.buffered().pending()));
        }
    }

    @Test
    void bytesOfAWriterThatNeverWaitsLeaveAtTheEndOfTheTick() throws Exception {
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            AtomicBoolean clientGotIt = new AtomicBoolean();
            Task<Integer> writer = Coroutine.spawn(p.loop, () -> {
                p.conn.buffered().write("tick");
                int yields = 0;
                while (!clientGotIt.get() && yields < 5_000_000) { // yields never suspend: only the tick flushes
                    Coroutine.yieldNow();
                    yields++;
                }
                return yields;
            });
            assertEquals("tick", p.clientRead(4));
            clientGotIt.set(true);
            assertTrue(writer.join(LoopbackPair.WAIT) < 5_000_000);
        }
    }

    @Test
    void unbufferedWritesKeepTheOrder() throws Exception {
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            p.on(() -> {
                BufferedOutput out = p.conn.buffered();
                out.write("1");
                p.conn.write("2"); // flushes "1" first
                out.write("3");
                p.conn.write(new byte[] {'4'});
                out.write("5");
                out.flush();
                assertEquals(0, out.pending());
                return null;
            });
            assertEquals("12345", p.clientRead(5));
        }
    }

    @Test
    void whatIsPendingAtCloseIsSent() throws Exception {
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            p.on(() -> {
                p.conn.buffered().write("bye\n");
                p.conn.close();
                return null;
            });
            assertEquals("bye\n", p.clientRead(4));
            assertEquals(-1, p.client.getInputStream().read());
        }
    }

    /** A peer that does not read: the writer stops at the high-water mark instead of buffering 2 MiB. */
    @Test
    void pendingBytesAreBoundedByTheHighWaterMark() throws Exception {
        int total = 2 * 1024 * 1024;
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            p.on(() -> {
                NativeSockets.setBufferSizes(p.conn.fd(), 16 * 1024, 16 * 1024);
                return null;
            });
            p.client.setReceiveBufferSize(16 * 1024);
            AtomicLong written = new AtomicLong();
            AtomicInteger maxPending = new AtomicInteger();
            Task<Void> writer = Coroutine.launch(p.loop, () -> {
                BufferedOutput out = p.conn.buffered();
                byte[] piece = new byte[1000];
                for (int i = 0; i < total / piece.length; i++) {
                    java.util.Arrays.fill(piece, (byte) i);
                    out.write(piece);
                    maxPending.accumulateAndGet(out.pending(), Math::max);
                    written.addAndGet(piece.length);
                }
                out.flush();
            });
            // the kernel buffers hold far less than 2 MiB: the writer must be stuck (bounded wait)
            long before;
            long after = written.get();
            do {
                before = after;
                Thread.sleep(100);
                after = written.get();
            } while (after != before);
            assertTrue(after < total, "the writer went on without the peer reading: " + after);
            assertTrue(maxPending.get() < BufferedOutput.HIGH_WATER_MARK, "pending " + maxPending.get());
            InputStream in = p.client.getInputStream();
            byte[] got = in.readNBytes(total / 1000 * 1000);
            writer.join(LoopbackPair.WAIT);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != (byte) (i / 1000)) {
                    fail("byte " + i + " is " + got[i]);
                }
            }
        }
    }

    @Test
    void aFailedAutomaticFlushIsThrownByTheNextWrite() throws Exception {
        try (LoopbackPair p = new LoopbackPair("buffered")) {
            p.client.setSoLinger(true, 0);
            p.client.close(); // RST
            Throwable t = p.on(() -> {
                BufferedOutput out = p.conn.buffered();
                for (int i = 0; i < 100; i++) { // the reset reaches us within a few round trips
                    try {
                        out.write("x");
                        Coroutine.sleep(Duration.ofMillis(5)); // the sleep's suspension flushes
                    } catch (java.io.IOException e) {
                        return e;
                    }
                }
                return null;
            });
            assertInstanceOf(io.coronet.ffi.PeerGoneException.class, t);
        }
    }
}
