package io.coronet.loop;

/**
 * What an {@link EventLoop} calls when the poller reports readiness for a registered fd.
 *
 * <p>Readiness is a hint (see the Poller's contract): a handler records it and lets the owner
 * retry its operation until EAGAIN. Handlers run on the loop thread, between polls, and must
 * not block.
 */
public interface IoHandler {

    /** @param events the {@code io.coronet.poll.Interest} bits the poller reported */
    void onReady(int events);

    /**
     * Called once when the loop shuts down while this handler is still registered: release the
     * fd. After it returns the loop forgets the handler.
     */
    void onLoopClose();
}
