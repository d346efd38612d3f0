package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.ffi.IoVector;
import io.coronet.ffi.NativeSockets;

import java.io.IOException;

/**
 * The socket under a TCP connection's {@link BufferedOutput}: gather writes that never wait,
 * and the fd's writability for when they could not take everything.
 */
record SocketSink(AsyncFd fd) implements BufferedOutput.Sink {
    @Override
    public long writeNow(IoVector ranges) throws IOException {
        if (!fd.isWritable() || ranges.count() == 0) {
            return 0; // known full: no syscall that would only say EAGAIN
        }
        long n = NativeSockets.writev(fd.fd(), ranges);
        if (n == NativeSockets.WOULD_BLOCK) {
            fd.writeBlocked();
            return 0;
        }
        if (n < ranges.totalLength()) {
            fd.writeBlocked(); // a partial write means the send buffer is full now
        }
        return n;
    }

    @Override
    public void awaitWritable() throws IOException {
        fd.awaitWritable();
    }

    @Override
    public void whenWritable(Runnable action) {
        fd.whenWritable(action);
    }
}
