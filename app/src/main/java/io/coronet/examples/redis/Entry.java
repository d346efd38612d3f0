package io.coronet.examples.redis;

/**
 * A stored string value and its expiry, immutable: a change replaces the entry in the map
 * atomically (compute/replace), so loops sharing the store never see half an update.
 *
 * @param value    the bytes, never written after the entry is made
 * @param expireAt absolute expiry in epoch milliseconds, or {@link #NO_EXPIRY}
 */
record Entry(byte[] value, long expireAt) {
    static final long NO_EXPIRY = 0;

    boolean isExpired(long nowMillis) {
        return expireAt != NO_EXPIRY && nowMillis >= expireAt;
    }

    boolean hasExpiry() {
        return expireAt != NO_EXPIRY;
    }
}
