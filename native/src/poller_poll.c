/*
 * poller_poll.c - the portable fallback: poll(2) over a growable pollfd array.
 *
 * State: pfds[0] is the read end of a non-blocking self-pipe (the wake-up);
 * pfds[1..count-1] are registered fds, with their token and interest in the
 * parallel array regs[], and index_of[fd] mapping an fd to its slot (-1: none).
 * Removal moves the last slot into the hole, so add/modify/remove are O(1).
 *
 * Each wait calls poll(2) afresh and converts what it reports; nothing is kept
 * between waits, so removing or re-adding an fd after a batch (even one whose
 * events were just returned) cannot leak a stale entry into the next batch. When
 * more fds are ready than the caller has room for, the scan starts where the last
 * one stopped, so no fd starves.
 *
 * CN_EDGE is emulated (cn_poller_caps() has no CN_CAP_NATIVE_EDGE): a reported
 * bit is disarmed until the next cn_poller_modify(), which re-arms all of them, like
 * EPOLL_CTL_MOD re-reports what is ready. A peer's half-close (POLLRDHUP) disarms
 * just that bit, so a writer still gets CN_WRITABLE; POLLHUP/POLLERR cannot be
 * disarmed (poll(2) reports them whatever events asks for), so after one of them the
 * fd is muted entirely (its pollfd gets a negative fd, which poll(2) ignores).
 *
 * poll(2) does not notice a closed fd it still watches (it reports POLLNVAL, or the
 * events of whatever file reused the number): callers remove before closing
 * (no CN_CAP_CLOSE_REMOVES). POLLNVAL is reported as CN_ERROR once, then muted.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define CN__POLL_INITIAL_SLOTS 16

/* POLLRDHUP is Linux-only (_GNU_SOURCE); elsewhere a peer's FIN shows as POLLIN
 * (then read() returns 0) and a full hang-up as POLLHUP. */
#ifdef POLLRDHUP
#define CN__POLL_RDHUP POLLRDHUP
#else
#define CN__POLL_RDHUP 0
#endif

typedef struct cn_registration {
    int fd;            /* the real fd, also while its pollfd is muted (fd < 0) */
    uint32_t interest; /* CN_READABLE|CN_WRITABLE|CN_EDGE as given */
    uint32_t armed;    /* bits still reported (edge emulation); CN_HANGUP here means
                          POLLRDHUP is asked for */
    uint64_t token;
} cn_registration;

typedef struct cn_poller_poll {
    uint64_t magic;
    int wake_read;
    int wake_write;
    struct pollfd *pfds;    /* [0] = wake_read, [1..count) registered fds */
    cn_registration *regs;  /* parallel to pfds; [0] unused */
    int count;              /* slots in use, including the wake-up slot */
    int slots;              /* allocated slots */
    int *index_of;          /* fd -> slot, -1 when not registered */
    int index_size;
    int next_scan;          /* where the next wait starts looking (fairness) */
} cn_poller_poll;

static cn_poller_poll *cn__poller(int64_t handle) {
    return cn__poller_of(handle);
}

const char *cn_backend_name(void) {
    return "poll";
}

int cn_poller_caps(void) {
    return 0;
}

static short cn__to_poll(uint32_t armed) {
    short ev = (armed & CN_HANGUP) ? CN__POLL_RDHUP : 0;
    if (armed & CN_READABLE)
        ev |= POLLIN;
    if (armed & CN_WRITABLE)
        ev |= POLLOUT;
    return ev;
}

static uint32_t cn__from_poll(short rev) {
    uint32_t out = 0;
    if (rev & POLLIN)
        out |= CN_READABLE;
    if (rev & POLLOUT)
        out |= CN_WRITABLE;
    if (rev & (POLLHUP | CN__POLL_RDHUP))
        out |= CN_HANGUP;
    if (rev & (POLLERR | POLLNVAL))
        out |= CN_ERROR;
    return out;
}

