package io.coronet.examples.redis;

/** What one connection's commands remember between requests: its id, CLIENT SETNAME, QUIT. */
final class Session {
    private final long id;
    private byte[] name;
    private boolean closing;

    Session(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }

    byte[] name() {
        return name;
    }

    void name(byte[] name) {
        this.name = name;
    }

    /** QUIT was received: reply, then close. */
    void closeAfterReply() {
        closing = true;
    }

    boolean isClosing() {
        return closing;
    }
}
