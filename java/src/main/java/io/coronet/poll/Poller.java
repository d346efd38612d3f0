package io.coronet.poll;

import io.coronet.ffi.Abi;
import io.coronet.ffi.Errors;
import io.coronet.ffi.LibCoronet;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeLibrary;
import io.coronet.ffi.NativeStats;

import java.io.IOException;
import java.util.Arrays;

/**
 * The kernel's readiness multiplexer (epoll, kqueue or poll(2), whichever libcoronet was built
 * with) behind one portable API.
 *
 * <p><b>Registrations.</b> {@link #register} puts an fd into the kernel's set once and returns a
 * <i>key</i>: the index of a slot that holds the fd, the interest and the caller's attachment.
 * The kernel is given a 64-bit token {@code (generation << 32) | slot}, never a pointer.
 * {@link #deregister} frees the slot and bumps its generation, so an event carrying the old
 * token (the fd was closed and its number reused, possibly within one batch) no longer matches
 * and is dropped. Keys are reused after deregister: forget a key when deregistering it.
 *
 * <p><b>Polling.</b> {@link #poll} waits once, then decodes the off-heap {@code cn_event} array
 * (layout from {@link Abi}) into preallocated arrays: no allocation per poll. The events of one
 * batch are read with {@link #key(int)}, {@link #events(int)}, {@link #attachment(int)} for
 * {@code i} in {@code [0, n)}, until the next poll. If a handler deregisters (or deregisters and
 * re-registers) a key whose event is still further down the same batch, that entry turns stale:
 * {@code events(i)} returns 0 and {@code attachment(i)} null, so dispatch skips it (the re-check
 * redis' ae does before each handler).
 *
 * <p><b>Readiness is a hint.</b> Repeat a read/write until it would block, then wait. Spurious
 * wake-ups happen. With {@link Interest#EDGE} a readiness is reported once per transition; where
 * the backend only emulates edges ({@link #nativeEdge()} false: poll(2)) call {@link #rearm} after
 * draining to EAGAIN.
 *
 * <p><b>Threads.</b> A Poller belongs to one thread (its event loop): every method except
 * {@link #wake()} must be called from it, and nothing here checks that. {@link #wake()} may be
 * called from any thread; wake-ups coalesce in the kernel, but avoiding needless calls (one
 * pending flag) is the caller's job. After {@link #close()} every method throws
 * {@link ClosedPollerException}; close is idempotent.
 */
public final class Poller implements AutoCloseable {

    public static final int DEFAULT_EVENT_CAPACITY = 1024;

    private static final LibCoronet LIB = NativeLibrary.lib();
    private static final int INITIAL_SLOTS = 64;
    private static final int FREE = -1;

    private final long handle;
    private final String backend;
    private final boolean nativeEdge;

    // ---- the batch of the last poll --------------------------------------------------------
    private final NativeBuffer eventBuffer;
    private final int eventCapacity;
    private final int eventSize;
    private final int tokenOffset;
    private final int eventsOffset;
    private final int[] readyKeys;
    private final int[] readyGenerations;
    private final int[] readyEvents;
    private int readyCount;

    // ---- registrations, indexed by key (slot) -------------------------------------------
    private int[] slotFd;            // FREE when the slot is unused
    private int[] slotGeneration;    // bumped on deregister
    private int[] slotInterest;
    private Object[] slotAttachment;
    private int slotsUsed;           // slots [0, slotsUsed) have been handed out at least once
    private int[] freeSlots;         // a stack of freed slots below slotsUsed
    private int freeCount;
    private int registered;

    /** Guards the handle against close() racing wake() from another thread. */
    /**
     * Guards the native handle against close() freeing it while another thread's wake() uses it.
     * A ReentrantLock, not a monitor: coronet uses no synchronized on paths a coroutine can
     * reach (wake() is called by coroutines of other loops), see Coroutine's rules.
     */
    private final java.util.concurrent.locks.ReentrantLock lifecycle = new java.util.concurrent.locks.ReentrantLock();
    private volatile boolean closed;

    private Poller(long handle, int eventCapacity) {
        this.handle = handle;
        this.backend = NativeLibrary.backendName();
        this.nativeEdge = (LIB.cn_poller_caps() & LibCoronet.CN_CAP_NATIVE_EDGE) != 0;
        this.eventCapacity = eventCapacity;
        this.eventSize = Abi.EVENT_SIZE;
        this.tokenOffset = Abi.EVENT_TOKEN_OFFSET;
        this.eventsOffset = Abi.EVENT_EVENTS_OFFSET;
        if ((long) eventCapacity * eventSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("eventCapacity too large: " + eventCapacity);
        }
        this.eventBuffer = NativeBuffer.allocate(eventCapacity * eventSize);
        this.readyKeys = new int[eventCapacity];
        this.readyGenerations = new int[eventCapacity];
        this.readyEvents = new int[eventCapacity];
        this.slotFd = new int[INITIAL_SLOTS];
        Arrays.fill(slotFd, FREE);
        this.slotGeneration = new int[INITIAL_SLOTS];
        this.slotInterest = new int[INITIAL_SLOTS];
        this.slotAttachment = new Object[INITIAL_SLOTS];
        this.freeSlots = new int[INITIAL_SLOTS];
    }

