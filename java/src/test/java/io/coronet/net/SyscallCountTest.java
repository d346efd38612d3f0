package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.ffi.NativeStats;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Syscalls counted by {@link NativeStats}, which the java module's test-syscall-counts execution
 * turns on (-Dcoronet.stats=true): a pipelined client's 16 requests, received in one read,
 * are answered with one writev when buffered (16 writes when not).
 */
class SyscallCountTest {
    static final int REQUESTS = 16;

    /** Serves line requests on the pair's connection until EOF, answering each; buffered or not. */
    private static Task<Void> serve(LoopbackPair p, boolean buffered) {
        return Coroutine.launch(p.loop, () -> {
            String line;
            while ((line = p.conn.readLine(100)) != null) {
                if (buffered) {
                    p.conn.buffered().write("+" + line + "\n");
                } else {
                    p.conn.write("+" + line + "\n");
                }
            }
        });
    }

    private static long[] pipelined(LoopbackPair p) throws IOException {
        StringBuilder requests = new StringBuilder();
        StringBuilder replies = new StringBuilder();
        for (int i = 0; i < REQUESTS; i++) {
            requests.append("req").append(i % 10).append('\n');
            replies.append("+req").append(i % 10).append('\n');
        }
        long writes = NativeStats.get(NativeStats.Kind.WRITE);
        long reads = NativeStats.get(NativeStats.Kind.READ);
        p.client.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII)); // one segment
        assertEquals(replies.toString(), p.clientRead(replies.length()));
        return new long[] {NativeStats.get(NativeStats.Kind.READ) - reads, NativeStats.get(NativeStats.Kind.WRITE) - writes};
    }

    @Test
    void sixteenPipelinedRepliesLeaveInOneWritev() throws Exception {
        assumeTrue(NativeStats.ENABLED, "needs -Dcoronet.stats=true (mvn runs it in the test-syscall-counts execution)");
        try (LoopbackPair p = new LoopbackPair("syscalls")) {
            Task<Void> server = serve(p, true);
            pipelined(p); // warm up: the first round may see the requests in two reads
            long[] counts = pipelined(p);
            assertEquals(1, counts[0], "the 16 requests arrive in one read");
            assertEquals(1, counts[1], "and their 16 replies leave in one writev");
            p.client.shutdownOutput();
            server.join(LoopbackPair.WAIT);
        }
    }

    /** The echo path stays at one read and one write per message (the loop's waits aside). */
    @Test
    void anEchoedMessageIsOneReadAndOneWrite() throws Exception {
        assumeTrue(NativeStats.ENABLED, "needs -Dcoronet.stats=true (mvn runs it in the test-syscall-counts execution)");
        try (LoopbackPair p = new LoopbackPair("syscalls")) {
            Task<Void> echo = Coroutine.launch(p.loop, () -> {
                while (true) {
                    try (Chunk c = p.conn.receive()) {
                        if (c == null) {
                            return;
                        }
                        p.conn.send(c);
                    }
                }
            });
            String message = "x".repeat(64);
            p.clientWrite(message);
            assertEquals(message, p.clientRead(64)); // warm up
            long writes = NativeStats.get(NativeStats.Kind.WRITE);
            long reads = NativeStats.get(NativeStats.Kind.READ);
            for (int i = 0; i < 20; i++) {
                p.clientWrite(message);
                assertEquals(message, p.clientRead(64));
            }
            assertEquals(20, NativeStats.get(NativeStats.Kind.READ) - reads, "reads for 20 messages");
            assertEquals(20, NativeStats.get(NativeStats.Kind.WRITE) - writes, "writes for 20 messages");
            p.client.shutdownOutput();
            echo.join(LoopbackPair.WAIT);
        }
    }

    @Test
    void unbufferedRepliesCostOneWriteEach() throws Exception {
        assumeTrue(NativeStats.ENABLED, "needs -Dcoronet.stats=true (mvn runs it in the test-syscall-counts execution)");
        try (LoopbackPair p = new LoopbackPair("syscalls")) {
            Task<Void> server = serve(p, false);
            pipelined(p);
            long[] counts = pipelined(p);
            assertEquals(1, counts[0]);
            assertEquals(REQUESTS, counts[1], "one write per reply: what buffering saves");
            p.client.shutdownOutput();
            server.join(LoopbackPair.WAIT);
        }
    }
}
