package io.coronet.examples.redis;

/**
 * A command that cannot run: carries Redis's error reply (without the leading '-'), e.g.
 * {@code ERR value is not an integer or out of range}. The connection stays usable.
 * Stackless: it is an answer to the client, not a bug.
 */
final class CommandError extends RuntimeException {
    static final CommandError NOT_INTEGER = new CommandError("ERR value is not an integer or out of range");
    static final CommandError OVERFLOW = new CommandError("ERR increment or decrement would overflow");
    static final CommandError SYNTAX = new CommandError("ERR syntax error");

    CommandError(String reply) {
        super(reply, null, false, false);
    }

    String reply() {
        return getMessage();
    }
}
