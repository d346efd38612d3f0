package io.coronet.loop;

/**
 * Something that lives on an {@link EventLoop} and keeps it from finishing a graceful shutdown
 * until it is done: in practice a coroutine. The loop links tenants into an intrusive list
 * (no allocation per tenant) so shutdown can count them and, when the grace period runs out,
 * tell each one to stop.
 */
public abstract class LoopTenant {
    LoopTenant prevTenant;
    LoopTenant nextTenant;
    boolean adopted;

    /**
     * The loop's grace period ran out and this tenant is still alive: stop (a coroutine is
     * cancelled, so its next or current suspension throws). Called on the loop thread.
     */
    protected abstract void forceStop();

    /**
     * Runs the tenant's next step: what {@link EventLoop#resumeSoon} queued, called from the
     * loop's ready phase. A tenant is its own queue entry, so readying it allocates nothing.
     */
    protected abstract void resume();
}
