/*
 * socket.c - non-blocking TCP and fd calls. Each returns >= 0 or -errno.
 *
 * Platform differences (atomic CLOEXEC/NONBLOCK, accept4, SIGPIPE suppression) live
 * in platform.c. EINTR is retried here for the calls that can block (a socket made
 * blocking with cn_set_blocking), never for close(2) (see cn_close).
 */
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* ---- name resolution ------------------------------------------------------------- */

/* getaddrinfo(3) reports EAI_* codes, not errno. They get a range of their own
 * (CN_RESOLVE_ERROR_BASE + CN_EAI_*, negated) so no caller reads "no such host" as
 * ENOENT or "the name server did not answer" as EHOSTUNREACH; EAI_SYSTEM carries a real
 * errno and is reported as that. */
static const struct {
    int eai;
    int cn;
    const char *name;
} cn__eai_codes[] = {
    {EAI_NONAME, CN_EAI_NONAME, "EAI_NONAME"},
    {EAI_AGAIN, CN_EAI_AGAIN, "EAI_AGAIN"},
    {EAI_FAIL, CN_EAI_FAIL, "EAI_FAIL"},
#ifdef EAI_NODATA
    {EAI_NODATA, CN_EAI_NODATA, "EAI_NODATA"},
#endif
    {EAI_FAMILY, CN_EAI_FAMILY, "EAI_FAMILY"},
    {EAI_SERVICE, CN_EAI_SERVICE, "EAI_SERVICE"},
    {EAI_SOCKTYPE, CN_EAI_SOCKTYPE, "EAI_SOCKTYPE"},
    {EAI_BADFLAGS, CN_EAI_BADFLAGS, "EAI_BADFLAGS"},
    {EAI_MEMORY, CN_EAI_MEMORY, "EAI_MEMORY"},
#ifdef EAI_ADDRFAMILY
    {EAI_ADDRFAMILY, CN_EAI_ADDRFAMILY, "EAI_ADDRFAMILY"},
#endif
#ifdef EAI_OVERFLOW
    {EAI_OVERFLOW, CN_EAI_OVERFLOW, "EAI_OVERFLOW"},
#endif
};
#define CN__EAI_COUNT ((int)(sizeof cn__eai_codes / sizeof cn__eai_codes[0]))

static int cn__gai_error(int rc, int saved_errno) {
    if (rc == EAI_SYSTEM)
        return saved_errno ? -saved_errno : -EIO;
    for (int i = 0; i < CN__EAI_COUNT; i++)
        if (cn__eai_codes[i].eai == rc)
            return -(CN_RESOLVE_ERROR_BASE + cn__eai_codes[i].cn);
    return -(CN_RESOLVE_ERROR_BASE + CN_EAI_OTHER);
}

static int cn__resolve_flags(const char *host, int port, int flags, struct addrinfo **out) {
    if (port < 0 || port > 65535)
        return -EINVAL;
    if (flags & ~(CN_RESOLVE_PASSIVE | CN_RESOLVE_NUMERIC))
        return -EINVAL;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | ((flags & CN_RESOLVE_PASSIVE) ? AI_PASSIVE : 0)
                     | ((flags & CN_RESOLVE_NUMERIC) ? AI_NUMERICHOST : 0);
    errno = 0;
    int rc = getaddrinfo(host, service, &hints, out);
    if (rc != 0)
        return cn__gai_error(rc, errno);
    return 0;
}

static int cn__resolve(const char *host, int port, int passive, struct addrinfo **out) {
    return cn__resolve_flags(host, port, passive ? CN_RESOLVE_PASSIVE : 0, out);
}

