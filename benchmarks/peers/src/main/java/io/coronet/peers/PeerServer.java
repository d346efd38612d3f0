package io.coronet.peers;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A benchmark peer: binds, serves on its own thread(s) until {@link #close()}. */
interface PeerServer extends AutoCloseable {

    /** Binds and starts serving; returns the bound address (the real port when asked for port 0). */
    InetSocketAddress start(ServerOptions options) throws Exception;

    @Override
    void close() throws IOException, InterruptedException;
}