    /** A poller that returns at most {@value #DEFAULT_EVENT_CAPACITY} events per poll. */
    public static Poller open() throws IOException {
        return open(DEFAULT_EVENT_CAPACITY);
    }

    /** A poller that returns at most {@code eventCapacity} (> 0) events per poll. */
    public static Poller open(int eventCapacity) throws IOException {
        if (eventCapacity <= 0) {
            throw new IllegalArgumentException("eventCapacity must be > 0: " + eventCapacity);
        }
        NativeLibrary.ensureAvailable();
        long handle = Errors.check(LIB.cn_poller_create(), "poller_create", -1);
        try {
            return new Poller(handle, eventCapacity);
        } catch (RuntimeException | Error e) {
            LIB.cn_poller_close(handle);
            throw e;
        }
    }

    /** "epoll", "kqueue" or "poll". */
    public String backend() {
        return backend;
    }

    /** True when {@link Interest#EDGE} is the kernel's own (epoll, kqueue): {@link #rearm} is then a no-op. */
    public boolean nativeEdge() {
        return nativeEdge;
    }

    public int eventCapacity() {
        return eventCapacity;
    }

    // ---- registrations ---------------------------------------------------------------------

    /**
     * Adds fd with interest bits ({@link Interest#READABLE}, {@link Interest#WRITABLE},
     * {@link Interest#EDGE}; HANGUP and ERROR are always reported and may be given or not).
     * Returns the key of the registration. An fd can be registered once (EEXIST otherwise).
     */
    public int register(int fd, int interest, Object attachment) throws IOException {
        ensureOpen();
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        int bits = checkInterest(interest);
        int key = allocateSlot();
        long token = token(key);
        NativeStats.count(NativeStats.Kind.CTL);
        int res = LIB.cn_poller_add(handle, fd, bits, token);
        if (res < 0) {
            releaseSlot(key);
            throw Errors.exception("poller_add", fd, -res);
        }
        slotFd[key] = fd;
        slotInterest[key] = bits;
        slotAttachment[key] = attachment;
        registered++;
        return key;
    }

    /** Replaces the interest of a registration (and re-arms emulated edges). */
    public void modify(int key, int interest) throws IOException {
        ensureOpen();
        int fd = liveFd(key);
        int bits = checkInterest(interest);
        NativeStats.count(NativeStats.Kind.CTL);
        int res = LIB.cn_poller_modify(handle, fd, bits, token(key));
        if (res < 0) {
            throw Errors.exception("poller_modify", fd, -res);
        }
        slotInterest[key] = bits;
    }

    /**
     * Re-arms an {@link Interest#EDGE} registration after its fd was drained to EAGAIN. A no-op
     * (no native call) when {@link #nativeEdge()}; on poll(2) the reported bit stays disarmed until this.
     */
    public void rearm(int key) throws IOException {
        ensureOpen();
        int fd = liveFd(key);
        if (nativeEdge) {
            return;
        }
        NativeStats.count(NativeStats.Kind.CTL);
        int res = LIB.cn_poller_modify(handle, fd, slotInterest[key], token(key));
        if (res < 0) {
            throw Errors.exception("poller_modify", fd, -res);
        }
    }

    /**
     * Removes the registration from the kernel's set and frees its key; events of the current
     * batch for it turn stale. Call it before closing the fd: after close, epoll reports EBADF
     * (the key is freed all the same and the exception thrown).
     */
    public void deregister(int key) throws IOException {
        ensureOpen();
        int fd = liveFd(key);
        NativeStats.count(NativeStats.Kind.CTL);
        int res = LIB.cn_poller_remove(handle, fd);
        releaseSlot(key);
        registered--;
        if (res < 0) {
            throw Errors.exception("poller_remove", fd, -res);
        }
    }

    /** The number of live registrations. */
    public int registeredCount() {
        ensureOpen();
        return registered;
    }

    /** True when key is a live registration. */
    public boolean isRegistered(int key) {
        ensureOpen();
        return key >= 0 && key < slotsUsed && slotFd[key] != FREE;
    }

    /** The attachment of a live registration, or null if key is not one. */
    public Object attachmentOf(int key) {
        ensureOpen();
        return isRegistered(key) ? slotAttachment[key] : null;
    }

    /** One past the highest key ever handed out: every live key is below it (for walking them all). */
    public int keyLimit() {
        return slotsUsed;
    }

    /** The fd of a live registration. */
    public int registeredFd(int key) {
        ensureOpen();
        return liveFd(key);
    }

    // ---- polling -----------------------------------------------------------------------------

