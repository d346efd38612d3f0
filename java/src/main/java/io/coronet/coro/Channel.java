package io.coronet.coro;

import io.coronet.loop.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded queue between coroutines (of any loop) and platform threads.
 *
 * <pre>{@code
 * Channel<String> jobs = new Channel<>(16);
 * Coroutine.launch(loopA, () -> {
 *     for (String j : List.of("a", "b", "c")) jobs.send(j);   // suspends while 16 are queued
 *     jobs.close();                                            // receivers drain, then see the end
 * });
 * Coroutine.launch(loopB, () -> {
 *     String j;
 *     while ((j = jobs.receiveOrNull()) != null) handle(j);   // null: closed and drained
 * });
 * }</pre>
 *
 * <ul>
 *   <li><b>Capacity</b> {@code n >= 1} holds up to n elements; capacity 0 is a rendezvous: a
 *   send completes only when a receiver takes the element.</li>
 *   <li>{@link #send} suspends while the channel is full, {@link #receive} while it is empty.
 *   In a coroutine they suspend (the loop runs others); on a platform thread they park. A
 *   hand-off to a party of another loop wakes that loop with its coalesced wake-up
 *   ({@code EventLoop.execute}). On a loop thread outside a coroutine they throw: waiting there
 *   would freeze the loop.</li>
 *   <li><b>End</b>: after {@link #close()} no send is accepted ({@link ChannelClosedException});
 *   receivers still get every queued element, then {@link #receive()} throws
 *   {@link ChannelClosedException} and {@link #receiveOrNull()} returns null (so null elements
 *   are refused). Senders suspended at close fail with ChannelClosedException: their element
 *   was not sent.</li>
 *   <li><b>Timeouts and cancellation</b>: a coroutine's waits are under its deadline and
 *   cancellation ({@link CoroutineTimeoutException}, {@link CancelledException}); the
 *   {@code Duration} overloads add a bound of their own that throws {@link TimeoutException},
 *   on threads and in coroutines alike (the same story as {@link Task#join(Duration)}). A wait
 *   that gives up loses nothing: an element handed to it at the same moment is returned (a
 *   receive) or counted as sent (a send); otherwise nothing was taken or enqueued.</li>
 *   <li>Elements are delivered in send order, per sender; FIFO among waiting parties.</li>
 * </ul>
 *
 * <p>State is guarded by one ReentrantLock (never held across a suspension); waiting parties
 * are decided by their {@link Claim}.
 */
public final class Channel<T> {
    private static final AtomicLong IDS = new AtomicLong();

    final ReentrantLock lock = new ReentrantLock();
    /** Global lock order for selects over several channels. */
    final long id = IDS.incrementAndGet();
    private final int capacity;
    private final ArrayDeque<T> buffer;
    private final ArrayDeque<Node<T>> receivers = new ArrayDeque<>();
    private final ArrayDeque<Node<T>> senders = new ArrayDeque<>();
    private boolean closed;

    /** A channel of {@code capacity} elements (0: rendezvous). */
    public Channel(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0 (0: rendezvous), got " + capacity);
        }
        this.capacity = capacity;
        this.buffer = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /**
     * A waiting party's entry in a queue: a sender's element, or the slot a receiver gets its
     * element in. {@code token} is what the party's claim records as winner (the node itself
     * for a plain call, the clause for a select).
     */
    static final class Node<T> {
        final Claim claim;
        final Object token;
        T item;
        boolean ended;

        Node(Claim claim, Object token, T item) {
            this.claim = claim;
            this.token = token;
            this.item = item;
        }

        Object token() {
            return token != null ? token : this;
        }
    }

    public int capacity() {
        return capacity;
    }

    /** Elements queued now (not counting rendezvous senders waiting). */
    public int size() {
        lock.lock();
        try {
            return buffer.size();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    // ---- sending -------------------------------------------------------------------------

    /** Sends {@code element}, waiting while the channel is full (see the class comment). */
    public void send(T element) throws InterruptedException {
        try {
            send(element, false, 0);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** Sends, waiting at most {@code timeout}; {@link TimeoutException} if it was not taken in time (nothing was sent). */
    public void send(T element, Duration timeout) throws InterruptedException, TimeoutException {
        send(element, true, System.nanoTime() + Math.max(0, timeout.toNanos()));
    }

    /** Sends if that needs no wait; false if the channel is full (nothing sent). */
    public boolean trySend(T element) {
        Objects.requireNonNull(element, "element");
        lock.lock();
        try {
            checkOpenForSend();
            return offerNow(element, null);
        } finally {
            lock.unlock();
        }
    }

    private void send(T element, boolean timed, long deadline) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(element, "null elements are refused (receiveOrNull's null means the end)");
        checkNotBareLoopThread("send");
        spendBudget(); // before the send: a yield that finds the coroutine cancelled must not follow a sent element
        Node<T> node;
        lock.lock();
        try {
            checkOpenForSend();
            if (offerNow(element, null)) {
                return;
            }
            node = new Node<>(Claim.forCaller(), null, element);
            senders.add(node);
        } finally {
            lock.unlock();
        }
        await(node, senders, timed, deadline);
        if (node.ended) {
            throw new ChannelClosedException("channel closed while sending: the element was not sent");
        }
    }

    private void checkOpenForSend() {
        if (closed) {
            throw new ChannelClosedException("channel is closed: cannot send");
        }
    }

    /**
     * Under the lock: hands {@code element} to a waiting receiver, or queues it if there is
     * room. {@code self}: the caller's own claim (a select), whose nodes are skipped.
     */
    private boolean offerNow(T element, Claim self) {
        Node<T> r = takeWaiting(receivers, self, element);
        if (r != null) {
            r.claim.wake();
            return true;
        }
        if (buffer.size() < capacity) {
            buffer.add(element);
            return true;
        }
        return false;
    }

    /**
     * Under the lock: the first waiting party of {@code queue} (other than {@code self}) that can
     * still be claimed, claimed; stale ones are dropped. For a receiver {@code item} is put into its
     * node before the claim, so the receiver sees it once it sees the claim.
     */
    private Node<T> takeWaiting(ArrayDeque<Node<T>> queue, Claim self, T item) {
        for (Iterator<Node<T>> it = queue.iterator(); it.hasNext(); ) {
            Node<T> n = it.next();
            if (n.claim == self) {
                continue; // our own select's other clause: not a partner
            }
            if (item != null) {
                n.item = item;
            }
            boolean won = n.claim.claim(n.token());
            it.remove();
            if (won) {
                return n;
            }
            if (item != null) {
                n.item = null;
            }
        }
        return null;
    }

    // ---- receiving -----------------------------------------------------------------------

    /** Receives the next element, waiting while empty; {@link ChannelClosedException} once closed and drained. */
    public T receive() throws InterruptedException {
        T e = receiveOrNull();
        if (e == null) {
            throw new ChannelClosedException("channel is closed and drained");
        }
        return e;
    }

    /** Receives the next element, waiting while empty; null once closed and drained. */
    public T receiveOrNull() throws InterruptedException {
        try {
            return receive(false, 0);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** {@link #receiveOrNull()} waiting at most {@code timeout}: {@link TimeoutException} if nothing came (nothing taken). */
    public T receiveOrNull(Duration timeout) throws InterruptedException, TimeoutException {
        return receive(true, System.nanoTime() + Math.max(0, timeout.toNanos()));
    }

    /** An element if one is there now, else null (empty, or closed and drained). */
    public T tryReceive() {
        lock.lock();
        try {
            return takeNow(null);
        } finally {
            lock.unlock();
        }
    }

    private T receive(boolean timed, long deadline) throws InterruptedException, TimeoutException {
        checkNotBareLoopThread("receive");
        spendBudget(); // before the receive: a yield that throws must not follow a taken element
        Node<T> node;
        lock.lock();
        try {
            T e = takeNow(null);
            if (e != null) {
                return e;
            }
            if (closed) {
                return null;
            }
            node = new Node<>(Claim.forCaller(), null, null);
            receivers.add(node);
        } finally {
            lock.unlock();
        }
        await(node, receivers, timed, deadline);
        if (node.ended) {
            return null;
        }
        return node.item;
    }

    /** Under the lock: the head of the buffer (refilled from a waiting sender), or a waiting sender's element. */
    private T takeNow(Claim self) {
        T e = buffer.poll();
        if (e != null) {
            Node<T> s = takeWaiting(senders, self, null);
            if (s != null) {
                buffer.add(s.item);
                s.claim.wake();
            }
            return e;
        }
        Node<T> s = takeWaiting(senders, self, null);
        if (s != null) {
            s.claim.wake();
            return s.item;
        }
        return null;
    }

    // ---- closing -------------------------------------------------------------------------

    /** Ends the channel: no more sends; receivers drain what is queued, then see the end. Idempotent; any thread. */
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            endAll(receivers);
            endAll(senders);
        } finally {
            lock.unlock();
        }
    }

    private void endAll(ArrayDeque<Node<T>> queue) {
        Node<T> n;
        while ((n = queue.poll()) != null) {
            n.ended = true;
            if (n.claim.claim(n.token())) {
                n.claim.wake();
            } else {
                n.ended = false;
            }
        }
    }

    // ---- waiting -------------------------------------------------------------------------

    /**
     * Waits until {@code node}'s claim is decided. If the wait is abandoned (cancel, deadline,
     * timeout, interrupt) and the claim can still be taken back, the node leaves the queue and the
     * reason is thrown; if somebody decided it first, the wait counts as completed.
     */
    private void await(Node<T> node, ArrayDeque<Node<T>> queue, boolean timed, long deadline)
            throws InterruptedException, TimeoutException {
        try {
            node.claim.awaitDecision(timed, deadline);
        } catch (Throwable t) {
            if (giveUp(node, queue)) {
                throw t;
            }
            // decided at the same moment by another party: keep what it handed us
        }
    }

    /** Takes the claim back and leaves the queue; false if another party decided it first. */
    private boolean giveUp(Node<T> node, ArrayDeque<Node<T>> queue) {
        lock.lock();
        try {
            if (!node.claim.claim(Claim.CANCELLED)) {
                return false;
            }
            queue.remove(node);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static void checkNotBareLoopThread(String what) {
        if (Coroutine.current() == null && EventLoop.isLoopThread()) {
            throw new IllegalStateException("Channel." + what + " on event loop thread '" + Thread.currentThread().getName()
                    + "' outside a coroutine could block that loop; call it from a coroutine, or use trySend/tryReceive");
        }
    }

    /**
     * Counts an operation against the coroutine's budget (it yields every 128, so a producer that
     * never has to wait cannot starve its loop). Called before the operation: the yield checks
     * cancellation, and a throw must never come after an element moved.
     */
    static void spendBudget() {
        Coroutine co = Coroutine.current();
        if (co != null) {
            co.spendBudget();
        }
    }

    // ---- select clauses ------------------------------------------------------------------

    <R> SelectClause<R> receiveClause(Select.Handler<? super T, ? extends R> action) {
        return new ReceiveClause<>(this, Objects.requireNonNull(action, "action"));
    }

    <R> SelectClause<R> sendClause(T element, Coroutine.Body<? extends R> action) {
        Objects.requireNonNull(element, "null elements are refused");
        return new SendClause<>(this, element, Objects.requireNonNull(action, "action"));
    }

    /** A channel's clause in a select; its channel's lock is held by the select around tryNow/registerOrWin. */
    abstract static class Clause<T, R> extends SelectClause<R> {
        final Channel<T> channel;
        Node<T> node;

        Clause(Channel<T> channel) {
            this.channel = channel;
        }

        Channel<T> channel() {
            return channel;
        }

        @Override
        protected boolean isReady() {
            throw new UnsupportedOperationException("channel clauses are decided by tryNow");
        }

        @Override
        protected void register(SelectWaker waker) {
            throw new UnsupportedOperationException("channel clauses register through registerOrWin");
        }

        @Override
        protected void unregister() {
        }

        @Override
        void unregister(Claim claim) {
            if (node == null) {
                return;
            }
            channel.lock.lock();
            try {
                channel.receivers.remove(node);
                channel.senders.remove(node);
            } finally {
                channel.lock.unlock();
            }
        }
    }

    private static final class ReceiveClause<T, R> extends Clause<T, R> {
        private final Select.Handler<? super T, ? extends R> action;
        private T received;
        private boolean ended;

        ReceiveClause(Channel<T> channel, Select.Handler<? super T, ? extends R> action) {
            super(channel);
            this.action = action;
        }

        private boolean wonHere;

        /*
         * The select holds the lock of every channel among its clauses here, and the only other
         * parties that can claim a select are those that find its nodes in those channels: so
         * once the exchange has happened, our own claim cannot fail. The exchange goes first
         * because the partner (a sender that is itself a select elsewhere) may no longer be free.
         */
        @Override
        boolean tryNow(Claim claim) {
            Channel<T> ch = channel;
            T e = ch.takeNow(claim);
            if (e == null && !ch.closed) {
                return false;
            }
            boolean mine = claim.claim(this);
            assert mine : "a select was claimed while it held its channels' locks";
            received = e;
            ended = e == null;
            wonHere = true;
            return true;
        }

        @Override
        boolean registerOrWin(Claim claim, SelectWaker waker) {
            if (tryNow(claim)) {
                return true;
            }
            node = new Node<>(claim, this, null);
            channel.receivers.add(node);
            return false;
        }

        @Override
        protected R complete() throws Exception {
            if (!wonHere) { // decided by another party through our node: a sender's element, or close
                ended = node.ended;
                received = node.item;
            }
            if (ended) {
                throw new ChannelClosedException("channel is closed and drained");
            }
            return action.apply(received);
        }
    }

    private static final class SendClause<T, R> extends Clause<T, R> {
        private final T element;
        private final Coroutine.Body<? extends R> action;

        SendClause(Channel<T> channel, T element, Coroutine.Body<? extends R> action) {
            super(channel);
            this.element = element;
            this.action = action;
        }

        private boolean wonHere;
        private boolean closedHere;

        @Override
        boolean tryNow(Claim claim) {
            Channel<T> ch = channel;
            if (ch.closed) {
                closedHere = true; // wins, and complete() reports the closed channel
            } else if (!ch.offerNow(element, claim)) {
                return false;
            }
            boolean mine = claim.claim(this);
            assert mine : "a select was claimed while it held its channels' locks";
            wonHere = true;
            return true;
        }

        @Override
        boolean registerOrWin(Claim claim, SelectWaker waker) {
            if (tryNow(claim)) {
                return true;
            }
            node = new Node<>(claim, this, element);
            channel.senders.add(node);
            return false;
        }

        @Override
        protected R complete() throws Exception {
            if (closedHere || (!wonHere && node.ended)) {
                throw new ChannelClosedException("channel is closed: the element was not sent");
            }
            return action.run();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Channel[" + buffer.size() + "/" + capacity + (closed ? ", closed" : "")
                    + ", " + receivers.size() + " receiver(s), " + senders.size() + " sender(s) waiting]";
        } finally {
            lock.unlock();
        }
    }
}
