package io.coronet.net;

import io.coronet.coro.Coroutine;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 11.2: a closed chunk is gone: every access throws, and it never shows another borrower's bytes. */
class ChunkTest {

    @Test
    void everyAccessToAClosedChunkThrowsAndADoubleCloseIsHarmless() throws Exception {
        try (LoopbackPair p = new LoopbackPair("chunk")) {
            p.clientWrite("hello");
            String result = p.on(() -> {
                Chunk c = p.conn.receive();
                assertEquals("hello", c.toText());
                c.close();
                assertTrue(c.isClosed());
                for (Runnable access : new Runnable[] {
                        () -> c.get(0), c::length, c::isEmpty, c::toByteArray, c::toText}) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, access::run);
                    assertTrue(e.getMessage().contains("chunk used after close()"), e.getMessage());
                }
                assertThrows(IllegalStateException.class, () -> p.conn.send(c));
                c.close(); // harmless
                assertEquals(0, BufferPool.of(p.loop).lentCount());
                return "ok";
            });
            assertEquals("ok", result);
            assertEquals(0, p.client.getInputStream().available(), "a closed chunk was not sent");
        }
    }

    /** Today's pool reused the Chunk object itself: the stale handle read the next message, here another connection's. */
    @Test
    void aStaleChunkNeverShowsTheNextBorrowersBytes() throws Exception {
        try (LoopbackPair p = new LoopbackPair("chunk");
             Socket other = new Socket()) {
            other.connect(new InetSocketAddress("127.0.0.1", p.on(p.listener::port)), 10_000);
            TcpConnection second = p.on(p.listener::accept);
            p.clientWrite("mine");
            other.getOutputStream().write("SECRET-OF-ANOTHER-CONNECTION".getBytes());
            String seen = p.on(() -> {
                Chunk stale = p.conn.receive();
                stale.close();
                try (Chunk next = second.receive()) { // the pool lends the same buffer again (LIFO)
                    assertEquals("SECRET-OF-ANOTHER-CONNECTION", next.toText());
                    try {
                        return "stale chunk read: " + stale.toText();
                    } catch (IllegalStateException refused) {
                        return "refused";
                    }
                }
            });
            assertEquals("refused", seen);
            Coroutine.spawn(p.loop, () -> {
                second.close();
                return null;
            }).join(LoopbackPair.WAIT);
        }
    }
}
