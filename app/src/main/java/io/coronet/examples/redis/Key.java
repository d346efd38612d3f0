package io.coronet.examples.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A binary-safe key: the key's bytes with content equality and a hash computed once (a byte[]
 * has identity equality, so it cannot be a map key itself). The array is owned by the key:
 * nobody writes it after construction.
 */
final class Key {
    private final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
