package io.coronet.examples;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Task;
import io.coronet.loop.EventLoop;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Seed program S6: a coroutine that sleeps, then prints, run to completion on an event loop.
 *
 * <pre>
 * &#64;coroutine
 * def foo():
 *     yield from asyncio.sleep(1)
 *     print("Hello Foo")
 *
 * loop = asyncio.get_event_loop()
 * loop.run_until_complete(loop.create_task(foo()))
 * loop.close()
 * </pre>
 *
 * <p>{@code yield from asyncio.sleep(1)} becomes {@link Coroutine#sleep}: the coroutine's
 * continuation is parked on a loop timer and the loop thread is free meanwhile; no
 * {@code yield from} chain is needed because the whole call stack is suspended.
 * {@code run_until_complete} is launch + join (this thread parks until the task is done), and
 * {@code loop.close()} is {@link EventLoop#close()}.
 */
public final class S6SleepHello {
    private S6SleepHello() {
    }

    /** Sleeps {@code sleep} in a coroutine on a fresh event loop, prints "Hello Foo" to out, closes the loop. */
    public static void run(PrintStream out, Duration sleep) throws Exception {
        runUntilComplete(out, sleep);
    }

    /** {@link #run}, returning the (closed) loop so tests can check it really ended. */
    static EventLoop runUntilComplete(PrintStream out, Duration sleep) throws Exception {
        EventLoop loop = EventLoop.start("s6-loop");     // loop = asyncio.get_event_loop()
        try {
            Task<Void> foo = Coroutine.launch(loop, "foo", () -> {
                Coroutine.sleep(sleep);                  // yield from asyncio.sleep(1)
                out.println("Hello Foo");                // print("Hello Foo")
            });
            foo.join();                                  // loop.run_until_complete(...)
        } finally {
            loop.close();                                // loop.close(): waits for the loop thread to end
        }
        return loop;
    }

    public static void main(String[] args) throws Exception {
        run(System.out, Duration.ofSeconds(1));
    }
}
