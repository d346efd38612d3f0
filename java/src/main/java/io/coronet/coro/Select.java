package io.coronet.coro;

import io.coronet.loop.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits for the first of several alternatives and runs only that one's action.
 *
 * <pre>{@code
 * String what = Select.<String>first()
 *         .onReceive(requests, req -> "request " + req)          // a channel has an element
 *         .onSend(replies, reply, () -> "sent")                   // a channel has room for ours
 *         .onComplete(backend, value -> "backend said " + value) // a task finished
 *         .onReadable(fd, () -> "bytes waiting")                  // an fd may be read
 *         .onTimeout(Duration.ofSeconds(1), () -> "idle")
 *         .await();
 * }</pre>
 *
 * <ul>
 *   <li><b>Fair</b>: each await tests its clauses starting at a random one, so a clause that
 *   is always ready cannot starve the others.</li>
 *   <li><b>Losers untouched</b>: only the winning clause's operation happens. A receive that
 *   loses took no element, a send that loses enqueued nothing, a readable clause that loses
 *   read no byte. A select's channel clauses are decided by one atomic claim shared with the
 *   other parties (see {@link Claim}), so an element handed to a waiting select is never lost,
 *   not even when the select is cancelled at the same moment: then the select returns that
 *   element's clause and the cancellation shows at the next suspension (it is sticky).</li>
 *   <li>The wait is under the coroutine's deadline and cancellation like any suspension.</li>
 *   <li>Clauses of one's own: {@link SelectClause} ({@link #on}).</li>
 * </ul>
 * Coroutines only; a Select object serves one await.
 *
 * @param <R> the result of every clause's action
 */
public final class Select<R> {
    /** A clause action that takes the clause's value. */
    @FunctionalInterface
    public interface Handler<V, R> {
        R apply(V value) throws Exception;
    }

    private final List<SelectClause<? extends R>> clauses = new ArrayList<>(4);
    private boolean used;

    private Select() {
    }

    /** An empty select; add clauses, then {@link #await()}. */
    public static <R> Select<R> first() {
        return new Select<>();
    }

    public Select<R> on(SelectClause<? extends R> clause) {
        clauses.add(Objects.requireNonNull(clause, "clause"));
        return this;
    }

    /** Wins when {@code channel} has an element (or has ended: then await throws {@link ChannelClosedException}). */
    public <T> Select<R> onReceive(Channel<T> channel, Handler<? super T, ? extends R> action) {
        return on(channel.receiveClause(action));
    }

    /** Wins when {@code channel} takes {@code element}; a losing send enqueues nothing. */
    public <T> Select<R> onSend(Channel<T> channel, T element, Coroutine.Body<? extends R> action) {
        return on(channel.sendClause(element, action));
    }

