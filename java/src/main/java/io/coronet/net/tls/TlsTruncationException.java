package io.coronet.net.tls;

import javax.net.ssl.SSLException;

/**
 * The peer's TCP stream ended without a TLS close_notify: the data may have been cut short by
 * an attacker or a crash, so it is not reported as a clean end of stream (which a close_notify
 * is). A peer that simply drops the connection after its last response is common (HTTP/1.0
 * style); code that knows its protocol frames its own messages may treat this as EOF.
 */
public final class TlsTruncationException extends SSLException {
    TlsTruncationException(String message) {
        super(message);
    }

    @Override
    public Throwable fillInStackTrace() {
        return this; // routine for a server (every client that just drops the socket); the message says it all
    }
}