int cn_resolve(const char *host, int port, int flags, char *out, int out_cap) {
    if (out == NULL)
        return -EFAULT;
    if (out_cap <= 0)
        return -EINVAL;
    if (host == NULL && !(flags & CN_RESOLVE_PASSIVE))
        return -EINVAL;
    struct addrinfo *list;
    int rc = cn__resolve_flags(host, port, flags, &list);
    if (rc < 0)
        return rc;
    int count = 0;
    size_t used = 0;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        char text[NI_MAXHOST];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST) != 0)
            continue; /* cannot happen for AF_INET/AF_INET6; skip what we cannot print */
        /* drop duplicates (some resolvers list an address twice, e.g. per protocol) */
        int seen = 0;
        for (size_t at = 0; at < used; at += strlen(out + at) + 1)
            if (strcmp(out + at, text) == 0) {
                seen = 1;
                break;
            }
        if (seen)
            continue;
        size_t need = strlen(text) + 1;
        if (need > (size_t)out_cap - used)
            break;
        memcpy(out + used, text, need);
        used += need;
        count++;
    }
    int first_missing = list != NULL && count == 0;
    freeaddrinfo(list);
    if (first_missing)
        return -ENOSPC;
    return count;
}

int cn_resolve_error_text(int code, char *buf, int len) {
    if (code > -CN_RESOLVE_ERROR_BASE)
        return -EINVAL;
    if (buf == NULL)
        return -EFAULT;
    if (len < 1)
        return -ENOSPC;
    int cn = -code - CN_RESOLVE_ERROR_BASE;
    const char *name = "EAI_OTHER";
    const char *text = "unknown resolver error";
    for (int i = 0; i < CN__EAI_COUNT; i++)
        if (cn__eai_codes[i].cn == cn) {
            name = cn__eai_codes[i].name;
            text = gai_strerror(cn__eai_codes[i].eai);
            break;
        }
    int n = snprintf(buf, (size_t)len, "%s: %s", name, text);
    if (n < 0)
        return -EINVAL;
    return n < len ? n : len - 1;
}

/* ---- listen / accept / connect --------------------------------------------------- */

static int cn__setsockopt_int(int fd, int level, int name, int value) {
    if (setsockopt(fd, level, name, &value, sizeof value) < 0)
        return CN__ERR();
    return 0;
}

