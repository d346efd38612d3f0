package io.coronet.coro;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * The JDK continuation under one {@link Coroutine}. Kept in its own class so that nothing
 * loads a jdk.internal.vm type before {@link ContinuationSupport} has checked access.
 */
final class CoContinuation extends Continuation {
    /** The single scope all coronet coroutines yield to. */
    static final ContinuationScope SCOPE = new ContinuationScope("coronet");

    /** Every coroutine's entry, shared: no object per coroutine. */
    private static final Runnable ENTRY = new Coroutine.Entry();

    final Coroutine coroutine;

    CoContinuation(Coroutine coroutine) {
        super(SCOPE, ENTRY);
        this.coroutine = coroutine;
    }

    /** The coroutine whose continuation is mounted on this thread, or null. */
    static Coroutine current() {
        Continuation c = Continuation.getCurrentContinuation(SCOPE);
        return c instanceof CoContinuation cc ? cc.coroutine : null;
    }

    /** Suspends the mounted continuation; throws {@link PinnedYieldException} if the JDK refuses. */
    static void yieldNow() {
        Continuation.yield(SCOPE);
    }

    @Override
    protected void onPinned(Continuation.Pinned reason) {
        // The JDK's default throws a bare IllegalStateException("Pinned: NATIVE"); say what to do.
        throw new PinnedYieldException(reason.name(), coroutine.name());
    }
}
