package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.coro.Channel;
import io.coronet.coro.Coroutine;
import io.coronet.coro.CoroutineTimeoutException;
import io.coronet.coro.Deadline;
import io.coronet.coro.Scope;
import io.coronet.coro.Select;
import io.coronet.ffi.NativeSockets;
import io.coronet.loop.EventLoop;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The connect path of {@link TcpConnection#connect}: resolve off the loop ({@link Resolver}),
 * then race the addresses RFC 8305 style ("happy eyeballs").
 *
 * <ol>
 *   <li>The resolver's addresses are reordered to alternate between IPv6 and IPv4, starting
 *   with the family of the first one (RFC 8305 section 4), so one broken family costs at most
 *   one attempt delay.</li>
 *   <li>Attempt 1 starts at once; each next one starts when the previous one failed or the
 *   connection attempt delay (250 ms, {@code -Dcoronet.connect.attemptDelayMillis}) passed,
 *   whichever is first. Attempts run in parallel, each in its own coroutine.</li>
 *   <li>The first attempt to connect wins; the others are cancelled and their sockets closed
 *   (one that connected at the same moment too).</li>
 *   <li>Everything runs within the caller's timeout (and its enclosing deadlines, and its
 *   cancellation). If every address fails: the single address's own exception, or a
 *   {@link ConnectFailedException} naming the host and every address with its error.</li>
 * </ol>
 *
 * So {@code connect("localhost", p)} reaches a server on 127.0.0.1 even where the hosts file
 * lists ::1 first: ::1 is refused (at once, on loopback) and 127.0.0.1 is tried next.
 */
final class Connector {
    static final long ATTEMPT_DELAY_NANOS =
            Duration.ofMillis(Long.getLong("coronet.connect.attemptDelayMillis", 250)).toNanos();

    private Connector() {
    }

    private record Outcome(String address, AsyncFd fd, IOException failure) {
    }

    /** Resolves and connects from the current coroutine within {@code timeout}. */
    static AsyncFd connect(String host, int port, Duration timeout) throws Exception {
        Coroutine co = Coroutine.current();
        if (co == null) {
            throw new IllegalStateException("TcpConnection.connect must be called from a coroutine (Coroutine.spawn)");
        }
        long start = System.nanoTime();
        try (Deadline d = Deadline.after(timeout)) {
            List<String> addresses;
            try {
                addresses = Resolver.resolve(host, port);
            } catch (CoroutineTimeoutException e) {
                throw timedOut(host, port, start, "while resolving the name", e);
            }
            return connect(co.loop(), host, port, addresses, ATTEMPT_DELAY_NANOS, start);
        }
    }

    /** Races {@code addresses} (numeric, resolver order) from the current coroutine. */
    static AsyncFd connect(EventLoop loop, String host, int port, List<String> addresses, long attemptDelayNanos,
                           long start) throws Exception {
        List<String> order = interleave(addresses);
        int n = order.size();
        Channel<Outcome> outcomes = new Channel<>(n); // never full: attempts hand over without waiting
        Map<String, IOException> failures = new LinkedHashMap<>();
        AsyncFd winner = null;
        boolean returned = false;
        int started = 0;
        int finished = 0;
        try {
            try (Scope scope = Scope.open()) {
                long lastStart = System.nanoTime();
                launch(scope, loop, order.get(started++), port, outcomes);
                while (true) {
                    Outcome o;
                    if (started < n) {
                        long wait = lastStart + attemptDelayNanos - System.nanoTime();
                        o = Select.<Outcome>first()
                                .onReceive(outcomes, x -> x)
                                .onTimeout(Duration.ofNanos(Math.max(0, wait)), () -> null)
                                .await();
                    } else {
                        o = outcomes.receive();
                    }
                    if (o == null || o.fd == null) {
                        if (o != null) {
                            finished++;
                            failures.put(label(o.address, port), o.failure);
                        }
                        if (started < n) { // the delay passed, or the last attempt failed: the next one now
                            lastStart = System.nanoTime();
                            launch(scope, loop, order.get(started++), port, outcomes);
                        } else if (finished == n) {
                            break;
                        }
                        continue;
                    }
                    winner = o.fd;
                    break;
                }
            } // cancels the attempts still running and waits until they closed their sockets
            if (winner == null) {
                if (n == 1) {
                    throw failures.values().iterator().next();
                }
                throw new ConnectFailedException(host, port, failures);
            }
            returned = true;
            return winner;
        } catch (CoroutineTimeoutException e) {
            StringBuilder tried = new StringBuilder("; tried");
            for (int i = 0; i < started; i++) {
                String l = label(order.get(i), port);
                IOException f = failures.get(l);
                tried.append(i == 0 ? " " : ", ").append(l).append(f != null ? " " + reason(f) : " (still connecting)");
            }
            throw timedOut(host, port, start, tried.toString(), e);
        } finally {
            // an attempt that connected at the same moment as the winner, or after we gave up
            Outcome o;
            while ((o = outcomes.tryReceive()) != null) {
                if (o.fd != null && (o.fd != winner || !returned)) {
                    closeQuietly(o.fd);
                }
            }
            if (winner != null && !returned) {
                closeQuietly(winner);
            }
        }
    }

