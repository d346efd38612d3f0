package io.coronet.cli;

import io.coronet.coro.Coroutine;
import io.coronet.coro.Scope;
import io.coronet.ffi.NativeBuffer;
import io.coronet.loop.EventLoopGroup;
import io.coronet.net.TcpConnection;

import java.io.IOException;
import java.time.Duration;

/**
 * Clients that talk to a coronet server in the same process and check every echoed byte: what
 * {@code coronet train} runs for the AOT cache and {@code serve --warmup} runs for the JIT.
 */
final class LoopbackClients {
    static final int MESSAGE_SIZE = 64;

    private LoopbackClients() {
    }

    /**
     * {@code connections} clients at once (as a busy daemon sees them) on an event loop of their
     * own, each echoing {@code messages} messages after the greeting when {@code handshake};
     * returns when all are done, throws the first failure.
     */
    static void run(String host, int port, boolean handshake, int connections, int messages, Duration timeout)
            throws Exception {
        EventLoopGroup clients = EventLoopGroup.start("coronet-client", 1);
        try {
            Coroutine.launch(clients.get(0), () -> {
                try (Scope scope = Scope.open()) {
                    for (int i = 0; i < connections; i++) {
                        int seed = i;
                        scope.launch(() -> exchange(host, port, handshake, messages, seed, timeout));
                    }
                    scope.join();
                }
            }).join(timeout.multipliedBy(2));
        } finally {
            clients.shutdown(Duration.ZERO);
            clients.awaitTermination(timeout);
        }
    }

    private static void exchange(String host, int port, boolean handshake, int messages, int seed, Duration timeout)
            throws Exception {
        try (TcpConnection conn = TcpConnection.connect(host, port, timeout);
             NativeBuffer sent = NativeBuffer.allocate(MESSAGE_SIZE);
             NativeBuffer received = NativeBuffer.allocate(MESSAGE_SIZE)) {
            if (handshake) {
                conn.write("hello\n");
                String answer = conn.readLine(16);
                if (!"hello".equals(answer)) {
                    throw new IOException("handshake: expected \"hello\", got " + (answer == null ? "end of stream" : '"' + answer + '"'));
                }
            }
            for (int m = 0; m < messages; m++) {
                for (int i = 0; i < MESSAGE_SIZE; i++) {
                    sent.put(i, (byte) (seed * 31 + m * 7 + i));
                }
                conn.write(sent, 0, MESSAGE_SIZE);
                conn.readExactly(received, 0, MESSAGE_SIZE);
                for (int i = 0; i < MESSAGE_SIZE; i++) {
                    if (received.get(i) != sent.get(i)) {
                        throw new IOException("echo: byte " + i + " of message " + m + " differs");
                    }
                }
            }
        }
    }
}
