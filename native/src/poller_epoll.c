/*
 * poller_epoll.c - the Linux backend: epoll(7) plus an eventfd(2) for wake-ups.
 *
 * The kernel's epoll_data holds the caller's 64-bit token as is; the eventfd is
 * registered under CN_TOKEN_RESERVED, which callers may not use. Interest is
 * translated here and only here: CN_READABLE -> EPOLLIN, CN_WRITABLE -> EPOLLOUT,
 * CN_EDGE -> EPOLLET, and EPOLLRDHUP is always asked for so a peer's FIN shows up
 * as CN_HANGUP even before the data in front of it is drained (epoll_ctl(2)).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

/* struct epoll_event is packed on x86_64 (12 bytes) while cn_event is 16, so the
 * kernel fills this internal array and wait() converts. It starts small and grows
 * to the caller's capacity, capped per call: a wait reports at most this many and
 * the rest stay ready for the next wait (epoll round-robins its ready list). */
#define CN__EPOLL_INITIAL_BATCH 64
#define CN__EPOLL_MAX_BATCH 4096

typedef struct cn_poller_epoll {
    uint64_t magic;
    int epfd;
    int wakefd;
    int batch_size;             /* capacity of batch */
    struct epoll_event *batch;
} cn_poller_epoll;

static cn_poller_epoll *cn__poller(int64_t handle) {
    return cn__poller_of(handle);
}

const char *cn_backend_name(void) {
    return "epoll";
}

int cn_poller_caps(void) {
    return CN_CAP_NATIVE_EDGE | CN_CAP_CLOSE_REMOVES;
}

static uint32_t cn__to_epoll(uint32_t interest) {
    uint32_t ev = EPOLLRDHUP;
    if (interest & CN_READABLE)
        ev |= EPOLLIN;
    if (interest & CN_WRITABLE)
        ev |= EPOLLOUT;
    if (interest & CN_EDGE)
        ev |= EPOLLET;
    return ev;
}

static uint32_t cn__from_epoll(uint32_t ev) {
    uint32_t out = 0;
    if (ev & EPOLLIN)
        out |= CN_READABLE;
    if (ev & EPOLLOUT)
        out |= CN_WRITABLE;
    /* EPOLLRDHUP: the peer shut its write side; EPOLLHUP: both sides are down
     * (always reported, epoll_ctl(2)). Either way reads drain, then see EOF. */
    if (ev & (EPOLLRDHUP | EPOLLHUP))
        out |= CN_HANGUP;
    if (ev & EPOLLERR)
        out |= CN_ERROR;
    return out;
}

int64_t cn_poller_create(void) {
    cn_poller_epoll *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    p->epfd = p->wakefd = -1;
    int rc = 0;
    p->batch = malloc(CN__EPOLL_INITIAL_BATCH * sizeof *p->batch);
    if (p->batch == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    p->batch_size = CN__EPOLL_INITIAL_BATCH;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        rc = CN__ERR();
        goto fail;
    }
    p->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->wakefd < 0) {
        rc = CN__ERR();
        goto fail;
    }
    /* Level-triggered: the wake-up stays reported until wait() reads the counter. */
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = CN_TOKEN_RESERVED;
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->wakefd, &ev) < 0) {
        rc = CN__ERR();
        goto fail;
    }
    p->magic = CN__POLLER_MAGIC;
    return (int64_t)(intptr_t)p;
fail:
    if (p->wakefd >= 0)
        close(p->wakefd);
    if (p->epfd >= 0)
        close(p->epfd);
    free(p->batch);
    free(p);
    return rc;
}

static int cn__ctl(int64_t poller, int op, int fd, uint32_t interest, uint64_t token) {
    int rc;
    cn_poller_epoll *p = cn__poller_to_register(poller, fd, interest, token, &rc);
    if (p == NULL)
        return rc;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = cn__to_epoll(interest);
    ev.data.u64 = token;
    if (epoll_ctl(p->epfd, op, fd, &ev) < 0)
        return CN__ERR();
    return 0;
}

int cn_poller_add(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    return cn__ctl(poller, EPOLL_CTL_ADD, fd, interest, token);
}

int cn_poller_modify(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    return cn__ctl(poller, EPOLL_CTL_MOD, fd, interest, token);
}

int cn_poller_remove(int64_t poller, int fd) {
    cn_poller_epoll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    if (fd < 0)
        return -EBADF;
    /* Kernels before 2.6.9 want a non-NULL event even for DEL (epoll_ctl(2) BUGS). */
    struct epoll_event unused;
    memset(&unused, 0, sizeof unused);
    if (epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &unused) < 0)
        return CN__ERR();
    return 0;
}

int cn_poller_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms) {
    int rc;
    cn_poller_epoll *p = cn__poller_to_wait(poller, events, capacity, timeout_ms, &rc);
    if (p == NULL)
        return rc;
    p->batch = cn__grow_batch(p->batch, &p->batch_size, capacity, CN__EPOLL_MAX_BATCH, 0,
                              sizeof *p->batch);
    int max = capacity < p->batch_size ? capacity : p->batch_size;
    int64_t deadline = cn__deadline_ns(timeout_ms);
    int timeout = timeout_ms;
    int n;
    /* epoll_wait(2) is never restarted after a signal handler, whatever SA_RESTART
     * says (signal(7)): retry here with what is left of the caller's timeout. */
    while ((n = epoll_wait(p->epfd, p->batch, max, timeout)) < 0) {
        if (errno != EINTR)
            return CN__ERR();
        timeout = cn__remaining_ms(timeout_ms, deadline);
        if (timeout == 0 && timeout_ms != 0)
            return 0;
    }
    int out = 0;
    for (int i = 0; i < n; i++) {
        uint64_t token = p->batch[i].data.u64;
        if (token == CN_TOKEN_RESERVED) {
            /* Reset the eventfd counter: all wake-ups so far coalesce into this one.
             * EAGAIN means another wait already consumed it; nothing to do. */
            uint64_t count;
            ssize_t ignored = read(p->wakefd, &count, sizeof count);
            (void)ignored;
            continue;
        }
        events[out].token = token;
        events[out].events = cn__from_epoll(p->batch[i].events);
        events[out].reserved = 0;
        out++;
    }
    return out;
}

int cn_poller_wake(int64_t poller) {
    cn_poller_epoll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    uint64_t one = 1;
    /* EAGAIN: the counter is at its maximum, so a wake-up is pending anyway. */
    if (write(p->wakefd, &one, sizeof one) < 0 && errno != EAGAIN)
        return CN__ERR();
    return 0;
}

int cn_poller_close(int64_t poller) {
    cn_poller_epoll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    p->magic = 0;
    close(p->wakefd);
    close(p->epfd);
    free(p->batch);
    free(p);
    return 0;
}
