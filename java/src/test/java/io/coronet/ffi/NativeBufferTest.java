package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeBufferTest {

    @Test
    void allocatesZeroedMemoryOfTheRequestedCapacity() {
        try (NativeBuffer buf = NativeBuffer.allocate(100)) {
            assertEquals(100, buf.capacity());
            for (int i = 0; i < 100; i++) {
                assertEquals(0, buf.get(i), "byte " + i);
            }
        }
    }

    @Test
    void rejectsNonPositiveCapacity() {
        assertThrows(IllegalArgumentException.class, () -> NativeBuffer.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> NativeBuffer.allocate(-1));
    }

    @Test
    void putThenGetRoundTrips() {
        try (NativeBuffer buf = NativeBuffer.allocate(16)) {
            buf.put(0, (byte) 0x7f);
            buf.put(15, (byte) -1);
            buf.putInt(4, 0xCAFEBABE);
            buf.putLong(8, Long.MIN_VALUE + 3);
            assertEquals((byte) 0x7f, buf.get(0));
            assertEquals(0xCAFEBABE, buf.getInt(4));
            assertEquals(Long.MIN_VALUE + 3, buf.getLong(8));
            buf.put(15, (byte) -1);
            assertEquals(-1, buf.get(15));
        }
    }

    @Test
    void bytesAreCopiedInAndOut() {
        try (NativeBuffer buf = NativeBuffer.allocate(32)) {
            byte[] src = "hello, coronet".getBytes();
            buf.putBytes(3, src);
            byte[] dst = new byte[src.length + 2];
            buf.getBytes(3, dst, 1, src.length);
            assertEquals("hello, coronet", new String(dst, 1, src.length));
            src[0] = 'J'; // the buffer holds a copy
            assertEquals('h', buf.get(3));
        }
    }

    @Test
    void copyWithinHandlesOverlapLikeMemmove() {
        try (NativeBuffer buf = NativeBuffer.allocate(16)) {
            buf.putBytes(0, "abcdefgh".getBytes());
            buf.copyWithin(0, 2, 6); // forward overlap
            byte[] out = new byte[8];
            buf.getBytes(0, out, 0, 8);
            assertEquals("ababcdef", new String(out));
            buf.putBytes(0, "abcdefgh".getBytes());
            buf.copyWithin(2, 0, 6); // backward overlap
            buf.getBytes(0, out, 0, 8);
            assertEquals("cdefghgh", new String(out));
        }
    }

    @Test
    void copyMovesBytesBetweenBuffersWithinBounds() {
        try (NativeBuffer a = NativeBuffer.allocate(8); NativeBuffer b = NativeBuffer.allocate(4)) {
            a.putBytes(0, "abcdefgh".getBytes());
            NativeBuffer.copy(a, 4, b, 0, 4);
            byte[] out = new byte[4];
            b.getBytes(0, out, 0, 4);
            assertEquals("efgh", new String(out));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeBuffer.copy(a, 0, b, 1, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeBuffer.copy(a, 5, b, 0, 4));
            b.close();
            assertThrows(IllegalStateException.class, () -> NativeBuffer.copy(a, 0, b, 0, 1));
        }
    }

    @Test
    void fillSetsTheRange() {
        try (NativeBuffer buf = NativeBuffer.allocate(8)) {
            buf.fill(2, 4, (byte) 'x');
            byte[] out = new byte[8];
            buf.getBytes(0, out, 0, 8);
            assertArrayEquals(new byte[] {0, 0, 'x', 'x', 'x', 'x', 0, 0}, out);
        }
    }

    @Test
    void checkedAddressAcceptsExactlyTheRangesInside() {
        try (NativeBuffer buf = NativeBuffer.allocate(10)) {
            assertEquals(buf.address(), buf.checkedAddress(0, 10));
            assertEquals(buf.address() + 10, buf.checkedAddress(10, 0));
            assertEquals(buf.address() + 4, buf.checkedAddress(4, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(0, 11));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(11, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(-1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(2, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.checkedAddress(Integer.MAX_VALUE, Integer.MAX_VALUE));
        }
    }

    @Test
    void badRangesAreRejectedBeforeAnyAccess() {
        try (NativeBuffer buf = NativeBuffer.allocate(8)) {
            assertThrows(IndexOutOfBoundsException.class, () -> buf.get(8));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.get(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.put(8, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.getInt(5));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.getLong(1));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.putBytes(4, new byte[5]));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.getBytes(0, new byte[4], 0, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.getBytes(0, new byte[8], 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.copyWithin(0, 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> buf.fill(7, 2, (byte) 0));
        }
    }

    @Test
    void everyAccessAfterCloseThrowsIllegalState() {
        NativeBuffer buf = NativeBuffer.allocate(8);
        buf.close();
        buf.close(); // idempotent
        assertTrue(buf.isClosed());
        assertThrows(IllegalStateException.class, buf::address);
        assertThrows(IllegalStateException.class, () -> buf.get(0));
        assertThrows(IllegalStateException.class, () -> buf.put(0, (byte) 1));
        assertThrows(IllegalStateException.class, () -> buf.getLong(0));
        assertThrows(IllegalStateException.class, () -> buf.checkedAddress(0, 0));
        assertThrows(IllegalStateException.class, () -> buf.putBytes(0, new byte[0]));
        assertThrows(IllegalStateException.class, () -> buf.copyWithin(0, 0, 0));
        assertThrows(IllegalStateException.class, () -> buf.fill(0, 1, (byte) 0));
        assertEquals(8, buf.capacity());
    }
}