    private static void launch(Scope scope, EventLoop loop, String address, int port, Channel<Outcome> outcomes) {
        scope.launch(() -> attempt(loop, address, port, outcomes));
    }

    /** One connection attempt; reports its outcome without waiting (trySend on a channel with room for all). */
    private static void attempt(EventLoop loop, String address, int port, Channel<Outcome> outcomes) throws Exception {
        AsyncFd fd = null;
        boolean handedOver = false;
        try {
            int raw = NativeSockets.connectAddress(address, port);
            try {
                fd = AsyncFd.register(loop, raw);
            } catch (IOException | RuntimeException e) {
                NativeSockets.close(raw);
                throw e;
            }
            fd.writeBlocked(); // a connect in progress is not writable until the kernel says so
            fd.awaitWritable();
            NativeSockets.checkConnected(fd.fd());
            handedOver = outcomes.trySend(new Outcome(address, fd, null));
        } catch (IOException e) {
            outcomes.trySend(new Outcome(address, null, e));
        } finally {
            if (!handedOver && fd != null) {
                closeQuietly(fd); // failed or cancelled (lost the race)
            }
        }
    }

    /** RFC 8305 section 4: alternate the families, starting with the first address's. */
    static List<String> interleave(List<String> addresses) {
        List<String> first = new ArrayList<>();
        List<String> other = new ArrayList<>();
        boolean firstIsV6 = isV6(addresses.get(0));
        for (String a : addresses) {
            (isV6(a) == firstIsV6 ? first : other).add(a);
        }
        List<String> out = new ArrayList<>(addresses.size());
        for (int i = 0; i < Math.max(first.size(), other.size()); i++) {
            if (i < first.size()) {
                out.add(first.get(i));
            }
            if (i < other.size()) {
                out.add(other.get(i));
            }
        }
        return out;
    }

    private static boolean isV6(String address) {
        return address.indexOf(':') >= 0;
    }

    static String label(String address, int port) {
        return (isV6(address) ? "[" + address + "]" : address) + ":" + port;
    }

    /** "ECONNREFUSED (Connection refused)" out of "connect(fd=12): ECONNREFUSED (Connection refused)". */
    static String reason(IOException e) {
        String m = String.valueOf(e.getMessage());
        int at = m.indexOf("): ");
        return at >= 0 ? m.substring(at + 3) : m;
    }

    private static CoroutineTimeoutException timedOut(String host, int port, long start, String detail,
                                                      CoroutineTimeoutException cause) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        CoroutineTimeoutException e = new CoroutineTimeoutException("connect(" + host + ":" + port + "): timed out after "
                + ms + " ms " + detail.replaceFirst("^; ", ""), cause.deadlineNanos());
        e.initCause(cause);
        return e;
    }

    private static void closeQuietly(AsyncFd fd) {
        try {
            fd.close();
        } catch (IOException ignored) {
            // a socket we are abandoning: nothing to report
        }
    }
}
