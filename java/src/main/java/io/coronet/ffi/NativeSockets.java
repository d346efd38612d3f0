package io.coronet.ffi;

import java.nio.charset.StandardCharsets;

/**
 * Checked wrappers over libcoronet's socket calls: arguments are validated in Java before they
 * cross (fd >= 0, buffer ranges inside their {@link NativeBuffer}), failures become typed
 * {@link NativeException}s through {@link Errors}, and "not ready" (EAGAIN) is the return value
 * {@link #WOULD_BLOCK}, never an exception.
 *
 * <p>Every socket these calls create is non-blocking and close-on-exec; writes never raise
 * SIGPIPE (a closed peer gives {@link BrokenPipeException}). The hot calls ({@link #read},
 * {@link #write}, {@link #accept}) do not allocate.
 */
public final class NativeSockets {

    /** "Not ready": the call would block (EAGAIN). Wait for readiness, then retry. */
    public static final int WOULD_BLOCK = -1;

    private static final LibCoronet LIB = NativeLibrary.lib();

    private NativeSockets() {
    }

    // ---- listen / accept / connect ---------------------------------------------------------

    /**
     * A listening TCP socket on host:port (numeric address or name; port 0 picks a free one,
     * see {@link #localPort}). SO_REUSEADDR is always set; {@code reusePort} adds SO_REUSEPORT so
     * several event loops can each own a listener on the same port.
     */
    public static int listen(String host, int port, int backlog, boolean reusePort) throws java.io.IOException {
        requireHost(host);
        requirePort(port);
        if (backlog <= 0) {
            throw new IllegalArgumentException("backlog must be > 0: " + backlog);
        }
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_tcp_listen(host, port, backlog, reusePort ? LibCoronet.CN_LISTEN_REUSEPORT : 0);
        if (res < 0) {
            throw failure("listen", host, port, res);
        }
        return res;
    }

    /**
     * Binds a socket to host:port without listening (SO_REUSEADDR, no SO_REUSEPORT): fails with
     * {@link AddressInUseException} if anyone serves host:port, however they bound it. For a
     * server that must know the port is its own before it binds several SO_REUSEPORT listeners
     * on it. Returns the fd (close it); port 0 binds a free port ({@link #localPort}).
     */
    public static int bindProbe(String host, int port) throws java.io.IOException {
        requireHost(host);
        requirePort(port);
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_tcp_listen(host, port, 1, LibCoronet.CN_LISTEN_BIND_ONLY);
        if (res < 0) {
            throw failure("bind", host, port, res);
        }
        return res;
    }

