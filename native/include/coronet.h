/*
 * coronet.h - the one public header of libcoronet.
 *
 * A thin, portable layer over the kernel's readiness multiplexer (epoll on Linux,
 * kqueue on macOS/BSD, poll(2) as a fallback) plus the non-blocking socket calls a
 * TCP server needs. It is called from Java through jnr-ffi, so:
 *
 *   - Every function returns >= 0 on success or -errno on failure. errno is read
 *     right after the failing syscall; the caller never looks at errno itself
 *     (the Java binding is declared @IgnoreError, which keeps calls on jffi's fast path).
 *   - Nothing aborts, nothing allocates on the data path, nothing calls back into Java.
 *   - EINTR is retried here, once, in C (a wait recomputes its remaining timeout
 *     on CLOCK_MONOTONIC), so callers never see it.
 *   - Every fd this library creates is O_CLOEXEC; every socket fd is O_NONBLOCK unless
 *     cn_set_blocking() says otherwise; writes never raise SIGPIPE.
 *   - Errno values and struct layout are reported by cn_abi(): callers hard-code none,
 *     since the numbers differ between Linux and macOS.
 */
#ifndef CORONET_H
#define CORONET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- portable readiness bits (interest and events) -------------------------------- */
#define CN_READABLE 0x01u /* data (or EOF, or a pending connection) can be read        */
#define CN_WRITABLE 0x02u /* the send buffer has room (or a connect completed)         */
#define CN_HANGUP   0x04u /* events only: the peer shut its write side (EPOLLRDHUP,
                             EPOLLHUP, EV_EOF on EVFILT_READ); reads drain, then EOF  */
#define CN_ERROR    0x08u /* events only: an error is pending on the socket (EPOLLERR,
                             EV_EOF on EVFILT_WRITE); read it with cn_socket_error()   */
#define CN_EDGE     0x10u /* interest only: report a readiness once per transition, as
                             epoll's EPOLLET and kqueue's EV_CLEAR do. The poll(2)
                             backend emulates it: a reported bit is disarmed until the
                             next cn_poller_modify() (see cn_poller_caps)              */

/* ---- poller capabilities (cn_poller_caps) ----------------------------------------- */
#define CN_CAP_NATIVE_EDGE 0x01u /* CN_EDGE is the kernel's: no re-arm is ever needed.
                                   Without it, a caller that drained an fd to EAGAIN
                                   calls cn_poller_modify() to re-arm before waiting */
#define CN_CAP_CLOSE_REMOVES 0x02u /* closing an fd (its last reference) deregisters it,
                                   as epoll and kqueue do. Without it (poll), a closed
                                   fd stays registered: cn_poller_remove() it first */

/* The one token value callers may not use: the backends mark their internal
 * wake-up source with it. cn_poller_add/modify return -EINVAL for it. */
#define CN_TOKEN_RESERVED UINT64_MAX

/* One ready fd, as cn_poller_wait() fills the caller's array. The token is the
 * caller's own 64-bit value given at cn_poller_add (never a pointer): in coronet it
 * holds a slot index plus a generation, so a stale event for an fd that was closed
 * and whose number was reused within one batch can be recognised and dropped. */
typedef struct cn_event {
    uint64_t token;
    uint32_t events; /* CN_READABLE | CN_WRITABLE | CN_HANGUP | CN_ERROR */
    uint32_t reserved;
} cn_event;

/* ---- the poller ------------------------------------------------------------------- */
/* A poller is an opaque handle (an address, always > 0) owned by one thread, except for
 * cn_poller_wake() which any thread may call. Every cn_poller_* call returns -EBADF
 * for a handle <= 0. */

/* The backend this library was built with: "epoll", "kqueue" or "poll". */
const char *cn_backend_name(void);
/* CN_CAP_* bits of this backend. */
int cn_poller_caps(void);

/* Returns a handle (> 0) or -errno. */
int64_t cn_poller_create(void);
/* Registers fd once; interest is CN_READABLE|CN_WRITABLE|CN_EDGE bits. Hang-up and
 * error are always reported (without CN_EDGE: on every wait while they last; kqueue
 * reports them through the filters asked for, so not with interest 0). -EEXIST if
 * fd is already registered (epoll, poll; kqueue cannot tell a re-add after close
 * and treats it as a modify). -EBADF for a bad fd, -EINVAL for unknown bits or the
 * reserved token. */