int64_t cn_poller_create(void) {
    cn_poller_poll *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    p->pfds = calloc(CN__POLL_INITIAL_SLOTS, sizeof *p->pfds);
    p->regs = calloc(CN__POLL_INITIAL_SLOTS, sizeof *p->regs);
    if (p->pfds == NULL || p->regs == NULL) {
        free(p->pfds);
        free(p->regs);
        free(p);
        return -ENOMEM;
    }
    int pipe_fds[2];
    int rc = cn__pipe(pipe_fds);
    if (rc < 0) {
        free(p->pfds);
        free(p->regs);
        free(p);
        return rc;
    }
    p->wake_read = pipe_fds[0];
    p->wake_write = pipe_fds[1];
    p->slots = CN__POLL_INITIAL_SLOTS;
    p->count = 1;
    p->pfds[0].fd = p->wake_read;
    p->pfds[0].events = POLLIN;
    p->regs[0].fd = p->wake_read;
    p->regs[0].token = CN_TOKEN_RESERVED;
    p->next_scan = 1;
    p->magic = CN__POLLER_MAGIC;
    return (int64_t)(intptr_t)p;
}

static int cn__slot_of(const cn_poller_poll *p, int fd) {
    return fd < p->index_size ? p->index_of[fd] : -1;
}

static int cn__ensure_index(cn_poller_poll *p, int fd) {
    if (fd < p->index_size)
        return 0;
    int size = cn__fd_table_size(p->index_size, fd);
    int *bigger = realloc(p->index_of, (size_t)size * sizeof *bigger);
    if (bigger == NULL)
        return -ENOMEM;
    for (int i = p->index_size; i < size; i++)
        bigger[i] = -1;
    p->index_of = bigger;
    p->index_size = size;
    return 0;
}

static int cn__ensure_slots(cn_poller_poll *p) {
    if (p->count < p->slots)
        return 0;
    int slots = p->slots * 2;
    struct pollfd *pfds = realloc(p->pfds, (size_t)slots * sizeof *pfds);
    if (pfds == NULL)
        return -ENOMEM;
    p->pfds = pfds;
    cn_registration *regs = realloc(p->regs, (size_t)slots * sizeof *regs);
    if (regs == NULL)
        return -ENOMEM; /* pfds grew already; harmless, it is just capacity */
    p->regs = regs;
    p->slots = slots;
    return 0;
}

/* (Re-)arms slot i for interest and token: all readiness bits armed, unmuted. */
static void cn__arm(cn_poller_poll *p, int i, uint32_t interest, uint64_t token) {
    p->regs[i].interest = interest;
    p->regs[i].armed = (interest & (CN_READABLE | CN_WRITABLE)) | CN_HANGUP;
    p->regs[i].token = token;
    p->pfds[i].fd = p->regs[i].fd;
    p->pfds[i].events = cn__to_poll(p->regs[i].armed);
    p->pfds[i].revents = 0;
}

/* poll(2) cannot validate an fd until it polls it (then POLLNVAL); check now so a
 * bad fd fails at add, like epoll_ctl(2) and kevent(2) do. */
static int cn__check_open(int fd) {
    if (fcntl(fd, F_GETFD) < 0)
        return CN__ERR();
    return 0;
}

int cn_poller_add(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    int rc;
    cn_poller_poll *p = cn__poller_to_register(poller, fd, interest, token, &rc);
    if (p == NULL)
        return rc;
    if (cn__slot_of(p, fd) >= 0)
        return -EEXIST;
    if ((rc = cn__check_open(fd)) < 0)
        return rc;
    if ((rc = cn__ensure_index(p, fd)) < 0 || (rc = cn__ensure_slots(p)) < 0)
        return rc;
    int i = p->count++;
    p->regs[i].fd = fd;
    cn__arm(p, i, interest, token);
    p->index_of[fd] = i;
    return 0;
}

int cn_poller_modify(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    int rc;
    cn_poller_poll *p = cn__poller_to_register(poller, fd, interest, token, &rc);
    if (p == NULL)
        return rc;
    int i = cn__slot_of(p, fd);
    if (i < 0)
        return -ENOENT;
    cn__arm(p, i, interest, token);
    return 0;
}

