package io.coronet.coro;

import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One fresh event loop per test, shut down and awaited after it. */
abstract class LoopFixture {
    static final Duration WAIT = Duration.ofSeconds(20);
    EventLoop loop;

    @BeforeEach
    void startLoop() throws Exception {
        loop = EventLoop.start(getClass().getSimpleName());
    }

    @AfterEach
    void stopLoop() throws Exception {
        loop.shutdown(Duration.ofMillis(200));
        assertTrue(loop.awaitTermination(WAIT), "event loop did not terminate");
    }

    <T> T run(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(loop, body).join(WAIT);
    }
}
