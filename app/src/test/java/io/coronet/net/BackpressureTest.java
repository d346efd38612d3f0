package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.examples.Echo;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** A peer that sends but never reads must not make the server buffer without bound. */
class BackpressureTest extends EchoServerFixture {

    @Override
    TcpServer.Handler handler() {
        return Echo::serve;
    }

    @Test
    void aNonReadingPeerIsThrottledByTheKernelNotBufferedByTheServer() throws Exception {
        AtomicLong sent = new AtomicLong();
        try (Socket hog = connect(); Socket other = connect()) {
            OutputStream out = hog.getOutputStream();
            Thread writer = new Thread(() -> {
                byte[] block = new byte[64 * 1024];
                try {
                    for (int i = 0; i < 1024; i++) { // up to 64 MiB, never reading the echo
                        out.write(block);
                        sent.addAndGet(block.length);
                    }
                } catch (Exception closed) {
                    // the test closes the socket to end this thread
                }
            });
            writer.setDaemon(true);
            writer.start();
            // wait until the writer is stuck: sent stops growing
            long last = -1;
            for (int i = 0; i < 200 && sent.get() != last; i++) {
                last = sent.get();
                Thread.sleep(100);
            }
            assertTrue(sent.get() < 64L << 20, "the writer should be blocked by backpressure, sent " + sent.get());
            // the server holds at most one receive chunk for the hog, on the heap nothing
            int lent = Coroutine.spawn(group.get(0), () -> BufferPool.of(group.get(0)).lentCount()).join(WAIT);
            assertTrue(lent <= 1, "chunks held by the server: " + lent);
            // and another connection is served normally meanwhile
            write(other.getOutputStream(), "unaffected");
            assertEquals("unaffected", new String(readExactly(other.getInputStream(), 10)));
            hog.close();
            writer.join(Duration.ofSeconds(20).toMillis());
        }
    }
}