    /**
     * Waits for events: up to timeoutMillis (-1: forever, 0: do not block), returning early on
     * events or a {@link #wake()}. Returns the number of live events now readable with
     * {@link #key(int)}, {@link #events(int)}, {@link #attachment(int)}; 0 on timeout or wake-up.
     */
    public int poll(long timeoutMillis) throws IOException {
        ensureOpen();
        int timeout;
        if (timeoutMillis >= 0) {
            timeout = (int) Math.min(timeoutMillis, Integer.MAX_VALUE);
        } else if (timeoutMillis == -1) {
            timeout = -1;
        } else {
            throw new IllegalArgumentException("timeout must be -1 (forever) or >= 0: " + timeoutMillis);
        }
        readyCount = 0;
        long events = eventBuffer.checkedAddress(0, eventCapacity * eventSize);
        NativeStats.count(NativeStats.Kind.WAIT);
        int n = LIB.cn_poller_wait(handle, events, eventCapacity, timeout);
        if (n < 0) {
            throw Errors.exception("poller_wait", -1, -n);
        }
        if (n > eventCapacity) {
            throw new IllegalStateException("cn_poller_wait returned " + n + " > capacity " + eventCapacity);
        }
        int live = 0;
        for (int i = 0, at = 0; i < n; i++, at += eventSize) {
            long token = eventBuffer.getLong(at + tokenOffset);
            int key = (int) token;
            int generation = (int) (token >>> 32);
            // Drop what no longer matches a live registration: a token of a freed or reused slot.
            if (key < 0 || key >= slotsUsed || slotFd[key] == FREE || slotGeneration[key] != generation) {
                continue;
            }
            readyKeys[live] = key;
            readyGenerations[live] = generation;
            readyEvents[live] = eventBuffer.getInt(at + eventsOffset);
            live++;
        }
        readyCount = live;
        return live;
    }

    /** The key of ready entry i of the last poll. */
    public int key(int i) {
        checkReady(i);
        return readyKeys[i];
    }

    /** The event bits of ready entry i ({@link Interest}), or 0 if its key was deregistered since the poll. */
    public int events(int i) {
        checkReady(i);
        return isStale(i) ? 0 : readyEvents[i];
    }

    /** The attachment of ready entry i, or null if its key was deregistered since the poll. */
    public Object attachment(int i) {
        checkReady(i);
        return isStale(i) ? null : slotAttachment[readyKeys[i]];
    }

    // ---- wake-up and close -------------------------------------------------------------------

    /** Makes a current or the next {@link #poll} return. Any thread. */
    public void wake() throws IOException {
        lifecycle.lock();
        try {
            ensureOpen();
            NativeStats.count(NativeStats.Kind.WAKE);
            int res = LIB.cn_poller_wake(handle);
            if (res < 0) {
                throw Errors.exception("poller_wake", -1, -res);
            }
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Closes the kernel object and frees the event buffer. Idempotent. Registered fds stay open:
     * they belong to whoever registered them.
     */
    @Override
    public void close() throws IOException {
        int res;
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            res = LIB.cn_poller_close(handle);
        } finally {
            lifecycle.unlock();
        }
        readyCount = 0;
        eventBuffer.close();
        Arrays.fill(slotAttachment, null);
        if (res < 0) {
            throw Errors.exception("poller_close", -1, -res);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Poller(" + backend + ", " + (closed ? "closed" : registered + " registered") + ")";
    }

    /** The native handle, for tests that talk to libcoronet directly. */
    long handle() {
        return handle;
    }

    /** The generation part of key's current token, for tests. */
    int generation(int key) {
        return slotGeneration[key];
    }

    // ---- internals ---------------------------------------------------------------------------

    private long token(int key) {
        return ((long) slotGeneration[key] << 32) | (key & 0xFFFF_FFFFL);
    }

    private boolean isStale(int i) {
        int key = readyKeys[i];
        return slotFd[key] == FREE || slotGeneration[key] != readyGenerations[i];
    }

    private void checkReady(int i) {
        ensureOpen();
        if (i < 0 || i >= readyCount) {
            throw new IndexOutOfBoundsException("event index " + i + " outside [0, " + readyCount + ")");
        }
    }

    private static int checkInterest(int interest) {
        int unknown = interest & ~(Interest.INTEREST_MASK | Interest.HANGUP | Interest.ERROR);
        if (unknown != 0) {
            throw new IllegalArgumentException("unknown interest bits: " + Interest.toString(interest));
        }
        return interest & Interest.INTEREST_MASK;
    }

    private int liveFd(int key) {
        if (key < 0 || key >= slotsUsed || slotFd[key] == FREE) {
            throw new IllegalArgumentException("not a registered key: " + key);
        }
        return slotFd[key];
    }

    private int allocateSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (slotsUsed == slotFd.length) {
            int n = slotFd.length * 2;
            slotFd = Arrays.copyOf(slotFd, n);
            Arrays.fill(slotFd, slotsUsed, n, FREE);
            slotGeneration = Arrays.copyOf(slotGeneration, n);
            slotInterest = Arrays.copyOf(slotInterest, n);
            slotAttachment = Arrays.copyOf(slotAttachment, n);
            freeSlots = Arrays.copyOf(freeSlots, n);
        }
        return slotsUsed++;
    }

    private void releaseSlot(int key) {
        slotFd[key] = FREE;
        slotGeneration[key]++;
        slotInterest[key] = 0;
        slotAttachment[key] = null;
        freeSlots[freeCount++] = key;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedPollerException();
        }
    }
}