static int cn__listen_on(const struct addrinfo *ai, int backlog, int flags) {
    int fd = cn__socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
        return fd;
    int rc = cn__setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (rc == 0 && (flags & CN_LISTEN_REUSEPORT)) {
#ifdef SO_REUSEPORT
        rc = cn__setsockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
#else
        rc = -EOPNOTSUPP;
#endif
    }
    if (rc == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
        rc = CN__ERR();
    if (rc == 0 && !(flags & CN_LISTEN_BIND_ONLY) && listen(fd, backlog) < 0)
        rc = CN__ERR();
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

/* Calls open_one(ai, backlog, flags) on each address of list in resolver order until
 * one gives an fd, frees list, and returns that fd; if none does, the first address's
 * error (later addresses are alternatives to it, e.g. :: after 0.0.0.0). */
static int cn__first_fd(struct addrinfo *list,
                        int (*open_one)(const struct addrinfo *ai, int backlog, int flags),
                        int backlog, int flags) {
    int result = -EADDRNOTAVAIL;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        int fd = open_one(ai, backlog, flags);
        if (fd >= 0) {
            result = fd;
            break;
        }
        if (ai == list)
            result = fd;
    }
    freeaddrinfo(list);
    return result;
}

int cn_tcp_listen(const char *host, int port, int backlog, int flags) {
    if (flags & ~(CN_LISTEN_REUSEPORT | CN_LISTEN_BIND_ONLY))
        return -EINVAL;
    if (backlog <= 0)
        backlog = SOMAXCONN;
    struct addrinfo *list;
    int rc = cn__resolve(host, port, 1, &list);
    if (rc < 0)
        return rc;
    /* With host NULL, glibc lists 0.0.0.0 before ::. Take the first address that
     * binds; report the first failure if none does. */
    return cn__first_fd(list, cn__listen_on, backlog, flags);
}

/* accept(2) can fail for one queued connection and succeed for the next: the peer reset it
 * while it waited (ECONNABORTED) or, on Linux, a network error pending on it is passed on
 * (accept(2), "Error handling": treat EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
 * EOPNOTSUPP, ENETUNREACH and ENETDOWN like EAGAIN by retrying). Each such failure took that
 * connection off the queue, so the next accept may succeed. At most CN__ACCEPT_LOST_MAX in a
 * row are skipped per call: an error that does not consume a connection (EOPNOTSUPP on a
 * listener that is not SOCK_STREAM) then reaches the caller instead of spinning here. */
#define CN__ACCEPT_LOST_MAX 64

static int cn__accept_lost_one(int neg_errno) {
    switch (-neg_errno) {
    case ECONNABORTED:
    case EPROTO:
    case ENOPROTOOPT:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ENETDOWN:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
#ifdef ENONET
    case ENONET:
#endif
        return 1;
    default:
        return 0;
    }
}

/* cn__accept, skipping connections lost in the queue (see above). */
static int cn__accept_next(int listen_fd) {
    int fd = cn__accept(listen_fd);
    for (int lost = 0; fd < 0 && cn__accept_lost_one(fd) && lost < CN__ACCEPT_LOST_MAX; lost++)
        fd = cn__accept(listen_fd);
    return fd;
}

int cn_tcp_accept(int listen_fd) {
    if (listen_fd < 0)
        return -EBADF;
    return cn__accept_next(listen_fd);
}

int cn_tcp_accept_many(int listen_fd, int *fds, int max) {
    if (listen_fd < 0)
        return -EBADF;
    if (max <= 0)
        return -EINVAL;
    if (fds == NULL)
        return -EFAULT;
    int n = 0;
    while (n < max) {
        int fd = cn__accept_next(listen_fd);
        if (fd < 0)
            return n > 0 ? n : fd;
        fds[n++] = fd;
    }
    return n;
}

/* backlog and flags: unused, the shape cn__first_fd calls. */
static int cn__connect_to(const struct addrinfo *ai, int backlog, int flags) {
    (void)backlog;
    (void)flags;
    int fd = cn__socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
        return fd;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    /* A non-blocking connect(2) that cannot finish at once says EINPROGRESS: the
     * outcome arrives as CN_WRITABLE and SO_ERROR. EINTR means the same here (the
     * connect continues asynchronously, connect(2)), so it is not retried. */
    if (rc < 0 && errno != EINPROGRESS && errno != EINTR) {
        rc = CN__ERR();
        close(fd);
        return rc;
    }
    return fd;
}

int cn_tcp_connect(const char *host, int port) {
    if (port <= 0 || port > 65535)
        return -EINVAL;
    struct addrinfo *list;
    int rc = cn__resolve(host, port, 0, &list);
    if (rc < 0)
        return rc;
    /* Try the addresses in resolver order until one starts; a refusal that is
     * known at once (possible on loopback) moves on to the next address. */
    return cn__first_fd(list, cn__connect_to, 0, 0);
}

int cn_tcp_connect_addr(const char *addr, int port) {
    if (addr == NULL)
        return -EFAULT;
    if (port <= 0 || port > 65535)
        return -EINVAL;
    struct addrinfo *list;
    int rc = cn__resolve_flags(addr, port, CN_RESOLVE_NUMERIC, &list);
    if (rc < 0)
        return rc;
    return cn__first_fd(list, cn__connect_to, 0, 0);
}

int cn_socket_error(int fd) {
    if (fd < 0)
        return -EBADF;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return CN__ERR();
    return -err;
}

/* ---- data ------------------------------------------------------------------------ */

static int cn__check_buffer(int fd, const void *buf, int64_t len) {
    if (fd < 0)
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    if (buf == NULL && len > 0)
        return -EFAULT;
    return 0;
}

/* The kernel moves at most SSIZE_MAX (Linux: 0x7ffff000) bytes per call anyway. */
static size_t cn__clamp_len(int64_t len) {
    return (uint64_t)len > (uint64_t)SSIZE_MAX ? (size_t)SSIZE_MAX : (size_t)len;
}

int64_t cn_read(int fd, void *buf, int64_t len) {
    int rc = cn__check_buffer(fd, buf, len);
    if (rc < 0)
        return rc;
    ssize_t n;
    do {
        n = read(fd, buf, cn__clamp_len(len));
    } while (n < 0 && errno == EINTR);
    return n < 0 ? CN__ERR() : n;
}

/*
 * write(2)/writev(2) for a non-socket (a pipe): MSG_NOSIGNAL does not exist there, so
 * SIGPIPE is blocked for this thread around the call, and a SIGPIPE the call left
 * pending is accepted with sigwait(3) (it returns at once: the signal is pending)
 * before the old mask comes back. A SIGPIPE that was pending before is left alone.
 * sigwait rather than sigtimedwait, which macOS lacks. Only pipes pay these extra
 * syscalls; sockets never get here.
 */
static ssize_t cn__write_nosigpipe(int fd, const struct iovec *iov, int cnt) {
    sigset_t pipe_only, old_mask, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    cn__thread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
    ssize_t n;
    do {
        n = writev(fd, iov, cnt);
    } while (n < 0 && errno == EINTR);
    int saved = errno;
    if (n < 0 && saved == EPIPE && !was_pending) {
        sigpending(&pending);
        int sig;
        if (sigismember(&pending, SIGPIPE))
            sigwait(&pipe_only, &sig);
    }
    cn__thread_sigmask(SIG_SETMASK, &old_mask, NULL);
    errno = saved;
    return n;
}

static ssize_t cn__sendmsg(int fd, const struct iovec *iov, int cnt) {
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = (struct iovec *)iov;
    msg.msg_iovlen = cnt;
    ssize_t n;
    do {
        n = sendmsg(fd, &msg, cn__msg_nosignal());
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOTSOCK)
        n = cn__write_nosigpipe(fd, iov, cnt);
    return n;
}

int64_t cn_write(int fd, const void *buf, int64_t len) {
    int rc = cn__check_buffer(fd, buf, len);
    if (rc < 0)
        return rc;
    size_t n_bytes = cn__clamp_len(len);
    ssize_t n;
    do {
        n = send(fd, buf, n_bytes, cn__msg_nosignal());
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOTSOCK) {
        struct iovec one = {(void *)buf, n_bytes};
        n = cn__write_nosigpipe(fd, &one, 1);
    }
    return n < 0 ? CN__ERR() : n;
}

static int cn__check_iov(int fd, const void *iov, int cnt) {
    if (fd < 0)
        return -EBADF;
    if (cnt < 0 || cnt > IOV_MAX)
        return -EINVAL;
    if (iov == NULL && cnt > 0)
        return -EFAULT;
    return 0;
}

int64_t cn_readv(int fd, const void *iov, int cnt) {
    int rc = cn__check_iov(fd, iov, cnt);
    if (rc < 0)
        return rc;
    ssize_t n;
    do {
        n = readv(fd, (const struct iovec *)iov, cnt);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? CN__ERR() : n;
}

int64_t cn_writev(int fd, const void *iov, int cnt) {
    int rc = cn__check_iov(fd, iov, cnt);
    if (rc < 0)
        return rc;
    ssize_t n = cn__sendmsg(fd, (const struct iovec *)iov, cnt);
    return n < 0 ? CN__ERR() : n;
}

/* ---- shutdown / close / options -------------------------------------------------- */

int cn_shutdown(int fd, int how) {
    if (fd < 0)
        return -EBADF;
    int sys_how;
    switch (how) {
    case CN_SHUT_RD: sys_how = SHUT_RD; break;
    case CN_SHUT_WR: sys_how = SHUT_WR; break;
    case CN_SHUT_RDWR: sys_how = SHUT_RDWR; break;
    default: return -EINVAL;
    }
    if (shutdown(fd, sys_how) < 0)
        return CN__ERR();
    return 0;
}

int cn_close(int fd) {
    if (fd < 0)
        return -EBADF;
    /* Never retry close(2) on EINTR. Linux releases the fd before anything that can
     * be interrupted, so the number may already belong to a new fd opened by another
     * thread, and a retry would close that one (close(2), "Dealing with error returns
     * from close()"). POSIX leaves the state unspecified; treating EINTR as "closed"
     * leaks at worst, while retrying can corrupt an unrelated connection. */
    if (close(fd) < 0 && errno != EINTR)
        return CN__ERR();
    return 0;
}

int cn_set_blocking(int fd, int blocking) {
    if (fd < 0)
        return -EBADF;
    return cn__set_nonblock(fd, !blocking);
}

int cn_set_nodelay(int fd, int on) {
    if (fd < 0)
        return -EBADF;
    return cn__setsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}

int cn_set_linger(int fd, int on, int seconds) {
    if (fd < 0)
        return -EBADF;
    if (seconds < 0)
        return -EINVAL;
    struct linger lg;
    lg.l_onoff = on ? 1 : 0;
    lg.l_linger = seconds;
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
        return CN__ERR();
    return 0;
}

int cn_set_buffer_sizes(int fd, int sndbuf, int rcvbuf) {
    if (fd < 0)
        return -EBADF;
    int rc = 0;
    if (sndbuf > 0)
        rc = cn__setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
    if (rc == 0 && rcvbuf > 0)
        rc = cn__setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
    return rc;
}

int cn_sockname(int fd, int peer, char *host, int host_len) {
    if (fd < 0)
        return -EBADF;
    if (host_len < 0)
        return -EINVAL;
    if (host == NULL && host_len > 0)
        return -EFAULT;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0)
        return CN__ERR();
    const void *addr;
    int port;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;
        addr = &in4->sin_addr;
        port = ntohs(in4->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        addr = &in6->sin6_addr;
        port = ntohs(in6->sin6_port);
    } else {
        /* AF_UNIX and others: no host, no port. */
        if (host_len > 0)
            host[0] = '\0';
        return 0;
    }
    if (host_len > 0) {
        if (inet_ntop(ss.ss_family, addr, host, (socklen_t)host_len) == NULL)
            return CN__ERR(); /* ENOSPC: host_len too small */
    }
    return port;
}

int cn_socketpair(int *fds) {
    if (fds == NULL)
        return -EFAULT;
    return cn__socketpair(fds);
}

int cn_pipe(int *fds) {
    if (fds == NULL)
        return -EFAULT;
    return cn__pipe(fds);
}

int64_t cn_fd_soft_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return CN__ERR();
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT64_MAX)
        return INT64_MAX;
    return (int64_t)rl.rlim_cur;
}

int64_t cn_raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return CN__ERR();
    if (rl.rlim_cur != rl.rlim_max) {
        rlim_t before = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
#if defined(__APPLE__) && defined(OPEN_MAX)
            /* macOS refuses a soft limit above OPEN_MAX (kern.maxfilesperproc) with EINVAL,
             * e.g. the hard limit RLIM_INFINITY: settle for OPEN_MAX when that is still a raise. */
            if (errno != EINVAL || before >= (rlim_t)OPEN_MAX)
                return CN__ERR();
            rl.rlim_cur = OPEN_MAX;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                return CN__ERR();
#else
            (void)before;
            return CN__ERR();
#endif
        }
    }
    return cn_fd_soft_limit();
}

int cn_lowest_free_fd(void) {
    /* open(2) returns the lowest free descriptor (POSIX), so this is the next fd's number. */
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return CN__ERR();
    close(fd);
    return fd;
}
