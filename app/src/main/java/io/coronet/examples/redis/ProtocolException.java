package io.coronet.examples.redis;

import java.io.IOException;

/**
 * The client broke RESP: the server answers {@code -ERR Protocol error: <message>} and closes
 * the connection, as Redis does (the stream cannot be resynchronised).
 */
final class ProtocolException extends IOException {
    ProtocolException(String message) {
        super(message, null);
    }

    @Override
    public Throwable fillInStackTrace() {
        return this; // a peer's mistake, not ours: no stack walk
    }
}
