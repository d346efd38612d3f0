package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IoVectorTest {

    @Test
    void writevSendsTheRangesInOrderWithOneCall() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer head = NativeBuffer.allocate(16); NativeBuffer body = NativeBuffer.allocate(16);
             NativeBuffer in = NativeBuffer.allocate(64); IoVector iov = IoVector.allocate(4)) {
            int[] p = fds.add(NativeSockets.socketpair());
            put(head, 0, "HEAD:");
            put(body, 0, "body-bytes");
            iov.add(head, 0, 5).add(body, 0, 4).add(body, 4, 6);
            assertEquals(3, iov.count());
            assertEquals(15, iov.totalLength());
            assertEquals(15, NativeSockets.writev(p[0], iov));
            assertEquals(15, NativeSockets.read(p[1], in, 0, 64));
            assertEquals("HEAD:body-bytes", get(in, 0, 15));
        }
    }

    @Test
    void readvFillsTheRangesInOrder() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer a = NativeBuffer.allocate(4); NativeBuffer b = NativeBuffer.allocate(16);
             IoVector iov = IoVector.allocate(2)) {
            int[] p = fds.add(NativeSockets.socketpair());
            iov.add(a, 0, 4).add(b, 0, 16);
            assertEquals(NativeSockets.WOULD_BLOCK, NativeSockets.readv(p[1], iov));
            put(b, 0, "0123456789");
            NativeSockets.write(p[0], b, 0, 10);
            assertEquals(10, NativeSockets.readv(p[1], iov));
            assertEquals("0123", get(a, 0, 4));
            assertEquals("456789", get(b, 0, 6));
            NativeSockets.shutdownOutput(p[0]);
            assertEquals(0, NativeSockets.readv(p[1], iov), "end of stream");
        }
    }

    @Test
    void consumeDropsWhatWasWrittenAndKeepsTheRest() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(32); NativeBuffer in = NativeBuffer.allocate(32);
             IoVector iov = IoVector.allocate(4)) {
            int[] p = fds.add(NativeSockets.socketpair());
            put(buf, 0, "aaaabbbbcccc");
            iov.add(buf, 0, 4).add(buf, 4, 4).add(buf, 8, 4);
            iov.consume(6); // "aaaa" done, "bb" of the second range done
            assertEquals(2, iov.count());
            assertEquals(6, iov.totalLength());
            assertEquals(6, NativeSockets.writev(p[0], iov));
            assertEquals(6, NativeSockets.read(p[1], in, 0, 32));
            assertEquals("bbcccc", get(in, 0, 6));
            iov.consume(6);
            assertEquals(0, iov.count());
            assertEquals(0, NativeSockets.writev(p[0], iov), "nothing left to write");
            assertThrows(IllegalArgumentException.class, () -> iov.consume(1));
        }
    }

    @Test
    void rangesAreCheckedWhenAddedAndBuffersWhenUsed() throws Exception {
        try (Fds fds = new Fds(); IoVector iov = IoVector.allocate(2)) {
            int[] p = fds.add(NativeSockets.socketpair());
            NativeBuffer buf = NativeBuffer.allocate(8);
            assertThrows(IndexOutOfBoundsException.class, () -> iov.add(buf, 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> iov.add(buf, -1, 1));
            iov.add(buf, 0, 8).add(buf, 0, 1);
            assertThrows(IllegalStateException.class, () -> iov.add(buf, 0, 1), "full");
            buf.close();
            assertThrows(IllegalStateException.class, () -> NativeSockets.writev(p[0], iov));
            assertThrows(IllegalStateException.class, () -> NativeSockets.readv(p[0], iov));
            iov.clear();
            assertEquals(0, iov.count());
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.readv(p[0], iov), "nothing to read into");
        }
        assertThrows(IllegalArgumentException.class, () -> IoVector.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> IoVector.allocate(Abi.IOV_MAX + 1));
    }

    @Test
    void useAfterCloseThrows() {
        IoVector iov = IoVector.allocate(1);
        iov.close();
        iov.close();
        try (NativeBuffer buf = NativeBuffer.allocate(4)) {
            assertThrows(IllegalStateException.class, () -> iov.add(buf, 0, 4));
        }
    }

    private static void put(NativeBuffer buf, int offset, String s) {
        buf.putBytes(offset, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String get(NativeBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.getBytes(offset, b, 0, length);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