int cn_poller_add(int64_t poller, int fd, uint32_t interest, uint64_t token);
/* Changes interest and token of a registered fd (and re-arms emulated edges).
 * -ENOENT if fd is not registered. kqueue queues the change and hands it to the
 * kernel with the next wait; a kernel error for it (say the fd was closed) is then
 * dropped, or reported as CN_ERROR for the token (see native/README.md). */
int cn_poller_modify(int64_t poller, int fd, uint32_t interest, uint64_t token);
/* Removes fd. Closing an fd removes it from epoll/kqueue too; call this first anyway
 * when the fd may be dup'ed, and always for the poll(2) backend (CN_CAP_CLOSE_REMOVES).
 * -ENOENT if fd is not registered (kqueue queues the removal, as for modify). */
int cn_poller_remove(int64_t poller, int fd);
/* Waits up to timeout_ms (-1: forever, 0: do not block) and fills at most capacity
 * events. Returns the count (0 on timeout or when only a wake-up arrived) or -errno.
 * One fd normally yields one event; on kqueue a read and a write event that the
 * kernel does not return next to each other come as two events with the same token,
 * so callers OR the bits of a token they see twice.
 * A wake-up is consumed here and never reported as an event. capacity <= 0 or
 * timeout_ms < -1: -EINVAL; events NULL: -EFAULT; poller 0: -EBADF. */
int cn_poller_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms);
/* Makes a current or the next cn_poller_wait() return. Safe from any thread;
 * wake-ups coalesce (eventfd on Linux, EVFILT_USER on kqueue, a pipe for poll). */
int cn_poller_wake(int64_t poller);
/* Closes the poller and frees its memory. The handle is invalid afterwards. */
int cn_poller_close(int64_t poller);

/* ---- sockets ---------------------------------------------------------------------- */
#define CN_LISTEN_REUSEPORT 0x01 /* SO_REUSEPORT: one listener per event loop           */
#define CN_LISTEN_BIND_ONLY 0x02 /* bind, do not listen: a probe that the port is free   */

/* host is numeric IPv4/IPv6 or a name (NULL: the first wildcard address getaddrinfo(3)
 * lists, 0.0.0.0 with glibc; "::" listens dual-stack on Linux); port 0 picks a
 * free port (see cn_sockname). SO_REUSEADDR is always set; backlog <= 0 means
 * SOMAXCONN. Returns the listening fd (non-blocking) or -errno. With CN_LISTEN_BIND_ONLY the
 * socket is bound but not listening (a connect to it is refused, nothing is queued): a
 * probe that fails with -EADDRINUSE if anyone serves host:port. A name is resolved
 * with getaddrinfo(3), which may block: an event loop resolves with cn_resolve off
 * its thread and passes the numeric address. A resolver failure returns its own
 * code, not an errno: see CN_RESOLVE_ERROR_BASE. */
int cn_tcp_listen(const char *host, int port, int backlog, int flags);
/* Accepts one connection: a non-blocking, close-on-exec fd, or -errno (-EAGAIN when
 * none is pending). A connection lost while queued (ECONNABORTED, or a network error
 * Linux passes on from it) is skipped for the next one, up to 64 in a row. */
int cn_tcp_accept(int listen_fd);
/* Accepts up to max connections into fds[]: returns how many (>= 1), or -errno when
 * the first accept fails (-EAGAIN when none is pending). */
int cn_tcp_accept_many(int listen_fd, int *fds, int max);
/* Starts a non-blocking connect. Returns the fd (the connect may still be in
 * progress: wait for CN_WRITABLE, then call cn_socket_error) or -errno. host and
 * resolver errors as for cn_tcp_listen (host NULL: the loopback address); tries the
 * resolver's addresses in order until one starts. May block in getaddrinfo(3) for a
 * name: event loops use cn_resolve (off the loop) and cn_tcp_connect_addr instead. */
int cn_tcp_connect(const char *host, int port);
/* cn_tcp_connect to one numeric IPv4/IPv6 address (an IPv6 one may carry a %scope):
 * never consults DNS or the hosts file, so it never blocks. A name is refused with
 * the resolver code for CN_EAI_NONAME; port must be 1..65535 (-EINVAL). */
int cn_tcp_connect_addr(const char *addr, int port);