int cn_poller_remove(int64_t poller, int fd) {
    cn_poller_poll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    if (fd < 0)
        return -EBADF;
    int i = cn__slot_of(p, fd);
    if (i < 0)
        return -ENOENT;
    int last = p->count - 1;
    if (i != last) {
        p->pfds[i] = p->pfds[last];
        p->regs[i] = p->regs[last];
        p->index_of[p->regs[i].fd] = i;
    }
    p->index_of[fd] = -1;
    p->count--;
    if (p->next_scan >= p->count)
        p->next_scan = 1;
    return 0;
}

/* Empties the self-pipe: every wake-up written so far is consumed by this wait. */
static void cn__drain_wake(cn_poller_poll *p) {
    char sink[64];
    while (read(p->wake_read, sink, sizeof sink) > 0) {
    }
}

/* Converts slot i's revents into an event; applies edge emulation. */
static uint32_t cn__take(cn_poller_poll *p, int i) {
    cn_registration *r = &p->regs[i];
    short rev = p->pfds[i].revents;
    p->pfds[i].revents = 0;
    uint32_t ev = cn__from_poll(rev);
    if (ev == 0)
        return 0;
    if (r->interest & CN_EDGE) {
        if (rev & (POLLHUP | POLLERR | POLLNVAL)) {
            p->pfds[i].fd = -1; /* cannot be disarmed bit by bit: mute */
        } else {
            r->armed &= ~ev;
            p->pfds[i].events = cn__to_poll(r->armed);
        }
    }
    return ev;
}

int cn_poller_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms) {
    int rc;
    cn_poller_poll *p = cn__poller_to_wait(poller, events, capacity, timeout_ms, &rc);
    if (p == NULL)
        return rc;
    int64_t deadline = cn__deadline_ns(timeout_ms);
    int timeout = timeout_ms;
    int ready;
    /* poll(2) is never restarted after a signal handler (signal(7)): retry with what
     * is left of the caller's timeout. */
    while ((ready = poll(p->pfds, (nfds_t)p->count, timeout)) < 0) {
        if (errno != EINTR)
            return CN__ERR();
        timeout = cn__remaining_ms(timeout_ms, deadline);
        if (timeout == 0 && timeout_ms != 0)
            return 0;
    }
    if (ready == 0)
        return 0;
    if (p->pfds[0].revents) {
        p->pfds[0].revents = 0;
        cn__drain_wake(p);
        ready--;
    }
    int out = 0;
    int registered = p->count - 1;
    int i = p->next_scan < p->count ? p->next_scan : 1;
    for (int seen = 0; seen < registered && ready > 0 && out < capacity; seen++) {
        if (p->pfds[i].revents) {
            ready--;
            short rev = p->pfds[i].revents;
            uint32_t ev = cn__take(p, i);
            if (ev != 0) {
                events[out].token = p->regs[i].token;
                events[out].events = ev;
                events[out].reserved = 0;
                out++;
            }
            /* POLLNVAL: the fd was closed without cn_poller_remove(); report it
             * once and mute it, rather than spin on it every wait. */
            if (rev & POLLNVAL)
                p->pfds[i].fd = -1;
        }
        if (++i >= p->count)
            i = 1;
    }
    /* Slots not reached (capacity exhausted) keep their revents, which is harmless:
     * poll(2) rewrites revents of every entry on each call. */
    p->next_scan = i;
    return out;
}

int cn_poller_wake(int64_t poller) {
    cn_poller_poll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    char one = 1;
    /* EAGAIN: the pipe is full, so a wake-up is pending anyway (they coalesce). */
    if (write(p->wake_write, &one, 1) < 0 && errno != EAGAIN)
        return CN__ERR();
    return 0;
}

int cn_poller_close(int64_t poller) {
    cn_poller_poll *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    p->magic = 0;
    close(p->wake_read);
    close(p->wake_write);
    free(p->pfds);
    free(p->regs);
    free(p->index_of);
    free(p);
    return 0;
}
