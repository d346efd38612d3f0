/*
 * platform.c - the small helpers that know which calls a platform offers.
 *
 * Linux (and FreeBSD) create fds non-blocking and close-on-exec atomically
 * (SOCK_NONBLOCK|SOCK_CLOEXEC, accept4, pipe2); elsewhere the flags are set with
 * fcntl(2) right after creation. The window in between only matters if another
 * thread forks and execs at that moment, and it is the best such systems allow.
 * CMake detects accept4/pipe2 (CN_HAVE_ACCEPT4, CN_HAVE_PIPE2); flags that are
 * macros are tested directly.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int cn__set_cloexec(int fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return CN__ERR();
    if (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return CN__ERR();
    return 0;
}

int cn__set_nonblock(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return CN__ERR();
    int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0)
        return CN__ERR();
    return 0;
}

int cn__finish_new_fd(int fd) {
    int rc = cn__set_cloexec(fd);
    if (rc == 0)
        rc = cn__set_nonblock(fd, 1);
    if (rc == 0)
        rc = cn__socket_nosigpipe(fd);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int cn__socket(int domain, int type, int protocol) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0)
        return CN__ERR();
    return fd;
#else
    int fd = socket(domain, type, protocol);
    if (fd < 0)
        return CN__ERR();
    return cn__finish_new_fd(fd);
#endif
}

int cn__accept(int listen_fd) {
    int fd;
    do {
#ifdef CN_HAVE_ACCEPT4
        fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        fd = accept(listen_fd, NULL, NULL);
#endif
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return CN__ERR();
#ifdef CN_HAVE_ACCEPT4
    return fd;
#else
    /* accept(2) on BSD/macOS inherits O_NONBLOCK from the listener, Linux does not;
     * set it explicitly either way. */
    return cn__finish_new_fd(fd);
#endif
}

int cn__pipe(int fds[2]) {
#ifdef CN_HAVE_PIPE2
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return CN__ERR();
    return 0;
#else
    if (pipe(fds) < 0)
        return CN__ERR();
    for (int i = 0; i < 2; i++) {
        int rc = cn__set_cloexec(fds[i]);
        if (rc == 0)
            rc = cn__set_nonblock(fds[i], 1);
        if (rc < 0) {
            close(fds[0]);
            close(fds[1]);
            return rc;
        }
    }
    return 0;
#endif
}

int cn__socketpair(int fds[2]) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        return CN__ERR();
    return 0;
#else
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return CN__ERR();
    int fd0 = fds[0];
    int rc = cn__finish_new_fd(fd0);
    if (rc < 0) {
        close(fds[1]);
        return rc;
    }
    rc = cn__finish_new_fd(fds[1]);
    if (rc < 0) {
        close(fd0);
        return rc;
    }
    return 0;
#endif
}

int cn__socket_nosigpipe(int fd) {
#if defined(SO_NOSIGPIPE) && !defined(MSG_NOSIGNAL)
    /* macOS has no MSG_NOSIGNAL; SO_NOSIGPIPE turns SIGPIPE off per socket. */
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on) < 0 && errno != ENOTSOCK)
        return CN__ERR();
#else
    (void)fd;
#endif
    return 0;
}

int cn__msg_nosignal(void) {
#ifdef MSG_NOSIGNAL
    return MSG_NOSIGNAL;
#else
    return 0;
#endif
}

/*
 * On Linux the signal mask is per thread in the kernel (rt_sigprocmask), and glibc's
 * and musl's sigprocmask(2) are that same per-thread call as pthread_sigmask(3) (see
 * its NOTES). glibc 2.32 moved pthread_sigmask into libc under a new symbol version,
 * GLIBC_2.32, so calling it would make libcoronet refuse every older system (RHEL 8,
 * Ubuntu 20.04); sigprocmask has been GLIBC_2.2.5 (x86_64) / GLIBC_2.17 (aarch64)
 * since those ports began. native/build-all checks the glibc builds need nothing
 * newer than GLIBC_2.17. Elsewhere POSIX leaves sigprocmask unspecified with threads,
 * so pthread_sigmask it is.
 */
int cn__thread_sigmask(int how, const sigset_t *set, sigset_t *old) {
#ifdef __linux__
    return sigprocmask(how, set, old) < 0 ? CN__ERR() : 0;
#else
    int rc = pthread_sigmask(how, set, old);
    return rc == 0 ? 0 : -rc;
#endif
}

void *cn__grow_batch(void *batch, int *size, int want, int max, int slack, size_t elem_size) {
    if (want > max)
        want = max;
    if (want <= *size)
        return batch;
    void *bigger = realloc(batch, (size_t)(want + slack) * elem_size);
    if (bigger == NULL)
        return batch;
    *size = want;
    return bigger;
}

int cn__fd_table_size(int current, int fd) {
    int size = current ? current : 64;
    while (size <= fd)
        size = size > (1 << 29) ? fd + 1 : size * 2;
    return size;
}
