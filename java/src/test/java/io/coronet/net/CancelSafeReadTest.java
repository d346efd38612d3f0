package io.coronet.net;

import io.coronet.coro.CancelledException;
import io.coronet.coro.Coroutine;
import io.coronet.coro.CoroutineTimeoutException;
import io.coronet.coro.Deadline;
import io.coronet.coro.Task;
import io.coronet.ffi.NativeBuffer;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 12.4: a read interrupted by a deadline or a cancel keeps every byte it had taken from
 * the kernel; the next read sees them, nothing lost or duplicated. The input is trickled in a
 * byte at a time by a platform thread over a real socket, so the reads time out mid-message.
 * Today's readExactly copied bytes into the caller's buffer as they came and lost them on a
 * timeout.
 */
class CancelSafeReadTest {
    /** Short enough that most reads time out between two trickled bytes. */
    static final Duration READ_TIMEOUT = Duration.ofMillis(4);
    static final long TRICKLE_PAUSE_MS = 3;

    interface TimedRead {
        /** One read under a short deadline; returns what it got (may be empty), null at EOF. */
        String read(TcpConnection conn, NativeBuffer buf) throws Exception;
    }

    /** Trickles {@code text} into the pair's client socket, one byte at a time, then half-closes. */
    private static Thread trickle(LoopbackPair p, String text) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = p.client.getOutputStream();
                for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(TRICKLE_PAUSE_MS);
                }
                p.client.shutdownOutput();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "trickle");
        t.start();
        return t;
    }

    /** Reads until EOF with {@code read}, counting timeouts; returns everything read, in order. */
    private static String readAllTimingOut(LoopbackPair p, String text, TimedRead read) throws Exception {
        Thread writer = trickle(p, text);
        int[] timeouts = {0};
        String got = p.on(() -> {
            StringBuilder all = new StringBuilder();
            try (NativeBuffer buf = NativeBuffer.allocate(64)) {
                for (int round = 0; round < 100_000; round++) { // bounded: the input ends long before
                    try (Deadline d = Deadline.after(READ_TIMEOUT)) {
                        String s = read.read(p.conn, buf);
                        if (s == null) {
                            return all.toString();
                        }
                        all.append(s);
                    } catch (CoroutineTimeoutException expected) {
                        timeouts[0]++;
                    }
                }
            }
            return all + "<no EOF>";
        });
        writer.join(LoopbackPair.WAIT.toMillis());
        assertTrue(timeouts[0] > 0, "no read was interrupted: the test proved nothing");
        return got;
    }

    private static final String TEXT = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF"; // 42 bytes

    @Test
    void readExactlyInterruptedByADeadlineLosesNothing() throws Exception {
        try (LoopbackPair p = new LoopbackPair("cancel-safe")) {
            String got = readAllTimingOut(p, TEXT + "GHIJKL", (conn, buf) -> { // 48 = 6 x 8
                try {
                    conn.readExactly(buf, 0, 8);
                } catch (java.io.EOFException end) {
                    return null;
                }
                byte[] b = new byte[8];
                buf.getBytes(0, b, 0, 8);
                return new String(b, StandardCharsets.UTF_8);
            });
            assertEquals(TEXT + "GHIJKL", got);
        }
    }

    @Test
    void readLineInterruptedByADeadlineLosesNothing() throws Exception {
        String lines = "first\nsecond line\r\nthird\n";
        try (LoopbackPair p = new LoopbackPair("cancel-safe")) {
            String got = readAllTimingOut(p, lines, (conn, buf) -> {
                String line = conn.readLine(100);
                return line == null ? null : line + "|";
            });
            assertEquals("first|second line|third|", got);
        }
    }

    @Test
    void readAndReceiveInterruptedByADeadlineLoseNothing() throws Exception {
        try (LoopbackPair p = new LoopbackPair("cancel-safe")) {
            // a line first, so bytes after it sit in the inbound buffer when read/receive start
            String got = readAllTimingOut(p, "hi\n" + TEXT, new TimedRead() {
                boolean lineDone;
                boolean alternate;

                @Override
                public String read(TcpConnection conn, NativeBuffer buf) throws Exception {
                    if (!lineDone) {
                        String line = conn.readLine(10);
                        lineDone = true;
                        return line + "|";
                    }
                    alternate = !alternate;
                    if (alternate) {
                        int n = conn.read(buf, 0, 5);
                        if (n < 0) {
                            return null;
                        }
                        byte[] b = new byte[n];
                        buf.getBytes(0, b, 0, n);
                        return new String(b, StandardCharsets.UTF_8);
                    }
                    try (Chunk c = conn.receive()) {
                        return c == null ? null : c.toText();
                    }
                }
            });
            assertEquals("hi|" + TEXT, got);
        }
    }

    @Test
    void aCancelledReadExactlyLeavesItsBytesForTheNextReader() throws Exception {
        try (LoopbackPair p = new LoopbackPair("cancel-safe")) {
            AtomicReference<Throwable> first = new AtomicReference<>();
            Task<Void> reader = Coroutine.launch(p.loop, () -> {
                try (NativeBuffer buf = NativeBuffer.allocate(16)) {
                    p.conn.readExactly(buf, 0, 16);
                } catch (Throwable t) {
                    first.set(t);
                    throw t;
                }
            });
            p.clientWrite("01234567"); // half of what the reader wants
            // let the reader take the 8 bytes from the kernel and wait for the rest (bounded)
            for (int i = 0; i < 10_000 && p.on(() -> p.conn.queuedBytes()) < 8; i++) {
                Thread.sleep(1);
            }
            assertEquals(8, p.on(() -> p.conn.queuedBytes()), "the reader has taken half of its bytes");
            reader.cancel();
            assertThrows(CancelledException.class, () -> reader.join(LoopbackPair.WAIT));
            assertInstanceOf(CancelledException.class, first.get());
            p.clientWrite("89abcdef");
            String next = p.on(() -> {
                try (NativeBuffer buf = NativeBuffer.allocate(16)) {
                    p.conn.readExactly(buf, 0, 16);
                    byte[] b = new byte[16];
                    buf.getBytes(0, b, 0, 16);
                    return new String(b, StandardCharsets.US_ASCII);
                }
            });
            assertEquals("0123456789abcdef", next);
        }
    }
}
