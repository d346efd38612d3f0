package io.coronet.poll;

/** A {@link Poller} was used after {@link Poller#close()}. */
public final class ClosedPollerException extends IllegalStateException {

    ClosedPollerException() {
        super("Poller is closed");
    }
}
