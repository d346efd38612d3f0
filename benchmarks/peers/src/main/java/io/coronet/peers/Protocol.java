package io.coronet.peers;

/**
 * The two protocols of the benchmark. ECHO: every byte received is sent back. HANDSHAKE: the first
 * line must be "hello" (see {@link Greeting}); the server answers "hello\n" and then echoes every
 * following byte, including bytes that arrived in the same read as the greeting.
 */
enum Protocol {
    ECHO, HANDSHAKE;

    static Protocol parse(String name) {
        return switch (name) {
            case "echo" -> ECHO;
            case "handshake" -> HANDSHAKE;
            default -> throw new IllegalArgumentException("unknown protocol " + name + " (echo|handshake)");
        };
    }
}
