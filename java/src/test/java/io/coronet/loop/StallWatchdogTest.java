package io.coronet.loop;

import io.coronet.coro.Coroutine;
import io.coronet.coro.LogCapture;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.*;

class StallWatchdogTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    EventLoop loop;
    LogCapture log;
    Duration savedThreshold;

    @BeforeEach
    void start() throws Exception {
        savedThreshold = StallWatchdog.threshold();
        StallWatchdog.setThreshold(Duration.ofMillis(100));
        log = new LogCapture(StallWatchdog.class.getName());
        loop = EventLoop.start("stall-test-" + System.nanoTime());
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdown(Duration.ofMillis(100));
        assertTrue(loop.awaitTermination(WAIT));
        log.close();
        StallWatchdog.setThreshold(savedThreshold);
    }

    /** The blocking call the report must point at. */
    private static void blocksTheLoop() throws InterruptedException {
        Thread.sleep(300);
    }

    private List<LogRecord> recordsOf(Level level) {
        return log.records().stream()
                .filter(r -> r.getLevel() == level && r.getMessage().contains("'" + loop.name() + "'"))
                .toList();
    }

    private void stallOnce() throws Exception {
        Coroutine.launch(loop, StallWatchdogTest::blocksTheLoop).join(WAIT);
        Coroutine.launch(loop, () -> Coroutine.sleep(Duration.ofMillis(50))).join(WAIT); // a few normal ticks after it
    }

    @Test
    void aSleepOnTheLoopIsReportedOnceWithTheBlockingFrameAndAgainWhenItRecovers() throws Exception {
        stallOnce();
        assertTrue(log.awaitMessage("recovered", 10_000), "no recovery record: " + log.records());
        List<LogRecord> stalls = recordsOf(Level.WARNING);
        assertEquals(1, stalls.size(), "one stall, one report: " + stalls.stream().map(LogRecord::getMessage).toList());
        String report = stalls.get(0).getMessage();
        assertTrue(report.contains("blocksTheLoop"), "the blocking frame is missing: " + report);
        assertTrue(report.contains("java.lang.Thread.sleep"), report);
        List<LogRecord> recoveries = recordsOf(Level.INFO);
        assertEquals(1, recoveries.size());
        String recovery = recoveries.get(0).getMessage();
        long ms = Long.parseLong(recovery.replaceAll(".*stall of (\\d+) ms.*", "$1"));
        assertTrue(ms >= 250, "the stall slept 300 ms, reported " + ms + ": " + recovery);
    }

    @Test
    void aStallIsAJfrEvent() throws Exception {
        Path file = Files.createTempFile("coronet-stall", ".jfr");
        try (Recording r = new Recording()) {
            r.enable("io.coronet.LoopStall");
            r.start();
            stallOnce();
            assertTrue(log.awaitMessage("recovered", 10_000), "no recovery: " + log.records());
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.coronet.LoopStall"))
                .filter(e -> loop.name().equals(e.getString("loop")))
                .toList();
        Files.deleteIfExists(file);
        assertEquals(1, events.size(), "events: " + events);
        RecordedEvent e = events.get(0);
        assertTrue(e.getDuration("stall").toMillis() >= 250, e.toString());
        assertTrue(e.getString("stackTop").contains("Thread.sleep"), e.getString("stackTop"));
    }

    @Test
    void thresholdZeroSwitchesItOff() throws Exception {
        StallWatchdog.setThreshold(Duration.ZERO);
        stallOnce();
        Thread.sleep(200); // what would have been reported by now
        assertEquals(List.of(), recordsOf(Level.WARNING));
        assertEquals(List.of(), recordsOf(Level.INFO));
    }

    @Test
    void aLoopIdleInPollIsNeverAStall() throws Exception {
        Coroutine.launch(loop, () -> Coroutine.sleep(Duration.ofMillis(400))).join(WAIT); // sleeps in poll, not in a tick
        Thread.sleep(100);
        assertEquals(List.of(), recordsOf(Level.WARNING));
    }

    @Test
    void theThresholdPropertyParses() {
        assertEquals(Duration.ofMillis(100).toNanos(), StallWatchdog.parseThreshold("100ms"));
        assertEquals(Duration.ofSeconds(2).toNanos(), StallWatchdog.parseThreshold("2s"));
        assertEquals(Duration.ofMillis(250).toNanos(), StallWatchdog.parseThreshold("250"));
        assertEquals(0, StallWatchdog.parseThreshold("0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StallWatchdog.parseThreshold("fast"));
        assertTrue(e.getMessage().contains("coronet.stall.threshold"), e.getMessage());
    }
}
