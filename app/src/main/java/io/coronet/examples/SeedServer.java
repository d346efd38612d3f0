package io.coronet.examples;

/**
 * A running seed server (S1-S5): what {@code bin/coronet seed Sx} starts and tests talk to.
 * Each seed class has {@code static SeedServer start(String host, int port)} that binds
 * (port 0: a free port), starts serving in the background and returns.
 */
public interface SeedServer extends AutoCloseable {
    String host();

    /** The bound port (the real one when 0 was asked for). */
    int port();

    /** Stops accepting and releases the listening socket and the server's threads. */
    @Override
    void close();
}
