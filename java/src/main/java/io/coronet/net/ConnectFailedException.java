package io.coronet.net;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Every address of a host was tried and none connected. The message names the host and each
 * address with its error, e.g. {@code connect(localhost:6379): every address failed:
 * [::1]:6379 ECONNREFUSED (Connection refused); 127.0.0.1:6379 ECONNREFUSED (Connection refused)};
 * {@link #failures()} has the typed exception of each, and the first one is the cause. (A host
 * with a single address fails with that address's own exception instead, e.g.
 * {@link io.coronet.ffi.ConnectionRefusedException}.)
 */
public final class ConnectFailedException extends IOException {
    private final String host;
    private final int port;
    private final Map<String, IOException> failures;

    ConnectFailedException(String host, int port, Map<String, IOException> failures) {
        super(message(host, port, failures), failures.values().iterator().next());
        this.host = host;
        this.port = port;
        this.failures = Map.copyOf(failures);
        this.orderedAddresses = List.copyOf(failures.keySet());
        for (IOException e : failures.values()) {
            addSuppressed(e);
        }
    }

    private final List<String> orderedAddresses;

    private static String message(String host, int port, Map<String, IOException> failures) {
        StringBuilder sb = new StringBuilder("connect(").append(host).append(':').append(port).append("): every address failed:");
        String sep = " ";
        for (Map.Entry<String, IOException> e : failures.entrySet()) {
            sb.append(sep).append(e.getKey()).append(' ').append(Connector.reason(e.getValue()));
            sep = "; ";
        }
        return sb.toString();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The addresses in the order they were tried. */
    public List<String> addresses() {
        return orderedAddresses;
    }

    /** Each address's failure. */
    public Map<String, IOException> failures() {
        return failures;
    }

    /** True when every address refused the connection (nothing listens there). */
    public boolean allRefused() {
        return failures.values().stream().allMatch(e -> e instanceof io.coronet.ffi.ConnectionRefusedException);
    }
}
