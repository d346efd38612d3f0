package io.coronet.loop;


/**
 * A loop-confined object (a connection, a listener, a chunk, a buffer pool) was used from a
 * thread that is not its event loop's: a platform thread, or a coroutine of another loop. The
 * call did nothing; the message names the owning loop and how to hand the work over.
 */
public final class WrongLoopException extends IllegalStateException {
    public WrongLoopException(String message) {
        super(message);
    }

    /** The refusal for {@code what} (e.g. "TcpConnection[fd=12]"), owned by {@code owner}. */
    public static WrongLoopException of(Object what, EventLoop owner) {
        Thread t = Thread.currentThread();
        EventLoop here = EventLoop.current();
        String caller = here != null
                ? "a coroutine of event loop '" + here.name() + "'"
                : "thread '" + t.getName() + "'";
        return new WrongLoopException(what + " belongs to event loop '" + owner.name() + "' and was called from "
                + caller + "; call it from a coroutine on that loop (Coroutine.spawn(conn.loop(), ...)),"
                + " or hand the bytes over with loop.execute(...) or a Channel");
    }
}
