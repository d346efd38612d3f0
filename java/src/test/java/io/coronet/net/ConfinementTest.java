package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoop;
import io.coronet.loop.WrongLoopException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11.1: a loop-confined object used from a thread that is not its loop's is refused at
 * once, with a message that names the owner and how to hand the work over, and stays usable by
 * its owner. Today's code let a write from a platform thread through (and under load mixed one
 * connection's bytes into another's).
 */
class ConfinementTest {

    @Test
    void aWriteFromAPlatformThreadIsRefusedNamingTheLoopAndSendsNothing() throws Exception {
        try (LoopbackPair p = new LoopbackPair("owner-0")) {
            WrongLoopException e = assertThrows(WrongLoopException.class, () -> p.conn.write("stray"));
            String m = e.getMessage();
            assertTrue(m.startsWith("TcpConnection[fd=" + p.conn.fd() + "] belongs to event loop 'owner-0'"), m);
            assertTrue(m.contains("thread '" + Thread.currentThread().getName() + "'"), m);
            assertTrue(m.contains("loop.execute") && m.contains("Channel"), m);
            // the owner still uses it, and the refused bytes never went out
            p.on(() -> {
                p.conn.write("ok");
                return null;
            });
            assertEquals("ok", p.clientRead(2));
            assertEquals(0, p.client.getInputStream().available());
        }
    }

    @Test
    void aCoroutineOfAnotherLoopIsRefused() throws Exception {
        try (LoopbackPair p = new LoopbackPair("owner-0")) {
            EventLoop other = EventLoop.start("other-1");
            try {
                WrongLoopException e = assertThrows(WrongLoopException.class,
                        () -> Coroutine.spawn(other, () -> p.conn.receive()).join(LoopbackPair.WAIT));
                String m = e.getMessage();
                assertTrue(m.contains("belongs to event loop 'owner-0'"), m);
                assertTrue(m.contains("a coroutine of event loop 'other-1'"), m);
            } finally {
                other.close();
            }
            p.clientWrite("still mine");
            assertEquals("still mine", p.on(() -> {
                try (Chunk c = p.conn.receive()) {
                    return c.toText();
                }
            }));
        }
    }

    @Test
    void everyEntryPointRefusesAForeignThread() throws Exception {
        try (LoopbackPair p = new LoopbackPair("owner-0"); NativeBuffer buf = NativeBuffer.allocate(16)) {
            p.clientWrite("abc");
            Chunk chunk = p.on(() -> p.conn.receive()); // an open chunk, handed (wrongly) to this thread
            TcpConnection c = p.conn;
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("receive", c::receive);
            calls.put("read", () -> c.read(buf, 0, 16));
            calls.put("readExactly", () -> c.readExactly(buf, 0, 4));
            calls.put("readLine", () -> c.readLine(10));
            calls.put("readLine timeout", () -> c.readLine(10, Duration.ofSeconds(1)));
            calls.put("isEof", c::isEof);
            calls.put("write bytes", () -> c.write(new byte[] {1}));
            calls.put("write buffer", () -> c.write(buf, 0, 1));
            calls.put("send", () -> c.send(chunk));
            calls.put("buffered", c::buffered);
            calls.put("flush", c::flush);
            calls.put("shutdownOutput", c::shutdownOutput);
            calls.put("localAddress", c::localAddress);
            calls.put("remoteAddress", c::remoteAddress);
            calls.put("close", c::close);
            calls.put("chunk.get", () -> chunk.get(0));
            calls.put("chunk.length", chunk::length);
            calls.put("chunk.toText", chunk::toText);
            calls.put("chunk.close", chunk::close);
            calls.put("listener.accept", p.listener::accept);
            calls.put("listener.port", p.listener::port);
            calls.put("listener.close", p.listener::close);
            calls.put("BufferPool.of", () -> BufferPool.of(p.loop));
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                WrongLoopException e = assertThrows(WrongLoopException.class, call.getValue(), call.getKey());
                assertTrue(e.getMessage().contains("event loop 'owner-0'"), call.getKey() + ": " + e.getMessage());
            }
            BufferedOutput out = p.on(p.conn::buffered);
            assertThrows(WrongLoopException.class, () -> out.write("x"));
            assertThrows(WrongLoopException.class, out::flush);
            // nothing was touched: the owner reads the chunk, writes, and the listener still accepts
            assertEquals("abc", p.on(() -> {
                try (chunk) {
                    p.conn.write("fine");
                    return chunk.toText();
                }
            }));
            assertEquals("fine", p.clientRead(4));
            assertFalse(p.on(() -> p.listener.isClosed()));
        }
    }
}
