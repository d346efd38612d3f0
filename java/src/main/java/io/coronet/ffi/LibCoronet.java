package io.coronet.ffi;

import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.types.int64_t;
import jnr.ffi.types.u_int64_t;
import jnr.ffi.types.uintptr_t;

/**
 * The raw binding of {@code native/include/coronet.h}: one method per C function, same names,
 * same argument order. Read the header for each function's contract.
 *
 * <p>How the types are chosen, to stay on jffi's fast invoker (no marshalling, no heap arrays,
 * ~10 ns a call; see benchmarks/RESULTS.md):
 * <ul>
 *   <li>{@code int} for C {@code int} and {@code uint32_t} (same register, the bits are what matter);
 *   <li>{@code @int64_t long} / {@code @u_int64_t long} for the 64-bit integers (poller handles,
 *       byte counts, tokens);
 *   <li>{@code @uintptr_t long} for every pointer: a raw address of off-heap memory owned by a
 *       {@link NativeBuffer}, never a Java array. The checked wrappers ({@link NativeSockets},
 *       {@code io.coronet.poll.Poller}) validate address and length before calling;
 *   <li>{@code String} only on cold calls (listen, connect), where jnr-ffi's copy does not matter;
 *   <li>{@link IgnoreError} everywhere: the C side returns {@code -errno} itself, so jffi need not
 *       save errno after each call.
 * </ul>
 *
 * <p>This interface is unchecked: a wrong address crashes the JVM. Call it through the wrappers.
 * Get the instance from {@link NativeLibrary#lib()}.
 */
public interface LibCoronet {

    // ---- the poller ----------------------------------------------------------------------

    @IgnoreError String cn_backend_name();

    @IgnoreError int cn_poller_caps();

    @IgnoreError @int64_t long cn_poller_create();

    @IgnoreError int cn_poller_add(@int64_t long poller, int fd, int interest, @u_int64_t long token);

    @IgnoreError int cn_poller_modify(@int64_t long poller, int fd, int interest, @u_int64_t long token);

    @IgnoreError int cn_poller_remove(@int64_t long poller, int fd);

    /** {@code events} is the address of {@code capacity} cn_event structs. */
    @IgnoreError int cn_poller_wait(@int64_t long poller, @uintptr_t long events, int capacity, int timeoutMs);

    @IgnoreError int cn_poller_wake(@int64_t long poller);

    @IgnoreError int cn_poller_close(@int64_t long poller);

    // ---- sockets -------------------------------------------------------------------------

    @IgnoreError int cn_tcp_listen(String host, int port, int backlog, int flags);

    @IgnoreError int cn_tcp_accept(int listenFd);

    /** {@code fds} is the address of {@code max} C ints. */
    @IgnoreError int cn_tcp_accept_many(int listenFd, @uintptr_t long fds, int max);

    @IgnoreError int cn_tcp_connect(String host, int port);

    @IgnoreError int cn_tcp_connect_addr(String addr, int port);

    /** {@code out} is the address of {@code outCap} bytes: NUL-terminated numeric hosts, one after the other. */
    @IgnoreError int cn_resolve(String host, int port, int flags, @uintptr_t long out, int outCap);

    /** {@code buf} is the address of {@code len} bytes. */
    @IgnoreError int cn_resolve_error_text(int code, @uintptr_t long buf, int len);

    @IgnoreError int cn_socket_error(int fd);

    @IgnoreError @int64_t long cn_read(int fd, @uintptr_t long buf, @int64_t long len);

    @IgnoreError @int64_t long cn_write(int fd, @uintptr_t long buf, @int64_t long len);

    /** {@code iov} is the address of {@code cnt} struct iovec (layout from {@link Abi}). */
    @IgnoreError @int64_t long cn_readv(int fd, @uintptr_t long iov, int cnt);

    @IgnoreError @int64_t long cn_writev(int fd, @uintptr_t long iov, int cnt);

    @IgnoreError int cn_shutdown(int fd, int how);

    @IgnoreError int cn_close(int fd);

    @IgnoreError int cn_set_blocking(int fd, int blocking);

    @IgnoreError int cn_set_nodelay(int fd, int on);

    @IgnoreError int cn_set_linger(int fd, int on, int seconds);

    @IgnoreError int cn_set_buffer_sizes(int fd, int sndbuf, int rcvbuf);

    /** {@code host} is the address of {@code hostLen} bytes; the C side NUL-terminates. */
    @IgnoreError int cn_sockname(int fd, int peer, @uintptr_t long host, int hostLen);

    /** {@code fds} is the address of two C ints. */
    @IgnoreError int cn_socketpair(@uintptr_t long fds);

    @IgnoreError int cn_pipe(@uintptr_t long fds);

    /** The soft RLIMIT_NOFILE (Long.MAX_VALUE when unlimited), or -errno. */
    @IgnoreError long cn_fd_soft_limit();

    /** Raises the soft RLIMIT_NOFILE to the hard limit: the soft limit now in force (as above), or -errno. */
    @IgnoreError long cn_raise_fd_limit();

    /** The lowest free fd number, or -errno. */
    @IgnoreError int cn_lowest_free_fd();

    // ---- ABI -----------------------------------------------------------------------------

    @IgnoreError @int64_t long cn_abi(int key);

    // ---- constants of the header (the same on every platform: coronet's own numbers) -----

    int CN_READABLE = 0x01;
    int CN_WRITABLE = 0x02;
    int CN_HANGUP = 0x04;
    int CN_ERROR = 0x08;
    int CN_EDGE = 0x10;

    int CN_CAP_NATIVE_EDGE = 0x01;
    int CN_CAP_CLOSE_REMOVES = 0x02;

    int CN_LISTEN_REUSEPORT = 0x01;
    int CN_LISTEN_BIND_ONLY = 0x02;

    int CN_RESOLVE_PASSIVE = 0x01;
    int CN_RESOLVE_NUMERIC = 0x02;

    int CN_SHUT_RD = 0;
    int CN_SHUT_WR = 1;
    int CN_SHUT_RDWR = 2;

    int CN_ABI_VERSION = 0;
    int CN_ABI_EVENT_SIZE = 1;
    int CN_ABI_EVENT_TOKEN_OFFSET = 2;
    int CN_ABI_EVENT_EVENTS_OFFSET = 3;
    int CN_ABI_IOVEC_SIZE = 4;
    int CN_ABI_IOVEC_BASE_OFFSET = 5;
    int CN_ABI_IOVEC_LEN_OFFSET = 6;
    int CN_ABI_IOV_MAX = 7;
    int CN_ABI_EAGAIN = 20;
    int CN_ABI_EINTR = 21;
    int CN_ABI_EBADF = 22;
    int CN_ABI_ECONNRESET = 23;
    int CN_ABI_EPIPE = 24;
    int CN_ABI_EMFILE = 25;
    int CN_ABI_ENFILE = 26;
    int CN_ABI_EINPROGRESS = 27;
    int CN_ABI_ECONNREFUSED = 28;
    int CN_ABI_ETIMEDOUT = 29;
    int CN_ABI_ENOTCONN = 30;
    int CN_ABI_EINVAL = 31;
    int CN_ABI_ENOMEM = 32;
    int CN_ABI_ENOBUFS = 33;
    int CN_ABI_EADDRINUSE = 34;
    int CN_ABI_EEXIST = 35;
    int CN_ABI_ENOENT = 36;
    int CN_ABI_ECONNABORTED = 37;
    int CN_ABI_EHOSTUNREACH = 38;
    int CN_ABI_ENETUNREACH = 39;
    int CN_ABI_RESOLVE_ERROR_BASE = 62;
}
