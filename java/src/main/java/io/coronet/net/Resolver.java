package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Offload;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.UnresolvedHostException;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.util.List;

/**
 * Host names to numeric addresses, never on an event loop's thread: a numeric host is returned
 * as it is (no lookup, no hand-off), a name is resolved with getaddrinfo(3) on the
 * {@link Offload} pool while the calling coroutine suspends, under its deadline and
 * cancellation (a cancelled lookup interrupts nothing useful, getaddrinfo cannot be
 * interrupted, but the coroutine resumes at once and the pool thread is reported if the lookup
 * hangs). From a platform thread the lookup runs on the caller's thread.
 *
 * <pre>{@code
 * List<String> addresses = Resolver.resolve("example.com", 443);   // e.g. [2606:2800:..., 93.184.215.14]
 * }</pre>
 *
 * Failures: {@link UnresolvedHostException} naming the host and the resolver's reason
 * (EAI_NONAME, EAI_AGAIN, ...).
 */
public final class Resolver {
    private Resolver() {
    }

    /** The addresses of {@code host} for connecting to {@code port}, in the resolver's order. */
    public static List<String> resolve(String host, int port) throws Exception {
        return resolve(host, port, false);
    }

    /** The addresses to listen on for {@code host} ({@code "::"}, {@code "0.0.0.0"}, a name...). */
    public static List<String> resolveForListening(String host, int port) throws Exception {
        return resolve(host, port, true);
    }

    private static List<String> resolve(String host, int port, boolean passive) throws Exception {
        String numeric = NativeSockets.numericAddress(host); // never blocks
        if (numeric != null) {
            return List.of(numeric);
        }
        if (Coroutine.current() == null && EventLoop.isLoopThread()) {
            throw new IllegalStateException("resolving '" + host + "' on event loop thread '" + Thread.currentThread().getName()
                    + "' outside a coroutine would block that loop; pass a numeric address or call it from a coroutine");
        }
        return Offload.call(() -> NativeSockets.resolve(host, port, passive));
    }

    /** True if {@code host} is a numeric IPv4 or IPv6 address (no lookup needed). */
    public static boolean isNumeric(String host) throws IOException {
        return NativeSockets.numericAddress(host) != null;
    }
}
