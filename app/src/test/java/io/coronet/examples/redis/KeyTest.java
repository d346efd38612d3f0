package io.coronet.examples.redis;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Key equality is content equality, for packed (<= 16 bytes) and array keys alike. */
class KeyTest {
    @Test
    void equalContentEqualKeysAndDifferentContentDifferentKeys() {
        Random rnd = new Random(7);
        Set<String> seen = new HashSet<>();
        for (int len = 0; len <= 40; len++) {
            for (int n = 0; n < 50; n++) {
                byte[] a = new byte[len];
                rnd.nextBytes(a);
                byte[] copy = a.clone();
                assertEquals(new Key(a), new Key(copy), "same content, length " + len);
                assertEquals(new Key(a).hashCode(), new Key(copy).hashCode());
                if (len > 0) {
                    byte[] other = a.clone();
                    other[rnd.nextInt(len)] ^= (byte) (1 + rnd.nextInt(255));
                    assertNotEquals(new Key(a), new Key(other), "one byte differs, length " + len);
                }
                seen.add(len + ":" + java.util.HexFormat.of().formatHex(a));
            }
        }
        // trailing zero bytes are part of the key: "a" and "a\0" differ although both pack to the same longs
        assertNotEquals(new Key(new byte[] {'a'}), new Key(new byte[] {'a', 0}));
        assertNotEquals(new Key(new byte[0]), new Key(new byte[] {0}));
        assertEquals(new Key(new byte[0]), new Key(new byte[0]));
        assertTrue(seen.size() > 1000);
    }
}
