package io.coronet.coro;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The decision one waiting party is waiting for: a plain send, receive or acquire, or a whole
 * {@link Select} over several clauses. Whoever completes the party first (a sender handing it
 * an element, a releaser handing it a permit, the party's own select finding a clause ready, or
 * its cancellation) wins one compare-and-set of {@link #winner}; everybody else sees the claim
 * taken and leaves the party alone. That one CAS is what makes the operations cancel-safe: an
 * element is handed only to a party that is still open, and a party that gives up (cancelled,
 * timed out, chose another clause) can no longer be handed anything.
 *
 * <p>Waking: a coroutine party publishes the suspension it is about to enter ({@link #arm})
 * and re-reads {@link #winner} before suspending; a completer sets the winner, then reads the
 * suspension and wakes it (through {@code EventLoop.execute}'s coalesced wake-up from another
 * thread). Both are volatile, so one of the two always sees the other. A platform-thread party
 * parks until the winner is set.
 */
final class Claim {
    static final Object CANCELLED = new Object();
    private static final VarHandle WINNER;

    static {
        try {
            WINNER = MethodHandles.lookup().findVarHandle(Claim.class, "winner", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null while open; then the winning clause (or node), or {@link #CANCELLED}. */
    private volatile Object winner;
    private final Coroutine coroutine;
    private final Thread thread;
    private volatile int suspension;

    private Claim(Coroutine coroutine, Thread thread) {
        this.coroutine = coroutine;
        this.thread = thread;
    }

    /** A claim for the calling coroutine, or the calling platform thread. */
    static Claim forCaller() {
        Coroutine co = Coroutine.current();
        return co != null ? new Claim(co, null) : new Claim(null, Thread.currentThread());
    }

    Coroutine coroutine() {
        return coroutine;
    }

    boolean isOpen() {
        return winner == null;
    }

    Object winner() {
        return winner;
    }

    /** Takes the decision for {@code who}; false if somebody else already has. Any thread. */
    boolean claim(Object who) {
        return WINNER.compareAndSet(this, null, who);
    }

    /** Takes the decision and wakes the party. Any thread. */
    boolean claimAndWake(Object who) {
        if (!claim(who)) {
            return false;
        }
        wake();
        return true;
    }

    /** A hint: the party re-examines its clauses. Any thread. */
    void wake() {
        if (coroutine != null) {
            coroutine.wakeFromAnyThread(suspension);
        } else {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Coroutine party: publishes the suspension that wake-ups are for (the next one), then says
     * whether the claim is still open. Call it before testing any other condition a waker may
     * change (a select's hint clauses), and suspend with no other suspension in between.
     */
    boolean arm() {
        suspension = coroutine.nextSuspension();
        return winner == null;
    }

    /**
     * Waits until decided: suspends the coroutine party, parks the thread party. {@code timed}:
     * gives up at {@code deadline} (nanoTime) with TimeoutException. A coroutine also gives up on
     * cancellation or its own deadline, a thread on interrupt. The caller takes the claim back
     * (or finds it decided) after a give-up.
     */
    void awaitDecision(boolean timed, long deadline) throws InterruptedException, TimeoutException {
        if (coroutine != null) {
            awaitInCoroutine(timed, deadline);
        } else {
            awaitOnThread(timed, deadline);
        }
    }

    private void awaitInCoroutine(boolean timed, long deadline) throws TimeoutException {
        if (!timed) {
            while (arm()) {
                coroutine.suspend();
            }
            return;
        }
        io.coronet.loop.Timer timer = coroutine.loop().schedule(deadline, this::wake);
        try {
            while (arm()) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new TimeoutException("wait timed out");
                }
                coroutine.suspend();
            }
        } finally {
            timer.cancel();
        }
    }

    private void awaitOnThread(boolean timed, long deadline) throws InterruptedException, TimeoutException {
        while (winner == null) {
            if (!timed) {
                LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("wait timed out");
                }
                LockSupport.parkNanos(this, left);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting");
            }
        }
    }
}
