package io.coronet.coro;

/**
 * One alternative of a {@link Select}; the SPI for clauses of one's own (say, "this connection
 * has bytes", which looks at the connection's inbound buffer and then its {@link AsyncFd}).
 *
 * <p>A clause is a readiness test plus an action: the select asks {@link #isReady()} of each
 * clause (fairly: a random one first), claims the first ready one and runs its
 * {@link #complete()}; no other clause's action runs. So a clause must not consume anything in
 * {@code isReady()} (no read, no dequeue): that is how losers stay untouched. While none is
 * ready the select {@link #register registers} every clause with a {@link SelectWaker} and
 * suspends; a clause calls {@link SelectWaker#wake()} (any thread) when it may have become
 * ready, and the select tests again. Wake-ups are hints: a spurious one costs a re-test.
 *
 * <p>{@code isReady}, {@code register}, {@code unregister} and {@code complete} run on the
 * selecting coroutine's loop thread, inside that coroutine. A clause object serves one select.
 *
 * <p>(Channel clauses additionally take part in the hand-off between parties, through
 * package-private hooks: an element given to a waiting select is claimed for it atomically.)
 *
 * @param <R> what the select returns when this clause wins
 */
public abstract class SelectClause<R> {

    protected SelectClause() {
    }

    /** True when {@link #complete()} can run now without waiting. Must not consume anything. */
    protected abstract boolean isReady();

    /** The clause won: perform the operation (read what is there, say) and return the select's result. */
    protected abstract R complete() throws Exception;

    /** Arrange for {@code waker.wake()} when the clause may have become ready (once is enough). */
    protected abstract void register(SelectWaker waker) throws Exception;

    /** Undo {@link #register}; called once the select has decided (won, lost, cancelled). Must not throw. */
    protected abstract void unregister();

    // ---- package-private hooks for clauses that exchange with other parties (channels) ----------

    /** Tries to win now for {@code claim}: claims it and performs the exchange atomically. */
    boolean tryNow(Claim claim) {
        return isReady() && claim.claim(this);
    }

    /** Registers with {@code claim}; may win during registration (the exchange found a partner). */
    boolean registerOrWin(Claim claim, SelectWaker waker) throws Exception {
        register(waker);
        return false;
    }

    /** Undoes {@link #registerOrWin}. */
    void unregister(Claim claim) {
        unregister();
    }
}
