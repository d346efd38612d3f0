package io.coronet.coro;

import io.coronet.loop.EventLoop;

/** Run in a child JVM without --add-exports by CoroutineTest: prints the error a user would see. */
public final class NoExportsProbe {
    public static void main(String[] args) throws Exception {
        EventLoop loop = EventLoop.start("probe");
        try {
            Coroutine.launch(loop, () -> { }).join();
            System.out.println("coroutine ran: the flag was not needed?");
            System.exit(0);
        } catch (UnsupportedOperationException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        } finally {
            loop.close();
        }
    }
}
