package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.coronet.ffi.NativeSockets.WOULD_BLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class NativeSocketsTest {

    private static final String LOCALHOST = "127.0.0.1";
    /** Bound on every retry loop below: a few thousand non-blocking attempts, a few ms each at most. */
    private static final int MAX_ATTEMPTS = 5_000;

    @Test
    void socketpairCarriesBytesBothWays() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(64)) {
            int[] p = fds.add(NativeSockets.socketpair());
            put(buf, 0, "ping");
            assertEquals(4, NativeSockets.write(p[0], buf, 0, 4));
            assertEquals(4, NativeSockets.read(p[1], buf, 10, 20));
            assertEquals("ping", get(buf, 10, 4));
            put(buf, 0, "pong!");
            assertEquals(5, NativeSockets.write(p[1], buf, 0, 5));
            assertEquals(5, NativeSockets.read(p[0], buf, 32, 32));
            assertEquals("pong!", get(buf, 32, 5));
        }
    }

    @Test
    void readOnAnEmptyNonBlockingSocketWouldBlock() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(16)) {
            int[] p = fds.add(NativeSockets.socketpair());
            assertEquals(WOULD_BLOCK, NativeSockets.read(p[0], buf, 0, 16));
        }
    }

    @Test
    void readReturnsZeroAtEndOfStreamAfterDrainingWhatWasSent() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(16)) {
            int[] p = fds.add(NativeSockets.socketpair());
            put(buf, 0, "bye");
            NativeSockets.write(p[1], buf, 0, 3);
            NativeSockets.shutdownOutput(p[1]);
            assertEquals(3, NativeSockets.read(p[0], buf, 0, 16));
            assertEquals(0, NativeSockets.read(p[0], buf, 0, 16));
        }
    }

    @Test
    void writeToAFullSendBufferWouldBlock() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(64 * 1024)) {
            int[] p = fds.add(NativeSockets.socketpair());
            int total = 0;
            int attempts = 0;
            int n;
            while ((n = NativeSockets.write(p[0], buf, 0, buf.capacity())) != WOULD_BLOCK) {
                total += n;
                if (++attempts > MAX_ATTEMPTS) fail("send buffer never filled after " + total + " bytes");
            }
            assertTrue(total > 0);
        }
    }

    @Test
    void pipeMovesBytesFromWriteEndToReadEnd() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(16)) {
            int[] p = fds.add(NativeSockets.pipe());
            assertEquals(WOULD_BLOCK, NativeSockets.read(p[0], buf, 0, 16));
            put(buf, 0, "abc");
            assertEquals(3, NativeSockets.write(p[1], buf, 0, 3));
            assertEquals(3, NativeSockets.read(p[0], buf, 8, 8));
            assertEquals("abc", get(buf, 8, 3));
        }
    }

    @Test
    void writeToAPipeWithoutReaderIsBrokenPipeNotSigpipe() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(16)) {
            int[] p = fds.add(NativeSockets.pipe());
            fds.closeNow(p[0]);
            BrokenPipeException e = assertThrows(BrokenPipeException.class, () -> NativeSockets.write(p[1], buf, 0, 4));
            assertEquals("write(fd=" + p[1] + "): EPIPE (Broken pipe)", e.getMessage());
        }
    }

    @Test
    void tcpListenConnectAcceptOnLoopback() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(64)) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            SocketAddress local = NativeSockets.localAddress(listener);
            assertEquals(LOCALHOST, local.host());
            assertTrue(local.port() > 0);
            assertEquals(local.port(), NativeSockets.localPort(listener));

            int client = fds.add(NativeSockets.connect(LOCALHOST, local.port()));
            int server = fds.add(acceptOne(listener));
            NativeSockets.checkConnected(client);
            assertEquals(0, NativeSockets.socketError(client));
            NativeSockets.setNoDelay(client, true);
            NativeSockets.setNoDelay(server, true);

            assertEquals(NativeSockets.localAddress(client), NativeSockets.peerAddress(server));
            assertEquals(local.port(), NativeSockets.peerAddress(client).port());

            put(buf, 0, "hello");
            assertEquals(5, NativeSockets.write(client, buf, 0, 5));
            assertEquals("hello", readExactly(server, buf, 5));
        }
    }

    @Test
    void acceptWithNothingPendingWouldBlock() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer many = NativeBuffer.allocate(4 * 8)) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            assertEquals(WOULD_BLOCK, NativeSockets.accept(listener));
            assertEquals(WOULD_BLOCK, NativeSockets.acceptMany(listener, many, 8));
        }
    }

    @Test
    void acceptManyTakesSeveralConnectionsInOneCall() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer many = NativeBuffer.allocate(4 * 8)) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            int port = NativeSockets.localPort(listener);
            for (int i = 0; i < 3; i++) {
                fds.add(NativeSockets.connect(LOCALHOST, port));
            }
            int accepted = 0;
            for (int attempt = 0; accepted < 3 && attempt < MAX_ATTEMPTS; attempt++) {
                int n = NativeSockets.acceptMany(listener, many, 8);
                if (n == WOULD_BLOCK) {
                    Thread.sleep(1);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int fd = fds.add(many.getInt(4 * i));
                    assertTrue(fd >= 0);
                }
                accepted += n;
            }
            assertEquals(3, accepted);
        }
    }

    @Test
    void secondListenerOnTheSamePortIsAddressInUse() throws Exception {
        try (Fds fds = new Fds()) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            int port = NativeSockets.localPort(listener);
            AddressInUseException e = assertThrows(AddressInUseException.class,
                    () -> fds.add(NativeSockets.listen(LOCALHOST, port, 16, false)));
            assertEquals("listen(127.0.0.1:" + port + "): EADDRINUSE (Address already in use)", e.getMessage());
        }
    }

    @Test
    void reusePortAllowsASecondListener() throws Exception {
        try (Fds fds = new Fds()) {
            int first = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, true));
            int port = NativeSockets.localPort(first);
            int second = fds.add(NativeSockets.listen(LOCALHOST, port, 16, true));
            assertNotEquals(first, second);
            assertEquals(port, NativeSockets.localPort(second));
        }
    }

    @Test
    void connectToAClosedPortIsRefused() throws Exception {
        try (Fds fds = new Fds()) {
            // a port that was just free: listen on 0, note the port, close
            int listener = NativeSockets.listen(LOCALHOST, 0, 1, false);
            int port = NativeSockets.localPort(listener);
            NativeSockets.close(listener);
            int client;
            try {
                client = fds.add(NativeSockets.connect(LOCALHOST, port));
            } catch (ConnectionRefusedException immediate) {
                return; // loopback may refuse synchronously: the same typed error
            }
            // otherwise the outcome arrives as SO_ERROR once the connect finished
            int err = 0;
            for (int attempt = 0; attempt < MAX_ATTEMPTS && (err = NativeSockets.socketError(client)) == 0; attempt++) {
                Thread.sleep(1);
            }
            assertEquals(Abi.ECONNREFUSED, err);
        }
    }

    @Test
    void resetByPeerIsConnectionReset() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(64)) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            int client = fds.add(NativeSockets.connect(LOCALHOST, NativeSockets.localPort(listener)));
            int server = fds.add(acceptOne(listener));
            put(buf, 0, "x");
            NativeSockets.write(client, buf, 0, 1);      // unread data at the server...
            readExactly(server, buf, 1);
            NativeSockets.setLinger(server, true, 0);    // ...and SO_LINGER 0: close sends RST
            fds.closeNow(server);
            NativeException e = null;
            for (int attempt = 0; attempt < MAX_ATTEMPTS && e == null; attempt++) {
                try {
                    if (NativeSockets.read(client, buf, 0, 64) == WOULD_BLOCK) Thread.sleep(1);
                } catch (NativeException thrown) {
                    e = thrown;
                }
            }
            ConnectionResetException reset = assertInstanceOf(e);
            assertEquals("read(fd=" + client + "): ECONNRESET (Connection reset by peer)", reset.getMessage());
        }
    }

    @Test
    void useAfterCloseIsBadFileDescriptor() throws Exception {
        Class<?> preloaded = BadFileDescriptorException.class; // no class loading (file opening) in between
        try (NativeBuffer buf = NativeBuffer.allocate(8)) {
            int[] p = NativeSockets.socketpair();
            NativeSockets.close(p[0]);
            NativeSockets.close(p[1]);
            // nothing else in this single-threaded test opens fds, so the numbers stay unused
            assertThrows(BadFileDescriptorException.class, () -> NativeSockets.read(p[0], buf, 0, 8));
            assertThrows(BadFileDescriptorException.class, () -> NativeSockets.write(p[0], buf, 0, 8));
            assertThrows(BadFileDescriptorException.class, () -> NativeSockets.shutdownOutput(p[0]));
            assertThrows(BadFileDescriptorException.class, () -> NativeSockets.close(p[0]));
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeTheyCross() throws Exception {
        try (Fds fds = new Fds(); NativeBuffer buf = NativeBuffer.allocate(8)) {
            int[] p = fds.add(NativeSockets.socketpair());
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.read(-1, buf, 0, 8));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.read(p[0], buf, 0, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeSockets.read(p[0], buf, 0, 9));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeSockets.read(p[0], buf, 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeSockets.read(p[0], buf, -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeSockets.write(p[0], buf, 0, Integer.MAX_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> NativeSockets.acceptMany(p[0], buf, 3));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.listen(LOCALHOST, 70000, 1, false));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.listen("", 0, 1, false));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.listen(LOCALHOST, 0, 0, false));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.connect(LOCALHOST, 0));
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.close(-5));
            NativeBuffer closed = NativeBuffer.allocate(8);
            closed.close();
            assertThrows(IllegalStateException.class, () -> NativeSockets.read(p[0], closed, 0, 8));
            assertThrows(IllegalStateException.class, () -> NativeSockets.write(p[0], closed, 0, 0));
        }
    }

    @Test
    void socketOptionsApply() throws Exception {
        try (Fds fds = new Fds()) {
            int listener = fds.add(NativeSockets.listen(LOCALHOST, 0, 16, false));
            int client = fds.add(NativeSockets.connect(LOCALHOST, NativeSockets.localPort(listener)));
            NativeSockets.setNoDelay(client, true);
            NativeSockets.setLinger(client, true, 1);
            NativeSockets.setBufferSizes(client, 64 * 1024, -1);
            NativeSockets.setBlocking(client, true);
            NativeSockets.setBlocking(client, false);
            assertThrows(IllegalArgumentException.class, () -> NativeSockets.setLinger(client, true, -1));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static ConnectionResetException assertInstanceOf(NativeException e) {
        if (!(e instanceof ConnectionResetException reset)) {
            throw new AssertionError("expected ConnectionResetException, got " + e, e);
        }
        return reset;
    }

    static int acceptOne(int listener) throws Exception {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int fd = NativeSockets.accept(listener);
            if (fd != WOULD_BLOCK) return fd;
            Thread.sleep(1);
        }
        throw new AssertionError("no connection arrived");
    }

    static String readExactly(int fd, NativeBuffer buf, int length) throws Exception {
        int got = 0;
        for (int attempt = 0; got < length && attempt < MAX_ATTEMPTS; attempt++) {
            int n = NativeSockets.read(fd, buf, got, length - got);
            if (n == 0) break;
            if (n == WOULD_BLOCK) {
                Thread.sleep(1);
            } else {
                got += n;
            }
        }
        assertEquals(length, got, "bytes read");
        return get(buf, 0, length);
    }

    static void put(NativeBuffer buf, int offset, String s) {
        buf.putBytes(offset, s.getBytes(StandardCharsets.US_ASCII));
    }

    static String get(NativeBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.getBytes(offset, b, 0, length);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
