package io.coronet.coro;

/**
 * A {@link Channel} was closed: a send after (or waiting during) {@link Channel#close()} sent
 * nothing; a {@link Channel#receive()} found it closed and drained (every element sent before
 * the close has been received). Not an I/O failure: a normal end that code may branch on.
 */
public final class ChannelClosedException extends IllegalStateException {
    public ChannelClosedException(String message) {
        super(message);
    }
}