    /** Accepts one pending connection: its fd (non-blocking), or {@link #WOULD_BLOCK} when none is pending. */
    public static int accept(int listenFd) throws NativeException {
        requireFd(listenFd);
        NativeStats.count(NativeStats.Kind.READ);
        int res = LIB.cn_tcp_accept(listenFd); // skips connections lost in the queue itself
        if (res >= 0) {
            return res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("accept", listenFd, -res);
    }

    /**
     * Accepts up to {@code max} pending connections in one crossing, their fds stored as C ints
     * at {@code fds[0..count)}. Returns the count (>= 1), or {@link #WOULD_BLOCK} when none is pending.
     */
    public static int acceptMany(int listenFd, NativeBuffer fds, int max) throws NativeException {
        requireFd(listenFd);
        if (max <= 0) {
            throw new IllegalArgumentException("max must be > 0: " + max);
        }
        if (max > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("max too large: " + max);
        }
        long address = fds.checkedAddress(0, max * 4);
        NativeStats.count(NativeStats.Kind.READ);
        int res = LIB.cn_tcp_accept_many(listenFd, address, max);
        if (res >= 0) {
            return res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("accept", listenFd, -res);
    }

    /**
     * Starts a non-blocking connect and returns the fd at once. The connect completes later: wait
     * until the fd is writable, then call {@link #checkConnected(int)}.
     */
    public static int connect(String host, int port) throws java.io.IOException {
        requireHost(host);
        requirePort(port);
        if (port == 0) {
            throw new IllegalArgumentException("cannot connect to port 0");
        }
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_tcp_connect(host, port);
        if (res < 0) {
            throw failure("connect", host, port, res);
        }
        return res;
    }

    /**
     * Starts a non-blocking connect to one numeric address (never a lookup, so it never blocks)
     * and returns the fd at once; wait until writable, then {@link #checkConnected(int)}. A name
     * is refused with {@link UnresolvedHostException} (resolve it first: {@link #resolve}).
     */
    public static int connectAddress(String address, int port) throws java.io.IOException {
        requireHost(address);
        requirePort(port);
        if (port == 0) {
            throw new IllegalArgumentException("cannot connect to port 0");
        }
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_tcp_connect_addr(address, port);
        if (res < 0) {
            throw failure("connect", address, port, res);
        }
        return res;
    }

    private static java.io.IOException failure(String call, String host, int port, int res) {
        String target = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        return Errors.resolutionFailure(call, host, target, res);
    }

    /** Room for the addresses of one name: ~90 IPv6 addresses with scope ids. */
    private static final int RESOLVE_CAPACITY = 4096;

    /**
     * The numeric addresses of {@code host} (a name or numeric) for TCP on {@code port}, in the
     * resolver's order: getaddrinfo(3), which may block for a name (event loops call it through
     * {@code io.coronet.coro.Offload}: see {@code io.coronet.net.Resolver}). {@code passive}: for
     * listening. Failure: {@link UnresolvedHostException} with the resolver's reason.
     */
    public static java.util.List<String> resolve(String host, int port, boolean passive) throws java.io.IOException {
        requireHost(host);
        requirePort(port);
        return resolve(host, port, passive ? LibCoronet.CN_RESOLVE_PASSIVE : 0);
    }

    /** The address itself if {@code host} is numeric (IPv4 or IPv6), else null. Never blocks. */
    public static String numericAddress(String host) throws java.io.IOException {
        requireHost(host);
        NativeStats.count(NativeStats.Kind.OTHER);
        try (NativeBuffer out = NativeBuffer.allocate(HOST_CAPACITY)) {
            int res = LIB.cn_resolve(host, 0, LibCoronet.CN_RESOLVE_NUMERIC, out.checkedAddress(0, HOST_CAPACITY), HOST_CAPACITY);
            if (Errors.isResolverError(res)) {
                return null; // not numeric: a name
            }
            if (res < 0) {
                throw Errors.exception("resolve", host, -res);
            }
            return readStrings(out, 1).get(0);
        }
    }

    private static java.util.List<String> resolve(String host, int port, int flags) throws java.io.IOException {
        NativeStats.count(NativeStats.Kind.OTHER);
        try (NativeBuffer out = NativeBuffer.allocate(RESOLVE_CAPACITY)) {
            int res = LIB.cn_resolve(host, port, flags, out.checkedAddress(0, RESOLVE_CAPACITY), RESOLVE_CAPACITY);
            if (res < 0) {
                throw Errors.resolutionFailure("resolve", host, host, res);
            }
            if (res == 0) { // getaddrinfo succeeded with nothing we can use
                throw Errors.exception("resolve", host, Abi.EINVAL);
            }
            return readStrings(out, res);
        }
    }

    /** {@code count} NUL-terminated ASCII strings from the start of {@code buf}. */
    private static java.util.List<String> readStrings(NativeBuffer buf, int count) {
        java.util.List<String> list = new java.util.ArrayList<>(count);
        int at = 0;
        for (int i = 0; i < count; i++) {
            int end = at;
            while (end < buf.capacity() && buf.get(end) != 0) {
                end++;
            }
            byte[] b = new byte[end - at];
            buf.getBytes(at, b, 0, b.length);
            list.add(new String(b, StandardCharsets.US_ASCII));
            at = end + 1;
        }
        return list;
    }

    /** Throws the outcome of a finished non-blocking connect (SO_ERROR) as a typed exception. */
    public static void checkConnected(int fd) throws NativeException {
        int err = socketError(fd);
        if (err != 0) {
            throw Errors.exception("connect", fd, err);
        }
    }

    /** The pending SO_ERROR of fd as an errno (0: none). */
    public static int socketError(int fd) throws NativeException {
        requireFd(fd);
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_socket_error(fd);
        if (res >= 0) {
            return 0;
        }
        // cn_socket_error folds "getsockopt failed" and "SO_ERROR is set" into one -errno; EBADF
        // and ENOTSOCK can only come from getsockopt itself
        if (-res == Abi.EBADF) {
            throw Errors.exception("getsockopt", fd, -res);
        }
        return -res;
    }

    // ---- data --------------------------------------------------------------------------------

    /**
     * Reads into {@code buf[offset, offset + length)}, length > 0. Returns the bytes read (> 0),
     * 0 at end of stream, or {@link #WOULD_BLOCK}.
     */
    public static int read(int fd, NativeBuffer buf, int offset, int length) throws NativeException {
        requireFd(fd);
        if (length <= 0) {
            // a 0-byte read returns 0, which would read as end of stream
            throw new IllegalArgumentException("length must be > 0: " + length);
        }
        long address = buf.checkedAddress(offset, length);
        NativeStats.count(NativeStats.Kind.READ);
        long res = LIB.cn_read(fd, address, length);
        if (res >= 0) {
            return (int) res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("read", fd, (int) -res);
    }

    /**
     * Writes {@code buf[offset, offset + length)}. Returns the bytes written (>= 0, possibly fewer
     * than length), or {@link #WOULD_BLOCK} when the send buffer is full.
     */
    public static int write(int fd, NativeBuffer buf, int offset, int length) throws NativeException {
        requireFd(fd);
        long address = buf.checkedAddress(offset, length);
        NativeStats.count(NativeStats.Kind.WRITE);
        long res = LIB.cn_write(fd, address, length);
        if (res >= 0) {
            return (int) res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("write", fd, (int) -res);
    }

    /**
     * Writes the ranges of {@code iov} with one writev(2). Returns the bytes written (>= 0, possibly
     * fewer than {@link IoVector#totalLength()}: then {@link IoVector#consume} them and retry), or
     * {@link #WOULD_BLOCK}.
     */
    public static long writev(int fd, IoVector iov) throws NativeException {
        requireFd(fd);
        if (iov.count() == 0) {
            return 0;
        }
        long address = iov.checkedAddress();
        NativeStats.count(NativeStats.Kind.WRITE);
        long res = LIB.cn_writev(fd, address, iov.count());
        if (res >= 0) {
            return res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("writev", fd, (int) -res);
    }

    /**
     * Reads into the ranges of {@code iov} (in order) with one readv(2); their total length must be
     * > 0. Returns the bytes read (> 0), 0 at end of stream, or {@link #WOULD_BLOCK}.
     */
    public static long readv(int fd, IoVector iov) throws NativeException {
        requireFd(fd);
        if (iov.totalLength() <= 0) {
            throw new IllegalArgumentException("readv needs ranges of total length > 0");
        }
        long address = iov.checkedAddress();
        NativeStats.count(NativeStats.Kind.READ);
        long res = LIB.cn_readv(fd, address, iov.count());
        if (res >= 0) {
            return res;
        }
        if (Errors.isWouldBlock(res)) {
            return WOULD_BLOCK;
        }
        throw Errors.exception("readv", fd, (int) -res);
    }

    // ---- shutdown / close / options -------------------------------------------------------------

    /** Half-close: sends FIN; reads keep working. */
    public static void shutdownOutput(int fd) throws NativeException {
        shutdown(fd, LibCoronet.CN_SHUT_WR);
    }

    /** Further reads return end of stream. */
    public static void shutdownInput(int fd) throws NativeException {
        shutdown(fd, LibCoronet.CN_SHUT_RD);
    }

    private static void shutdown(int fd, int how) throws NativeException {
        requireFd(fd);
        NativeStats.count(NativeStats.Kind.OTHER);
        Errors.check(LIB.cn_shutdown(fd, how), "shutdown", fd);
    }

    /** Closes fd. A second close of the same number is EBADF ({@link BadFileDescriptorException}). */
    public static void close(int fd) throws NativeException {
        requireFd(fd);
        NativeStats.count(NativeStats.Kind.OTHER);
        Errors.check(LIB.cn_close(fd), "close", fd);
    }

    public static void setBlocking(int fd, boolean blocking) throws NativeException {
        requireFd(fd);
        Errors.check(LIB.cn_set_blocking(fd, blocking ? 1 : 0), "set_blocking", fd);
    }

    /** TCP_NODELAY: send small writes at once instead of waiting for ACKs (Nagle). */
    public static void setNoDelay(int fd, boolean on) throws NativeException {
        requireFd(fd);
        Errors.check(LIB.cn_set_nodelay(fd, on ? 1 : 0), "set_nodelay", fd);
    }

    /** SO_LINGER; {@code on} with 0 seconds makes close(2) send RST instead of FIN. */
    public static void setLinger(int fd, boolean on, int seconds) throws NativeException {
        requireFd(fd);
        if (seconds < 0) {
            throw new IllegalArgumentException("seconds must be >= 0: " + seconds);
        }
        Errors.check(LIB.cn_set_linger(fd, on ? 1 : 0, seconds), "set_linger", fd);
    }

    /** SO_SNDBUF / SO_RCVBUF; a value <= 0 leaves that one unchanged. */
    public static void setBufferSizes(int fd, int sendBuffer, int receiveBuffer) throws NativeException {
        requireFd(fd);
        Errors.check(LIB.cn_set_buffer_sizes(fd, sendBuffer, receiveBuffer), "set_buffer_sizes", fd);
    }

    // ---- addresses -------------------------------------------------------------------------------

    /** The local address of fd (after listen with port 0: the port the kernel chose). */
    public static SocketAddress localAddress(int fd) throws NativeException {
        return sockname(fd, false);
    }

    /** The address of the peer of a connected fd. */
    public static SocketAddress peerAddress(int fd) throws NativeException {
        return sockname(fd, true);
    }

    public static int localPort(int fd) throws NativeException {
        return localAddress(fd).port();
    }

    /** INET6_ADDRSTRLEN is 46; a little room for a scope id. */
    private static final int HOST_CAPACITY = 128;

    private static SocketAddress sockname(int fd, boolean peer) throws NativeException {
        requireFd(fd);
        try (NativeBuffer host = NativeBuffer.allocate(HOST_CAPACITY)) {
            NativeStats.count(NativeStats.Kind.OTHER);
            int port = LIB.cn_sockname(fd, peer ? 1 : 0, host.checkedAddress(0, HOST_CAPACITY), HOST_CAPACITY);
            if (port < 0) {
                throw Errors.exception(peer ? "getpeername" : "getsockname", fd, -port);
            }
            byte[] bytes = new byte[HOST_CAPACITY];
            host.getBytes(0, bytes, 0, HOST_CAPACITY);
            int len = 0;
            while (len < bytes.length && bytes[len] != 0) {
                len++;
            }
            return new SocketAddress(new String(bytes, 0, len, StandardCharsets.US_ASCII), port);
        }
    }

    // ---- fds for tests and tools -------------------------------------------------------------

    /** A connected pair of non-blocking AF_UNIX stream sockets. */
    public static int[] socketpair() throws NativeException {
        try (NativeBuffer fds = NativeBuffer.allocate(8)) {
            NativeStats.count(NativeStats.Kind.OTHER);
            Errors.check(LIB.cn_socketpair(fds.checkedAddress(0, 8)), "socketpair", -1);
            return new int[] {fds.getInt(0), fds.getInt(4)};
        }
    }

    /** A non-blocking pipe: [0] the read end, [1] the write end. */
    public static int[] pipe() throws NativeException {
        try (NativeBuffer fds = NativeBuffer.allocate(8)) {
            NativeStats.count(NativeStats.Kind.OTHER);
            Errors.check(LIB.cn_pipe(fds.checkedAddress(0, 8)), "pipe", -1);
            return new int[] {fds.getInt(0), fds.getInt(4)};
        }
    }

    /** The process's soft limit on open fds (getrlimit RLIMIT_NOFILE); Long.MAX_VALUE when unlimited. */
    public static long fdSoftLimit() throws NativeException {
        NativeStats.count(NativeStats.Kind.OTHER);
        return Errors.check(LIB.cn_fd_soft_limit(), "getrlimit", -1);
    }

    /**
     * Raises the soft limit on open fds to the hard limit (setrlimit RLIMIT_NOFILE) and returns the
     * soft limit now in force, like {@link #fdSoftLimit()}; throws when setrlimit refuses.
     */
    public static long raiseFdLimit() throws NativeException {
        NativeStats.count(NativeStats.Kind.OTHER);
        return Errors.check(LIB.cn_raise_fd_limit(), "setrlimit", -1);
    }

    /** The number the next new fd would get, or -1 when none is free (EMFILE/ENFILE). */
    public static int lowestFreeFd() throws NativeException {
        NativeStats.count(NativeStats.Kind.OTHER);
        int res = LIB.cn_lowest_free_fd();
        if (res >= 0) {
            return res;
        }
        if (res == -Abi.EMFILE || res == -Abi.ENFILE) {
            return -1;
        }
        throw Errors.exception("open(/dev/null)", -1, -res);
    }

    // ---- validation ------------------------------------------------------------------------------

    static void requireFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
    }

    private static void requireHost(String host) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must be a non-empty address or name");
        }
        if (host.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("host contains NUL: " + host);
        }
    }

    private static void requirePort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
        }
    }
}
