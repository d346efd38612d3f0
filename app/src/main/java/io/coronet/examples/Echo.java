package io.coronet.examples;

import io.coronet.net.Chunk;
import io.coronet.net.Connection;

import java.io.IOException;

/** The echo protocol as coroutine code: every byte received goes back, until the peer closes. Any
 * {@link Connection} (TCP, TLS, ...). */
public final class Echo {
    private Echo() {
    }

    /** Echoes until end of stream. One read and one write syscall per message. */
    public static void serve(Connection conn) throws IOException {
        while (true) {
            try (Chunk chunk = conn.receive()) {
                if (chunk == null) {
                    return; // the peer closed its side: so do we (the caller closes)
                }
                conn.send(chunk);
            }
        }
    }
}
