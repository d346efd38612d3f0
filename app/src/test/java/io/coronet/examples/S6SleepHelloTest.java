package io.coronet.examples;

import io.coronet.loop.EventLoop;
import io.coronet.loop.EventLoopClosedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.coronet.examples.SeedTestSupport.assertThreadsEnd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class S6SleepHelloTest {

    @Test
    void printsHelloFooAfterSleepingAndClosesTheLoop() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Duration sleep = Duration.ofMillis(100);
        long start = System.nanoTime();
        EventLoop loop;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            loop = S6SleepHello.runUntilComplete(out, sleep);
        }
        long elapsed = System.nanoTime() - start;

        assertEquals("Hello Foo" + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
        // a lower bound only: the timer cannot fire early, however slow the machine is
        assertTrue(elapsed >= sleep.toNanos(), "returned after " + elapsed + " ns, before the sleep ended");
        assertTrue(loop.isTerminated(), "loop.close() must have ended the loop");
        assertThrows(EventLoopClosedException.class, () -> loop.execute(() -> { }));
        assertThreadsEnd("s6-loop");
    }

    @Test
    void publicRunPrintsExactlyOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            S6SleepHello.run(out, Duration.ZERO);
        }
        assertEquals("Hello Foo" + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
        assertThreadsEnd("s6-loop");
    }
}
