package io.coronet.net;

import io.coronet.coro.Select;
import io.coronet.coro.Task;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 12.3 at the connection level: readable means queued bytes too, and a losing clause reads nothing. */
class ConnectionSelectTest {

    @Test
    void bytesQueuedAfterALineMakeTheConnectionReadable() throws Exception {
        try (LoopbackPair p = new LoopbackPair("select")) {
            p.clientWrite("one\ntwo\n"); // one segment: "two" waits in the inbound buffer, not in the kernel
            List<String> got = p.on(() -> {
                List<String> lines = new ArrayList<>();
                lines.add(p.conn.readLine(10));
                lines.add(Select.<String>first()
                        .on(p.conn.readable(() -> p.conn.readLine(10)))
                        .onTimeout(Duration.ofSeconds(20), () -> "timeout: the queued line was not seen")
                        .await());
                return lines;
            });
            assertEquals(List.of("one", "two"), got);
        }
    }

    @Test
    void aLosingReadableClauseLeavesEveryByte() throws Exception {
        try (LoopbackPair p = new LoopbackPair("select")) {
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                sent.append("line ").append(i).append('\n');
            }
            p.clientWrite(sent.toString());
            String got = p.on(() -> {
                StringBuilder all = new StringBuilder();
                Task<String> done = new Task<>();
                done.complete("other");
                int lost = 0;
                while (all.length() < sent.length() && lost < 10_000) {
                    // both clauses are ready: the fair select picks either; the loser must take nothing
                    String r = Select.<String>first()
                            .on(p.conn.readable(() -> p.conn.readLine(20)))
                            .onComplete(done, v -> null)
                            .await();
                    if (r == null) {
                        lost++;
                    } else {
                        all.append(r).append('\n');
                    }
                }
                assertTrue(lost > 0, "the other clause never won: nothing was tested");
                return all.toString();
            });
            assertEquals(sent.toString(), got);
        }
    }

    @Test
    void aReadableClauseWaitsForTheKernel() throws Exception {
        try (LoopbackPair p = new LoopbackPair("select")) {
            Task<String> selecting = io.coronet.coro.Coroutine.spawn(p.loop, () -> Select.<String>first()
                    .on(p.conn.readable(() -> {
                        try (Chunk c = p.conn.receive()) {
                            return c.toText();
                        }
                    }))
                    .onTimeout(Duration.ofSeconds(20), () -> "timeout")
                    .await());
            Thread.sleep(50);
            assertFalse(selecting.isDone(), "nothing to read yet");
            p.clientWrite("late");
            assertEquals("late", selecting.join(LoopbackPair.WAIT));
        }
    }
}
