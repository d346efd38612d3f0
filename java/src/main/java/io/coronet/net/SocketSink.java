package io.coronet.net;

import io.coronet.coro.AsyncFd;
import io.coronet.ffi.IoVector;
import io.coronet.ffi.NativeSockets;

import java.io.IOException;

/**
 * The socket under a TCP connection's {@link BufferedOutput}: gather writes (one range: a plain
 * send) that never wait,
 * and the fd's writability for when they could not take everything.
 */
record SocketSink(AsyncFd fd) implements BufferedOutput.Sink {
    @Override
    public long writeNow(IoVector ranges) throws IOException {
        if (!fd.isWritable() || ranges.count() == 0) {
            return 0; // known full: no syscall that would only say EAGAIN
        }
        // One range (a request-response protocol's reply, whatever its pieces: they gather in
        // one pooled chunk) goes out with send(2): sendmsg(2) also copies in a msghdr and an
        // iovec array, measurably more kernel time per call (the redis example at pipeline 1,
        // benchmarks/RESULTS.md).
        long n = ranges.count() == 1
                ? NativeSockets.write(fd.fd(), ranges.buffer(0), ranges.offset(0), ranges.length(0))
                : NativeSockets.writev(fd.fd(), ranges);
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