/* ---- name resolution ---------------------------------------------------------------- */
#define CN_RESOLVE_PASSIVE 0x01 /* AI_PASSIVE: host NULL gives the wildcard addresses   */
#define CN_RESOLVE_NUMERIC 0x02 /* AI_NUMERICHOST: a numeric host only, never a lookup
                                   (never blocks); a name gives CN_EAI_NONAME          */

/* Resolver (getaddrinfo) failures are not errno values and must not be read as one: a
 * call that resolves returns -(CN_RESOLVE_ERROR_BASE + CN_EAI_*) for them, a number no
 * errno reaches. EAI_SYSTEM is reported as the -errno it carries. The CN_EAI_* numbers
 * are coronet's own (the platforms' EAI_* values differ, glibc's are negative);
 * cn_resolve_error_text names the platform's code and gives its gai_strerror(3) text. */
#define CN_RESOLVE_ERROR_BASE 100000
#define CN_EAI_NONAME     1  /* no such name (or not numeric with CN_RESOLVE_NUMERIC)    */
#define CN_EAI_AGAIN      2  /* temporary failure: the name server did not answer (yet) */
#define CN_EAI_FAIL       3  /* permanent name server failure                           */
#define CN_EAI_NODATA     4  /* the name exists but has no address                      */
#define CN_EAI_FAMILY     5  /* address family not supported                            */
#define CN_EAI_SERVICE    6  /* service (port) not supported for the socket type        */
#define CN_EAI_SOCKTYPE   7  /* socket type not supported                               */
#define CN_EAI_BADFLAGS   8  /* invalid flags                                           */
#define CN_EAI_MEMORY     9  /* out of memory                                           */
#define CN_EAI_ADDRFAMILY 10 /* the host has no address in the requested family         */
#define CN_EAI_OVERFLOW   11 /* an argument buffer overflowed                           */
#define CN_EAI_OTHER      99 /* a code this build does not know                         */

/* Resolves host (numeric or a name; NULL only with CN_RESOLVE_PASSIVE) for a TCP
 * socket on port (0..65535) with getaddrinfo(3), which may block for a name. Writes
 * each address, in the resolver's order without duplicates, as a numeric host string
 * (IPv6 with its %scope if any), NUL terminated, one after the other into
 * out[0..out_cap), and returns how many it wrote; an address that does not fit ends the
 * list. -ENOSPC if not even the first fits, -EFAULT for out NULL, -EINVAL for a bad
 * port, flags or cap, a resolver code (see above) when resolution fails. */
int cn_resolve(const char *host, int port, int flags, char *out, int out_cap);
/* For a code <= -CN_RESOLVE_ERROR_BASE: writes "EAI_NAME: gai_strerror text" (the
 * platform's name for the code, e.g. "EAI_NONAME: Name or service not known"), NUL
 * terminated and cut to fit, into buf[0..len) and returns its length. -EINVAL if code
 * is not a resolver code, -EFAULT for buf NULL, -ENOSPC for len < 1. */
int cn_resolve_error_text(int code, char *buf, int len);
/* SO_ERROR of fd as 0 or -errno (the outcome of a non-blocking connect). */
int cn_socket_error(int fd);

/* read(2)/send(2) with MSG_NOSIGNAL (write(2) for non-sockets): bytes moved, 0 for EOF
 * on read, or -errno. len must fit the memory at buf; the Java side checks it. */
int64_t cn_read(int fd, void *buf, int64_t len);
int64_t cn_write(int fd, const void *buf, int64_t len);
/* iov is an array of cnt struct iovec (see cn_abi for its size and offsets);
 * 0 <= cnt <= CN_ABI_IOV_MAX. Writes to a pipe whose reader is gone also return
 * -EPIPE without a signal (SIGPIPE is held blocked around that write(2)). */
int64_t cn_readv(int fd, const void *iov, int cnt);
int64_t cn_writev(int fd, const void *iov, int cnt);

#define CN_SHUT_RD   0
#define CN_SHUT_WR   1
#define CN_SHUT_RDWR 2
int cn_shutdown(int fd, int how);                  /* how: CN_SHUT_*            */
/* close(2). EINTR counts as closed (returns 0): the fd is released either way on
 * Linux, and retrying could close an fd another thread just got (close(2) NOTES). */
int cn_close(int fd);

