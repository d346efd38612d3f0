package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorsTest {

    @Test
    void checkReturnsNonNegativeResultsUnchanged() throws NativeException {
        assertEquals(0, Errors.check(0, "read", 3));
        assertEquals(42, Errors.check(42, "read", 3));
        assertEquals(Long.MAX_VALUE, Errors.check(Long.MAX_VALUE, "read", 3));
    }

    @Test
    void checkThrowsTheTypedExceptionNamingCallFdAndErrno() {
        NativeException e = assertThrows(NativeException.class, () -> Errors.check(-Abi.EBADF, "read", 12));
        assertInstanceOf(BadFileDescriptorException.class, e);
        assertEquals("read(fd=12): EBADF (Bad file descriptor)", e.getMessage());
        assertEquals("read", e.call());
        assertEquals(12, e.fd());
        assertEquals(Abi.EBADF, e.errno());
        assertEquals("EBADF", e.errnoName());
    }

    @Test
    void messageReadsLikeTheStandard() {
        assertEquals("read(fd=12): ECONNRESET (Connection reset by peer)",
                Errors.exception("read", 12, Abi.ECONNRESET).getMessage());
        assertEquals("listen(127.0.0.1:8080): EADDRINUSE (Address already in use)",
                Errors.exception("listen", "127.0.0.1:8080", Abi.EADDRINUSE).getMessage());
        assertEquals("poller_wait: EINVAL (Invalid argument)",
                Errors.exception("poller_wait", -1, Abi.EINVAL).getMessage());
    }

    @Test
    void eachErrnoMapsToItsType() {
        assertSame(ConnectionResetException.class, Errors.exception("read", 1, Abi.ECONNRESET).getClass());
        assertSame(BrokenPipeException.class, Errors.exception("write", 1, Abi.EPIPE).getClass());
        assertSame(BadFileDescriptorException.class, Errors.exception("close", 1, Abi.EBADF).getClass());
        assertSame(ConnectionRefusedException.class, Errors.exception("connect", 1, Abi.ECONNREFUSED).getClass());
        assertSame(TooManyOpenFilesException.class, Errors.exception("accept", 1, Abi.EMFILE).getClass());
        assertSame(TooManyOpenFilesException.class, Errors.exception("accept", 1, Abi.ENFILE).getClass());
        assertSame(AddressInUseException.class, Errors.exception("listen", "h:1", Abi.EADDRINUSE).getClass());
        assertSame(NativeException.class, Errors.exception("read", 1, Abi.EINVAL).getClass());
        assertInstanceOf(java.io.IOException.class, Errors.exception("read", 1, Abi.EINVAL));
    }

    @Test
    void peerCausedErrorsCarryNoStackTraceTheOthersDo() {
        // A reset or broken pipe is the peer's doing and routine for a server: no stack walk.
        assertInstanceOf(PeerGoneException.class, Errors.exception("read", 1, Abi.ECONNRESET));
        assertInstanceOf(PeerGoneException.class, Errors.exception("write", 1, Abi.EPIPE));
        assertEquals(0, Errors.exception("read", 1, Abi.ECONNRESET).getStackTrace().length);
        assertEquals(0, Errors.exception("write", 1, Abi.EPIPE).getStackTrace().length);
        // A local misuse (EBADF, EINVAL) keeps the stack that finds the bug.
        assertTrue(Errors.exception("close", 1, Abi.EBADF).getStackTrace().length > 0);
        assertTrue(Errors.exception("read", 1, Abi.EINVAL).getStackTrace().length > 0);
    }

    @Test
    void anUnknownErrnoStillGivesAReadableMessage() {
        NativeException e = Errors.exception("read", 5, 99999);
        assertEquals("read(fd=5): errno 99999 (unknown error)", e.getMessage());
        assertEquals(99999, e.errno());
    }

    @Test
    void onlyEagainIsWouldBlock() {
        assertTrue(Errors.isWouldBlock(-Abi.EAGAIN));
        assertFalse(Errors.isWouldBlock(0));
        assertFalse(Errors.isWouldBlock(Abi.EAGAIN));
        assertFalse(Errors.isWouldBlock(-Abi.EBADF));
        assertFalse(Errors.isWouldBlock(-Abi.EINTR));
    }

    @Test
    void aRealFailedSyscallArrivesTyped() throws NativeException {
        int[] pair = NativeSockets.socketpair();
        NativeSockets.close(pair[1]);
        NativeSockets.close(pair[0]);
        BadFileDescriptorException e = assertThrows(BadFileDescriptorException.class, () -> NativeSockets.close(pair[0]));
        assertEquals("close(fd=" + pair[0] + "): EBADF (Bad file descriptor)", e.getMessage());
    }

    @Test
    void abiReportsDistinctPositiveErrnoNumbers() {
        int[] all = {Abi.EAGAIN, Abi.EINTR, Abi.EBADF, Abi.ECONNRESET, Abi.EPIPE, Abi.EMFILE, Abi.ENFILE,
                Abi.EINPROGRESS, Abi.ECONNREFUSED, Abi.ETIMEDOUT, Abi.ENOTCONN, Abi.EINVAL, Abi.ENOMEM,
                Abi.ENOBUFS, Abi.EADDRINUSE, Abi.EEXIST, Abi.ENOENT, Abi.ECONNABORTED, Abi.EHOSTUNREACH,
                Abi.ENETUNREACH};
        assertEquals(all.length, java.util.Arrays.stream(all).distinct().count());
        for (int v : all) {
            assertTrue(v > 0, "errno " + v);
        }
        // the names jnr-constants gives these numbers must be the ones cn_abi meant
        assertEquals("EAGAIN", Errors.exception("x", 1, Abi.EAGAIN).errnoName());
        assertEquals("ECONNABORTED", Errors.exception("x", 1, Abi.ECONNABORTED).errnoName());
    }
}
