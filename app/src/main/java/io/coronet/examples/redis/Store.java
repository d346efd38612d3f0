package io.coronet.examples.redis;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keyspace: string keys to {@link Entry entries}, shared by every event loop.
 *
 * <p>Why one concurrent map and not a shard per loop: a command then runs right where it was
 * read, on the connection's own loop, with no hand-off to another thread and back (a
 * cross-thread wake-up costs more than the whole command); ConcurrentHashMap reads take no
 * lock and writes lock one bin. README "The store" has the measurement.
 *
 * <p>Every read-modify-write (INCR, SET NX/XX, EXPIRE) is a compare-and-set loop over
 * immutable entries ({@code putIfAbsent}, {@code replace(k, old, new)}, {@code remove(k, old)}),
 * so it is atomic across loops without a lock and without allocating a lambda per call.
 *
 * <p>Expiry is lazy (an expired entry found by a command is removed then, and the command sees
 * no key) plus {@link #sweep}: keys that were given an expiry are also kept in
 * {@link #expiring}, and a periodic sweep walks that set a bounded number of keys per call,
 * removing what has expired (Redis samples its "expires" dictionary the same way).
 */
final class Store {
    private final ConcurrentHashMap<Key, Entry> map = new ConcurrentHashMap<>();
    /** Keys that were given an expiry (possibly since removed or persisted: the sweep drops those). */
    private final ConcurrentHashMap.KeySetView<Key, Boolean> expiring = ConcurrentHashMap.newKeySet();
    /** The sweep's cursor into {@link #expiring}; only the sweeping loop touches it. */
    private Iterator<Key> sweepCursor;

    /** The live entry of {@code key}, or null (an expired one is removed on the way). */
    Entry get(Key key, long now) {
        Entry e = map.get(key);
        if (e != null && e.isExpired(now)) {
            map.remove(key, e);
            return null;
        }
        return e;
    }

    /** Unconditional SET (clears any expiry unless {@code entry} has one). */
    void put(Key key, Entry entry) {
        map.put(key, entry);
        track(key, entry);
    }

    /**
     * SET with conditions: stores {@code value} when {@code nx} (only if absent), {@code xx}
     * (only if present) or neither allows it; {@code keepTtl} keeps the live entry's expiry.
     * The live entry found (or null) goes to {@code previous[0]} when previous is not null.
     * Returns true when the value was stored.
     */
    boolean set(Key key, byte[] value, long expireAt, boolean nx, boolean xx, boolean keepTtl, long now, Entry[] previous) {
        while (true) {
            Entry old = map.get(key);
            Entry live = old != null && !old.isExpired(now) ? old : null;
            if (previous != null) {
                previous[0] = live;
            }
            if ((nx && live != null) || (xx && live == null)) {
                return false;
            }
            Entry next = new Entry(value, keepTtl && live != null ? live.expireAt() : expireAt);
            if (old == null ? map.putIfAbsent(key, next) == null : map.replace(key, old, next)) {
                track(key, next);
                return true;
            }
        }
    }

    /** Removes {@code key}; true if it was live. */
    boolean delete(Key key, long now) {
        Entry e = map.remove(key);
        return e != null && !e.isExpired(now);
    }

    boolean exists(Key key, long now) {
        return get(key, now) != null;
    }

    /**
     * Adds {@code delta} to the integer stored at {@code key} (0 if absent), keeping its expiry.
     * Returns the new entry, whose value holds the decimal digits of the result.
     *
     * @throws CommandError if the value is not an integer or the result would overflow
     */
    Entry incrBy(Key key, long delta, long now) {
        while (true) {
            Entry old = map.get(key);
            Entry live = old != null && !old.isExpired(now) ? old : null;
            long current = live == null ? 0 : Integers.parse(live.value());
            long result = current + delta;
            if (((current ^ result) & (delta ^ result)) < 0) { // Math.addExact's test, without the throw
                throw CommandError.OVERFLOW;
            }
            Entry next = new Entry(Integers.toBytes(result), live == null ? Entry.NO_EXPIRY : live.expireAt());
            if (old == null ? map.putIfAbsent(key, next) == null : map.replace(key, old, next)) {
                return next;
            }
        }
    }

    /**
     * The EXPIRE options of Redis 7, which combine (XX GT, XX LT): NX only without an expiry,
     * XX only with one, GT/LT only if the new expiry is later/earlier (no expiry counts as
     * infinite).
     */
    record ExpireCondition(boolean nx, boolean xx, boolean gt, boolean lt) {
        boolean allows(Entry old, long expireAt) {
            boolean has = old.hasExpiry();
            return (!nx || !has) && (!xx || has)
                    && (!gt || (has && expireAt > old.expireAt()))
                    && (!lt || !has || expireAt < old.expireAt());
        }
    }

    /**
     * Sets the expiry of a live key to {@code expireAt} (epoch ms); one at or before {@code now}
     * deletes the key. Returns false when the key is missing or the condition refused.
     */
    boolean expire(Key key, long expireAt, ExpireCondition condition, long now) {
        while (true) {
            Entry old = map.get(key);
            if (old == null) {
                return false;
            }
            if (old.isExpired(now)) {
                map.remove(key, old);
                return false;
            }
            if (!condition.allows(old, expireAt)) {
                return false;
            }
            if (expireAt <= now) {
                if (map.remove(key, old)) {
                    return true;
                }
                continue;
            }
            Entry next = new Entry(old.value(), expireAt);
            if (map.replace(key, old, next)) {
                track(key, next);
                return true;
            }
        }
    }

    /** Keys in the store, expired ones not yet removed included (as Redis's DBSIZE counts). */
    int size() {
        return map.size();
    }

    void clear() {
        map.clear();
        expiring.clear();
    }

    private void track(Key key, Entry entry) {
        if (entry.hasExpiry()) {
            expiring.add(key);
        }
    }

    /**
     * One step of the active expiry: looks at up to {@code budget} keys of the expiring set,
     * continuing where the last step stopped, and removes the expired ones (and the keys that
     * no longer have an expiry from the set). Returns how many keys it removed from the store.
     * Called from one loop only.
     */
    int sweep(int budget, long now) {
        int removed = 0;
        for (int i = 0; i < budget; i++) {
            if (sweepCursor == null || !sweepCursor.hasNext()) {
                sweepCursor = expiring.iterator();
                if (!sweepCursor.hasNext()) {
                    break;
                }
            }
            Key key = sweepCursor.next();
            Entry e = map.get(key);
            if (e == null || !e.hasExpiry()) {
                expiring.remove(key);
            } else if (e.isExpired(now)) {
                if (map.remove(key, e)) {
                    removed++;
                }
                expiring.remove(key);
            }
        }
        return removed;
    }

    /** Keys currently in the expiring set (for tests and INFO). */
    int expiringCount() {
        return expiring.size();
    }
}