int cn_set_blocking(int fd, int blocking);          /* clear/set O_NONBLOCK        */
int cn_set_nodelay(int fd, int on);                 /* TCP_NODELAY                 */
int cn_set_linger(int fd, int on, int seconds);     /* SO_LINGER (0 s: RST on close) */
int cn_set_buffer_sizes(int fd, int sndbuf, int rcvbuf); /* <= 0 leaves one as is   */
/* Local (peer == 0) or remote (peer != 0) address: writes the numeric host, NUL
 * terminated, into host[host_len] and returns the port, or -errno. */
int cn_sockname(int fd, int peer, char *host, int host_len);

/* For tests and tools: a connected AF_UNIX stream pair and a pipe, fds[0..1],
 * both non-blocking and close-on-exec. */
int cn_socketpair(int *fds);
int cn_pipe(int *fds);

/* The soft RLIMIT_NOFILE: fds at or above it cannot exist. INT64_MAX when unlimited.
 * A server keeps a reserve below it (see TcpListener) so the runtime can still open files. */
int64_t cn_fd_soft_limit(void);
/* Raises the soft RLIMIT_NOFILE to the hard limit (on macOS at most OPEN_MAX, the most
 * setrlimit accepts there) and returns the soft limit now in force, as cn_fd_soft_limit does,
 * or -errno when setrlimit refused (the limit is then unchanged). A server calls it once at start:
 * it holds an fd per connection, and the usual soft default (1024) is far below the hard one. */
int64_t cn_raise_fd_limit(void);
/* The fd number the next open/accept would get (the lowest free one), or -errno (-EMFILE when
 * none is free). Costs an open(2) and a close(2): call it only near the limit. */
int cn_lowest_free_fd(void);

/* ---- ABI: what the Java side must not hard-code ----------------------------------- */
#define CORONET_ABI_VERSION 1 /* what cn_abi(CN_ABI_VERSION) returns */
enum cn_abi_key {
    CN_ABI_VERSION = 0,           /* bumped when this header changes incompatibly */
    CN_ABI_EVENT_SIZE = 1,
    CN_ABI_EVENT_TOKEN_OFFSET = 2,
    CN_ABI_EVENT_EVENTS_OFFSET = 3,
    CN_ABI_IOVEC_SIZE = 4,
    CN_ABI_IOVEC_BASE_OFFSET = 5,
    CN_ABI_IOVEC_LEN_OFFSET = 6,
    CN_ABI_IOV_MAX = 7,
    CN_ABI_EAGAIN = 20,
    CN_ABI_EINTR = 21,
    CN_ABI_EBADF = 22,
    CN_ABI_ECONNRESET = 23,
    CN_ABI_EPIPE = 24,
    CN_ABI_EMFILE = 25,
    CN_ABI_ENFILE = 26,
    CN_ABI_EINPROGRESS = 27,
    CN_ABI_ECONNREFUSED = 28,
    CN_ABI_ETIMEDOUT = 29,
    CN_ABI_ENOTCONN = 30,
    CN_ABI_EINVAL = 31,
    CN_ABI_ENOMEM = 32,
    CN_ABI_ENOBUFS = 33,
    CN_ABI_EADDRINUSE = 34,
    CN_ABI_EEXIST = 35,
    CN_ABI_ENOENT = 36,
    CN_ABI_ECONNABORTED = 37,
    CN_ABI_EHOSTUNREACH = 38,
    CN_ABI_ENETUNREACH = 39,
    CN_ABI_EFAULT = 40,
    CN_ABI_ENOTSOCK = 41,
    CN_ABI_EOPNOTSUPP = 42,
    CN_ABI_ENOSPC = 43,
    CN_ABI_EADDRNOTAVAIL = 44,
    CN_ABI_EAFNOSUPPORT = 45,
    CN_ABI_EALREADY = 46,
    CN_ABI_EISCONN = 47,
    CN_ABI_ENOTSUP = 48,
    CN_ABI_EPERM = 49,
    CN_ABI_EACCES = 50,
    CN_ABI_ENOSYS = 51,
    /* poller/socket constants, so Java hard-codes none of them either */
    CN_ABI_CAPS = 60,              /* cn_poller_caps() */
    CN_ABI_SOMAXCONN = 61,
    CN_ABI_RESOLVE_ERROR_BASE = 62  /* CN_RESOLVE_ERROR_BASE */
};
/* The value for key, or -EINVAL for an unknown key. */
int64_t cn_abi(int key);

#ifdef __cplusplus
}
#endif
#endif /* CORONET_H */
