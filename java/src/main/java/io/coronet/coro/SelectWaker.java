package io.coronet.coro;

/**
 * Given to {@link SelectClause#register}: tells the selecting coroutine that a clause may have
 * become ready, so it tests its clauses again. Any thread (from another thread it wakes the
 * coroutine's loop with the loop's coalesced wake-up); idempotent; a hint, never a decision.
 */
public final class SelectWaker {
    private final Claim claim;

    SelectWaker(Claim claim) {
        this.claim = claim;
    }

    public void wake() {
        claim.wake();
    }

    /** False once the select has decided: a clause may drop its registration early. */
    public boolean isWaiting() {
        return claim.isOpen();
    }
}
