/*
 * internal.h - helpers shared by the libcoronet sources (cn__ = internal).
 *
 * Nothing here is exported. Platform differences live in the small functions of
 * platform.c, so the pollers and socket.c stay free of #ifdef soup.
 */
#ifndef CORONET_INTERNAL_H
#define CORONET_INTERNAL_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "coronet.h"

/* -errno of the syscall that just failed. Use it right after the call: anything
 * in between (even free()) may overwrite errno. */
#define CN__ERR() (-errno)

/* Interest bits a caller may pass to add/modify. */
#define CN__INTEREST_MASK (CN_READABLE | CN_WRITABLE | CN_EDGE)

/* Every poller struct starts with this magic so a wrong handle is caught cheaply
 * (a best-effort check: it cannot catch a handle used after cn_poller_close). */
#define CN__POLLER_MAGIC 0x636f726f6e657431ull /* "coronet1" */

/* The poller behind a handle, or NULL if it is not one. Every backend's struct starts
 * with uint64_t magic, so a pointer to it is a pointer to that first member (C11 6.7.2.1). */
static inline void *cn__poller_of(int64_t handle) {
    if (handle <= 0)
        return NULL;
    uint64_t *magic = (uint64_t *)(intptr_t)handle;
    return *magic == CN__POLLER_MAGIC ? magic : NULL;
}

/* Validates the arguments shared by cn_poller_add and cn_poller_modify. */
static inline int cn__check_registration(int fd, uint32_t interest, uint64_t token) {
    if (fd < 0)
        return -EBADF;
    if (interest & ~CN__INTEREST_MASK)
        return -EINVAL;
    if (token == CN_TOKEN_RESERVED)
        return -EINVAL;
    return 0;
}

/* For cn_poller_add/modify: the poller, or NULL with *err = -EBADF (bad handle) or
 * what cn__check_registration says about the arguments. */
static inline void *cn__poller_to_register(int64_t handle, int fd, uint32_t interest,
                                          uint64_t token, int *err) {
    void *p = cn__poller_of(handle);
    *err = p == NULL ? -EBADF : cn__check_registration(fd, interest, token);
    return *err < 0 ? NULL : p;
}

/* Validates the arguments of cn_poller_wait. */
static inline int cn__check_wait(const cn_event *events, int capacity, int timeout_ms) {
    if (capacity <= 0)
        return -EINVAL;
    if (events == NULL)
        return -EFAULT;
    if (timeout_ms < -1)
        return -EINVAL;
    return 0;
}

/* For cn_poller_wait: the poller, or NULL with *err = -EBADF or what cn__check_wait says. */
static inline void *cn__poller_to_wait(int64_t handle, const cn_event *events, int capacity,
                                      int timeout_ms, int *err) {
    void *p = cn__poller_of(handle);
    *err = p == NULL ? -EBADF : cn__check_wait(events, capacity, timeout_ms);
    return *err < 0 ? NULL : p;
}

/* ---- monotonic time, for EINTR retries that keep the caller's deadline ---------- */

static inline int64_t cn__now_ns(void) {
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid clock id and pointer (clock_gettime(2)). */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Deadline for a wait of timeout_ms (only meaningful when timeout_ms > 0). */
static inline int64_t cn__deadline_ns(int timeout_ms) {
    return timeout_ms > 0 ? cn__now_ns() + (int64_t)timeout_ms * 1000000LL : 0;
}

/* Milliseconds left until deadline, rounded UP so a retried wait never returns
 * before the caller's timeout; 0 once it passed. -1 and 0 timeouts stay as they are. */
static inline int cn__remaining_ms(int timeout_ms, int64_t deadline_ns) {
    if (timeout_ms <= 0)
        return timeout_ms;
    int64_t left = deadline_ns - cn__now_ns();
    if (left <= 0)
        return 0;
    return (int)((left + 999999) / 1000000);
}

/* ---- platform.c: the only place that knows which calls a platform has ---------- */

/* Internal functions shared between our files stay out of the shared library's
 * dynamic symbol table: only coronet.h is the ABI. */
#pragma GCC visibility push(hidden)

/* Sets FD_CLOEXEC / O_NONBLOCK. 0 or -errno. */
int cn__set_cloexec(int fd);
int cn__set_nonblock(int fd, int on);
/* Makes a fresh fd non-blocking, close-on-exec (and SIGPIPE-free where that is a
 * socket option), closing it on failure. fd or -errno. Used where the kernel cannot
 * create fds with those flags atomically. */
int cn__finish_new_fd(int fd);
/* A non-blocking, close-on-exec socket (SOCK_NONBLOCK|SOCK_CLOEXEC where the
 * kernel takes them atomically, else socket(2) + fcntl(2)). fd or -errno. */
int cn__socket(int domain, int type, int protocol);
/* accept(2) returning a non-blocking, close-on-exec fd (accept4 where it exists). */
int cn__accept(int listen_fd);
/* pipe2(O_NONBLOCK|O_CLOEXEC) or pipe(2) + fcntl(2). 0 or -errno. */
int cn__pipe(int fds[2]);
/* socketpair(AF_UNIX, SOCK_STREAM) non-blocking and close-on-exec. 0 or -errno. */
int cn__socketpair(int fds[2]);
/* Per-socket SIGPIPE suppression where send flags cannot do it (macOS SO_NOSIGPIPE);
 * a no-op elsewhere. 0 or -errno. */
int cn__socket_nosigpipe(int fd);
/* The send(2)/sendmsg(2) flag that suppresses SIGPIPE (MSG_NOSIGNAL) or 0. */
int cn__msg_nosignal(void);
/* pthread_sigmask(3) for the calling thread; see platform.c for why Linux calls sigprocmask. */
int cn__thread_sigmask(int how, const sigset_t *set, sigset_t *old);

/* ---- growable arrays the backends keep ------------------------------------------ */

/* Grows a wait's internal event batch (elements of elem_size) so it holds want
 * entries, capped at max, plus slack more (kqueue keeps room for change errors).
 * Returns the array, moved or not; *size is its capacity without the slack. Out of
 * memory it returns the old array and leaves *size: a smaller batch only means that
 * the rest of the ready events come with the next wait. */
void *cn__grow_batch(void *batch, int *size, int want, int max, int slack, size_t elem_size);
/* The size for an fd-indexed table of current entries that must hold index fd:
 * 64 at first, then doubling (fd + 1 once doubling would overflow). */
int cn__fd_table_size(int current, int fd);

#pragma GCC visibility pop

#endif /* CORONET_INTERNAL_H */
