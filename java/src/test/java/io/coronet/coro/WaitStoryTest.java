package io.coronet.coro;

import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 11 item 5: one timeout story for Task.join(Duration); join() on a loop thread; foreign threads and loops. */
class WaitStoryTest extends LoopFixture {

    private Task<String> never() {
        return new Task<>();
    }

    @Test
    void joinWithADurationThrowsTimeoutExceptionOnAThread() {
        assertThrows(TimeoutException.class, () -> never().join(Duration.ofMillis(10)));
    }

    @Test
    void joinWithADurationThrowsTimeoutExceptionInACoroutineToo() throws Exception {
        Object r = run(() -> {
            try {
                return never().join(Duration.ofMillis(10));
            } catch (TimeoutException e) {
                return e;
            }
        });
        assertInstanceOf(TimeoutException.class, r, "a coroutine's join(Duration) must tell the same story as a thread's");
    }

    @Test
    void anEnclosingDeadlineThatPassesFirstIsReportedAsItself() throws Exception {
        Object r = run(() -> {
            try (Deadline d = Deadline.after(Duration.ofMillis(10))) {
                return never().join(Duration.ofSeconds(30));
            } catch (CoroutineTimeoutException e) {
                return e;
            }
        });
        assertInstanceOf(CoroutineTimeoutException.class, r);
    }

    @Test
    void joinInsideACoroutineSuspendsAndWorks() throws Exception {
        String r = run(() -> {
            Task<String> child = Coroutine.spawn(loop, () -> {
                Coroutine.sleep(Duration.ofMillis(5));
                return "child";
            });
            return child.join() + "+" + Coroutine.spawn(loop, () -> "again").join(Duration.ofSeconds(10));
        });
        assertEquals("child+again", r);
    }

    @Test
    void joinOnALoopThreadOutsideACoroutineThrowsSayingWhy() throws Exception {
        Task<Throwable> outcome = new Task<>();
        loop.execute(() -> {
            try {
                never().join();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Throwable t = outcome.join(WAIT);
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(t.getMessage().contains("await from a coroutine"), t.getMessage());
    }

    @Test
    void deadlineAndSleepRefuseAForeignThreadSayingHowToHandWorkToTheLoop() {
        IllegalStateException d = assertThrows(IllegalStateException.class, () -> Deadline.after(Duration.ofSeconds(1)));
        assertTrue(d.getMessage().contains("Deadline.after must be called from a coroutine"), d.getMessage());
        assertTrue(d.getMessage().contains("Coroutine.spawn(loop, ...)"), d.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> Coroutine.sleep(Duration.ofMillis(1)));
        assertTrue(s.getMessage().contains("Coroutine.spawn(loop, ...)"), s.getMessage());
    }

    @Test
    void aCoroutineOfLoopBCannotTouchLoopATimers() throws Exception {
        EventLoop b = EventLoop.start("loop-b");
        try {
            AtomicReference<Deadline> leaked = new AtomicReference<>();
            Task<Void> holder = Coroutine.launch(loop, () -> {
                try (Deadline d = Deadline.after(Duration.ofSeconds(30))) {
                    leaked.set(d);
                    Coroutine.sleep(Duration.ofMillis(200));
                }
            });
            while (leaked.get() == null) {
                Thread.sleep(1);
            }
            String[] r = Coroutine.spawn(b, () -> {
                String schedule, close;
                try {
                    loop.schedule(Duration.ofSeconds(1), () -> { });
                    schedule = "scheduled on a foreign loop";
                } catch (IllegalStateException e) {
                    schedule = e.getMessage();
                }
                try {
                    leaked.get().close();
                    close = "closed a foreign deadline";
                } catch (IllegalStateException e) {
                    close = e.getMessage();
                }
                return new String[] {schedule, close};
            }).join(WAIT);
            assertTrue(r[0].contains("must run on event loop thread '" + loop.name() + "'"), r[0]);
            assertTrue(r[1].contains("closed by the coroutine that opened it"), r[1]);
            holder.join(WAIT); // its own deadline still closes normally
        } finally {
            b.close();
        }
    }
}