    /** Wins when {@code task} is complete; the action gets its value (a failure is rethrown by await). */
    public <T> Select<R> onComplete(Task<T> task, Handler<? super T, ? extends R> action) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(action, "action");
        return on(new SelectClause<R>() {
            @Override
            protected boolean isReady() {
                return task.isDone();
            }

            @Override
            protected R complete() throws Exception {
                return action.apply(task.await());
            }

            @Override
            protected void register(SelectWaker waker) {
                // stays on the task until it completes (a Task has no unsubscribe): a cheap hint then
                task.onComplete(waker::wake);
            }

            @Override
            protected void unregister() {
            }
        });
    }

    /** Wins when {@code fd} may be read (or was closed); the action does the read, so a loser reads nothing. */
    public Select<R> onReadable(AsyncFd fd, Coroutine.Body<? extends R> action) {
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(action, "action");
        return on(new ReadableClause<R>(fd, () -> fd.isReadable() || fd.isClosed(), action));
    }

    /** Wins when {@code timeout} (counted from now) has passed and nothing else won first. */
    public Select<R> onTimeout(Duration timeout, Coroutine.Body<? extends R> action) {
        Objects.requireNonNull(action, "action");
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        return on(new SelectClause<R>() {
            private Timer timer;

            @Override
            protected boolean isReady() {
                return System.nanoTime() - deadline >= 0;
            }

            @Override
            protected R complete() throws Exception {
                return action.run();
            }

            @Override
            protected void register(SelectWaker waker) {
                timer = Coroutine.require("Select.await").loop().schedule(deadline, waker::wake);
            }

            @Override
            protected void unregister() {
                if (timer != null) {
                    timer.cancel();
                }
            }
        });
    }

    /**
     * Suspends until one clause is ready, then runs that clause's action and returns its result.
     * Cancellable; under the coroutine's deadline.
     */
    @SuppressWarnings("unchecked")
    public R await() throws Exception {
        Coroutine co = Coroutine.require("Select.await");
        if (used) {
            throw new IllegalStateException("a Select serves one await; build a new one");
        }
        used = true;
        int n = clauses.size();
        if (n == 0) {
            throw new IllegalStateException("a select needs at least one clause");
        }
        co.checkInterrupts();
        Channel.spendBudget(); // now, before any clause moves anything: its yield may throw
        SelectClause<? extends R>[] order = new SelectClause[n];
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            order[i] = clauses.get((start + i) % n);
        }
        Claim claim = Claim.forCaller();
        SelectWaker waker = new SelectWaker(claim);
        ChannelLocks locks = ChannelLocks.of(order);
        int registered = 0;
        SelectClause<? extends R> winner = null;
        try {
            while (winner == null) {
                // Arm first, test after: a clause that turns ready on another thread and then wakes
                // us reads the suspension we are about to enter, or we see it ready below. (Armed
                // after the test, a hint could read the previous suspension and be lost.)
                claim.arm();
                winner = poll(order, claim, locks);
                if (winner != null) {
                    break;
                }
                if (registered < n) {
                    winner = registerAll(order, claim, waker, locks);
                    registered = n;
                    continue; // test once more: a hint clause may have turned ready before it registered
                }
                if (claim.isOpen()) {
                    co.suspend();
                } else {
                    winner = (SelectClause<? extends R>) claim.winner();
                }
            }
        } catch (Throwable t) {
            if (winner == null && !claim.claim(Claim.CANCELLED)) {
                // another party handed us its element while we were giving up: keep it, so nothing
                // is lost (a cancellation is sticky and shows again at the next suspension)
                winner = (SelectClause<? extends R>) claim.winner();
            } else {
                unregisterAll(order, registered, claim);
                throw t;
            }
        }
        unregisterAll(order, registered, claim);
        return winner.complete();
    }

    private SelectClause<? extends R> poll(SelectClause<? extends R>[] order, Claim claim, ChannelLocks locks) {
        locks.lock();
        try {
            for (SelectClause<? extends R> c : order) {
                if (!claim.isOpen()) {
                    break;
                }
                if (c.tryNow(claim)) {
                    return c;
                }
            }
            return claim.isOpen() ? null : winnerOf(claim);
        } finally {
            locks.unlock();
        }
    }

    private SelectClause<? extends R> registerAll(SelectClause<? extends R>[] order, Claim claim, SelectWaker waker,
                                                  ChannelLocks locks) throws Exception {
        locks.lock();
        try {
            for (SelectClause<? extends R> c : order) {
                if (!claim.isOpen()) {
                    break;
                }
                if (c.registerOrWin(claim, waker)) {
                    return c;
                }
            }
            return claim.isOpen() ? null : winnerOf(claim);
        } finally {
            locks.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private SelectClause<? extends R> winnerOf(Claim claim) {
        return (SelectClause<? extends R>) claim.winner();
    }

    private void unregisterAll(SelectClause<? extends R>[] order, int registered, Claim claim) {
        for (int i = 0; i < registered; i++) {
            try {
                order[i].unregister(claim);
            } catch (RuntimeException e) {
                // a clause broke its contract; the others still unregister
                Coroutine co = Coroutine.current();
                if (co != null) {
                    co.loop().reportUncaught(e);
                }
            }
        }
    }

    /**
     * The locks of the channels among the clauses, taken in one global order (each channel's
     * id): while a select tests and registers it holds them all, so no other party can claim it
     * half-way, and two selects over the same channels cannot deadlock.
     */
    static final class ChannelLocks {
        private static final ChannelLocks NONE = new ChannelLocks(new Channel<?>[0]);
        private final Channel<?>[] channels;

        private ChannelLocks(Channel<?>[] channels) {
            this.channels = channels;
        }

        static ChannelLocks of(SelectClause<?>[] clauses) {
            List<Channel<?>> list = new ArrayList<>(clauses.length);
            for (SelectClause<?> c : clauses) {
                if (c instanceof Channel.Clause<?, ?> cc && !list.contains(cc.channel())) {
                    list.add(cc.channel());
                }
            }
            if (list.isEmpty()) {
                return NONE;
            }
            list.sort((a, b) -> Long.compare(a.id, b.id));
            return new ChannelLocks(list.toArray(new Channel<?>[0]));
        }

        void lock() {
            for (Channel<?> c : channels) {
                c.lock.lock();
            }
        }

        void unlock() {
            for (int i = channels.length - 1; i >= 0; i--) {
                channels[i].lock.unlock();
            }
        }
    }
}
