package io.coronet.examples.redis;

import java.util.Arrays;

/**
 * A binary-safe key with content equality and a hash computed once (a byte[] has identity
 * equality, so it cannot be a map key itself).
 *
 * <p>Keys of up to 16 bytes (most keys: "user:1000", "key:000000012345") are packed into two
 * longs inside this object, so a lookup that reaches the entry compares them without loading
 * another object: profiling redis-benchmark -r 100000 showed the key comparison as the top
 * sample, the cache miss on the key's byte[] (benchmarks/RESULTS.md). Longer keys keep their
 * array, which nobody writes after construction.
 */
final class Key {
    static final int PACKED_MAX = 16;

    private final long lo;
    private final long hi;
    /** The bytes of a key longer than {@link #PACKED_MAX}, else null. */
    private final byte[] bytes;
    private final int length;
    private final int hash;

    Key(byte[] key) {
        length = key.length;
        hash = Arrays.hashCode(key);
        if (key.length <= PACKED_MAX) {
            long l = 0, h = 0;
            for (int i = 0; i < key.length; i++) {
                long b = key[i] & 0xffL;
                if (i < 8) {
                    l |= b << (8 * i);
                } else {
                    h |= b << (8 * (i - 8));
                }
            }
            lo = l;
            hi = h;
            bytes = null;
        } else {
            lo = 0;
            hi = 0;
            bytes = key;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && k.length == length
                && (bytes == null ? k.lo == lo && k.hi == hi : Arrays.equals(k.bytes, bytes));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "Key[" + length + " bytes, hash " + Integer.toHexString(hash) + "]";
    }
}
