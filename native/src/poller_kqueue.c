/*
 * poller_kqueue.c - the macOS/BSD backend: kqueue(2)/kevent(2), EVFILT_USER wake-ups.
 *
 * Written to the kqueue(2) man pages of FreeBSD and macOS; on Linux it compiles
 * (and its tests run) against libkqueue, which emulates kqueue over epoll.
 *
 * Translation: CN_READABLE -> an EVFILT_READ knote, CN_WRITABLE -> an EVFILT_WRITE
 * knote, CN_EDGE -> EV_CLEAR on them ("after the event is retrieved by the user, its
 * state is reset"). The knote's udata holds the caller's token. Coming back:
 *   EVFILT_READ           -> CN_READABLE; with EV_EOF also CN_HANGUP: the peer shut
 *                            its side, data may still be buffered (kevent's data says
 *                            how much): read until 0, then it is EOF. A socket error
 *                            (fflags != 0 with EV_EOF) adds CN_ERROR.
 *   EVFILT_WRITE          -> CN_WRITABLE; with EV_EOF also CN_ERROR: the reader is
 *                            gone, a write would fail (EPIPE/ECONNRESET).
 * A read and a write event for the same fd that kevent returns next to each other
 * are merged into one cn_event.
 *
 * Changelist batching. add() applies at once, so a bad fd fails at cn_poller_add
 * with -EBADF as on the other backends (it uses EV_RECEIPT so each change reports
 * its own outcome, and flushes queued changes first so they keep their order).
 * modify() and remove() only queue EV_ADD/EV_DELETE changes; the next wait hands
 * them to the kernel in the same kevent() call that waits, so interest changes cost
 * no syscall of their own (kevent(2): "changelist ... applied before any events are
 * read"). Their errors come back later, as EV_ERROR entries of that kevent call; the
 * eventlist is sized so they always fit (otherwise kevent fails with the error and
 * stops applying changes). EBADF/ENOENT there mean the fd was closed in between
 * (close removes knotes) and are dropped; any other error is reported as CN_ERROR
 * for the change's token so the caller does not wait forever on a knote that
 * was never added.
 *
 * Because of the queueing, this backend keeps a small table fd -> (token, filters,
 * edge) to know which knotes exist: modify/remove of an unregistered fd give -ENOENT,
 * and a modify that changes nothing queues nothing. The table cannot see a close,
 * so add() never says -EEXIST: it registers over whatever the table remembers.
 * Registering with no CN_READABLE/CN_WRITABLE interest creates no knote, so such
 * an fd reports nothing (epoll would still report hang-up and error).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include "internal.h"

_Static_assert(sizeof(void *) >= sizeof(uint64_t), "kevent udata must hold a 64-bit token");

#define CN__KQ_WAKE_IDENT 0     /* EVFILT_USER idents are their own namespace */
#define CN__KQ_MAX_CHANGES 256  /* queued changes before an early flush */
#define CN__KQ_INITIAL_BATCH 64
#define CN__KQ_MAX_BATCH 4096

#define CN__KQ_READ 0x1u  /* an EVFILT_READ knote exists */
#define CN__KQ_WRITE 0x2u /* an EVFILT_WRITE knote exists */

typedef struct cn_kq_fd {
    uint64_t token;
    uint8_t registered;
    uint8_t filters; /* CN__KQ_READ | CN__KQ_WRITE */
    uint8_t edge;
} cn_kq_fd;

typedef struct cn_poller_kqueue {
    uint64_t magic;
    int kq;
    int nchanges;
    struct kevent changes[CN__KQ_MAX_CHANGES];
    struct kevent receipts[CN__KQ_MAX_CHANGES];
    struct kevent *batch; /* the kernel's eventlist: caller's capacity + room for errors */
    int batch_size;
    cn_kq_fd *fds;        /* indexed by fd */
    int fds_size;
} cn_poller_kqueue;

static cn_poller_kqueue *cn__poller(int64_t handle) {
    return cn__poller_of(handle);
}

const char *cn_backend_name(void) {
    return "kqueue";
}

int cn_poller_caps(void) {
    return CN_CAP_NATIVE_EDGE | CN_CAP_CLOSE_REMOVES;
}

static void *cn__udata(uint64_t token) {
    return (void *)(uintptr_t)token;
}

int64_t cn_poller_create(void) {
    cn_poller_kqueue *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    p->batch_size = CN__KQ_INITIAL_BATCH;
    p->batch = malloc((size_t)(p->batch_size + CN__KQ_MAX_CHANGES) * sizeof *p->batch);
    if (p->batch == NULL) {
        free(p);
        return -ENOMEM;
    }
    int rc = 0;
    /* A kqueue is not inherited by fork(2) children (kqueue(2)), but the fd itself
     * would survive exec in the parent's image: mark it close-on-exec. */
    p->kq = kqueue();
    if (p->kq < 0) {
        rc = CN__ERR();
        goto fail;
    }
    if ((rc = cn__set_cloexec(p->kq)) < 0)
        goto fail;
    struct kevent wake;
    EV_SET(&wake, CN__KQ_WAKE_IDENT, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0,
           cn__udata(CN_TOKEN_RESERVED));
    if (kevent(p->kq, &wake, 1, NULL, 0, NULL) < 0) {
        rc = CN__ERR();
        goto fail;
    }
    p->magic = CN__POLLER_MAGIC;
    return (int64_t)(intptr_t)p;
fail:
    if (p->kq >= 0)
        close(p->kq);
    free(p->batch);
    free(p);
    return rc;
}

static cn_kq_fd *cn__fd_entry(cn_poller_kqueue *p, int fd) {
    return fd < p->fds_size ? &p->fds[fd] : NULL;
}

static int cn__ensure_fd_entry(cn_poller_kqueue *p, int fd) {
    if (fd < p->fds_size)
        return 0;
    int size = cn__fd_table_size(p->fds_size, fd);
    cn_kq_fd *bigger = realloc(p->fds, (size_t)size * sizeof *bigger);
    if (bigger == NULL)
        return -ENOMEM;
    memset(bigger + p->fds_size, 0, (size_t)(size - p->fds_size) * sizeof *bigger);
    p->fds = bigger;
    p->fds_size = size;
    return 0;
}

/*
 * Applies the queued changes now, each with EV_RECEIPT so every change gets its own
 * EV_ERROR entry (data 0 on success) and no pending event is consumed (kevent(2):
 * "useful for making bulk changes to a kqueue without draining any pending events").
 * The receipts stay in p->receipts[0..n) for the caller. Returns n or -errno.
 */
static int cn__flush_now(cn_poller_kqueue *p) {
    int n = p->nchanges;
    if (n == 0)
        return 0;
    for (int i = 0; i < n; i++)
        p->changes[i].flags |= EV_RECEIPT;
    p->nchanges = 0;
    struct timespec zero = {0, 0};
    int got;
    do {
        got = kevent(p->kq, p->changes, n, p->receipts, n, &zero);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return CN__ERR();
    return got;
}

static int cn__queue(cn_poller_kqueue *p, uintptr_t fd, short filter, unsigned short flags,
                     uint64_t token) {
    if (p->nchanges == CN__KQ_MAX_CHANGES) {
        int rc = cn__flush_now(p); /* errors of these queued changes are dropped */
        if (rc < 0)
            return rc;
    }
    EV_SET(&p->changes[p->nchanges], fd, filter, flags, 0, 0, cn__udata(token));
    p->nchanges++;
    return 0;
}

/* Queues the changes that turn entry e into (interest, token). */
static int cn__queue_interest(cn_poller_kqueue *p, int fd, cn_kq_fd *e, uint32_t interest,
                              uint64_t token) {
    static const struct {
        uint32_t want;
        uint8_t have;
        short filter;
    } filters[2] = {{CN_READABLE, CN__KQ_READ, EVFILT_READ},
                    {CN_WRITABLE, CN__KQ_WRITE, EVFILT_WRITE}};
    uint8_t edge = (interest & CN_EDGE) ? 1 : 0;
    unsigned short add_flags = EV_ADD | EV_ENABLE | (edge ? EV_CLEAR : 0);
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        int exists = (e->filters & filters[i].have) != 0;
        if (interest & filters[i].want) {
            if (exists && e->edge != edge) {
                /* EV_ADD on an existing knote updates udata but not EV_CLEAR
                 * (FreeBSD kqueue_register): replace the knote to switch modes. */
                rc = cn__queue(p, (uintptr_t)fd, filters[i].filter, EV_DELETE, token);
                exists = 0;
            }
            if (rc == 0 && (!exists || e->token != token))
                rc = cn__queue(p, (uintptr_t)fd, filters[i].filter, add_flags, token);
            if (rc == 0)
                e->filters |= filters[i].have;
        } else if (exists) {
            rc = cn__queue(p, (uintptr_t)fd, filters[i].filter, EV_DELETE, token);
            if (rc == 0)
                e->filters &= (uint8_t)~filters[i].have;
        }
    }
    e->edge = edge;
    e->token = token;
    return rc;
}

int cn_poller_add(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    int rc;
    cn_poller_kqueue *p = cn__poller_to_register(poller, fd, interest, token, &rc);
    if (p == NULL)
        return rc;
    /* With no filter to add, the kernel would not look at fd at all: check it. */
    if (!(interest & (CN_READABLE | CN_WRITABLE)) && fcntl(fd, F_GETFD) < 0)
        return CN__ERR();
    if ((rc = cn__ensure_fd_entry(p, fd)) < 0)
        return rc;
    /* Room for our (at most 4) changes after the queued ones. */
    if (p->nchanges > CN__KQ_MAX_CHANGES - 4 && (rc = cn__flush_now(p)) < 0)
        return rc;
    cn_kq_fd *e = &p->fds[fd];
    /* What the table remembers may be stale (the fd was closed and its number
     * reused, which removed the knotes), so every wanted filter is added afresh
     * and remembered ones are deleted when unwanted or in the other edge mode.
     * ENOENT on such a delete just means the knote was already gone. */
    uint8_t edge = (interest & CN_EDGE) ? 1 : 0;
    unsigned short add_flags = EV_ADD | EV_ENABLE | (edge ? EV_CLEAR : 0);
    int first_own = p->nchanges;
    if (e->registered && (e->filters & CN__KQ_READ) &&
        (!(interest & CN_READABLE) || e->edge != edge))
        cn__queue(p, (uintptr_t)fd, EVFILT_READ, EV_DELETE, token);
    if (e->registered && (e->filters & CN__KQ_WRITE) &&
        (!(interest & CN_WRITABLE) || e->edge != edge))
        cn__queue(p, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE, token);
    if (interest & CN_READABLE)
        cn__queue(p, (uintptr_t)fd, EVFILT_READ, add_flags, token);
    if (interest & CN_WRITABLE)
        cn__queue(p, (uintptr_t)fd, EVFILT_WRITE, add_flags, token);
    int n = cn__flush_now(p);
    if (n < 0)
        return n;
    /* Receipts come back in changelist order, one per change; ours are the last. */
    int result = 0;
    for (int i = first_own; i < n; i++) {
        const struct kevent *r = &p->receipts[i];
        int err = (r->flags & EV_ERROR) ? (int)r->data : 0;
        if (err == 0 || (err == ENOENT && (p->changes[i].flags & EV_DELETE)))
            continue;
        if (result == 0)
            result = -err;
    }
    if (result < 0) {
        /* Undo half a registration (say READ added, WRITE refused): nothing stays. */
        cn__queue(p, (uintptr_t)fd, EVFILT_READ, EV_DELETE, token);
        cn__queue(p, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE, token);
        cn__flush_now(p);
        memset(e, 0, sizeof *e);
        return result;
    }
    e->registered = 1;
    e->token = token;
    e->edge = edge;
    e->filters = (uint8_t)(((interest & CN_READABLE) ? CN__KQ_READ : 0) |
                           ((interest & CN_WRITABLE) ? CN__KQ_WRITE : 0));
    return 0;
}

int cn_poller_modify(int64_t poller, int fd, uint32_t interest, uint64_t token) {
    int rc;
    cn_poller_kqueue *p = cn__poller_to_register(poller, fd, interest, token, &rc);
    if (p == NULL)
        return rc;
    cn_kq_fd *e = cn__fd_entry(p, fd);
    if (e == NULL || !e->registered)
        return -ENOENT;
    return cn__queue_interest(p, fd, e, interest, token);
}

int cn_poller_remove(int64_t poller, int fd) {
    cn_poller_kqueue *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    if (fd < 0)
        return -EBADF;
    cn_kq_fd *e = cn__fd_entry(p, fd);
    if (e == NULL || !e->registered)
        return -ENOENT;
    int rc = 0;
    if (e->filters & CN__KQ_READ)
        rc = cn__queue(p, (uintptr_t)fd, EVFILT_READ, EV_DELETE, e->token);
    if (rc == 0 && (e->filters & CN__KQ_WRITE))
        rc = cn__queue(p, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE, e->token);
    memset(e, 0, sizeof *e);
    return rc;
}

static uint32_t cn__from_kevent(const struct kevent *kev) {
    if (kev->filter == EVFILT_READ) {
        uint32_t ev = CN_READABLE;
        if (kev->flags & EV_EOF)
            ev |= CN_HANGUP | (kev->fflags ? CN_ERROR : 0);
        return ev;
    }
    /* EVFILT_WRITE */
    return CN_WRITABLE | ((kev->flags & EV_EOF) ? CN_ERROR : 0);
}

int cn_poller_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms) {
    int rc;
    cn_poller_kqueue *p = cn__poller_to_wait(poller, events, capacity, timeout_ms, &rc);
    if (p == NULL)
        return rc;
    /* The slack: room for every queued change's possible EV_ERROR entry. */
    p->batch = cn__grow_batch(p->batch, &p->batch_size, capacity, CN__KQ_MAX_BATCH,
                              CN__KQ_MAX_CHANGES, sizeof *p->batch);
    int max = capacity < p->batch_size ? capacity : p->batch_size;
    int64_t deadline = cn__deadline_ns(timeout_ms);
    int timeout = timeout_ms;
    for (;;) {
        struct timespec ts, *tsp = NULL;
        if (timeout >= 0) {
            ts.tv_sec = timeout / 1000;
            ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
            tsp = &ts;
        }
        int nchanges = p->nchanges;
        p->nchanges = 0;
        /* Room for an EV_ERROR per change on top of the caller's events. */
        int n = kevent(p->kq, p->changes, nchanges, p->batch, max + nchanges, tsp);
        if (n < 0) {
            /* EINTR arrives while scanning, after the changelist was applied
             * (FreeBSD kern_event.c), so the changes are not queued again. */
            if (errno != EINTR)
                return CN__ERR();
            timeout = cn__remaining_ms(timeout_ms, deadline);
            if (timeout == 0 && timeout_ms != 0)
                return 0;
            continue;
        }
        int out = 0, woken = 0, failed_changes = 0;
        uintptr_t last_ident = 0;
        for (int i = 0; i < n; i++) {
            const struct kevent *kev = &p->batch[i];
            if (kev->filter == EVFILT_USER) {
                woken = 1; /* EV_CLEAR reset it: wake-ups so far coalesce */
                continue;
            }
            if (kev->flags & EV_ERROR) {
                failed_changes++; /* reported below, after the real events */
                continue;
            }
            uint64_t token = (uint64_t)(uintptr_t)kev->udata;
            if (out > 0 && kev->ident == last_ident && events[out - 1].token == token) {
                events[out - 1].events |= cn__from_kevent(kev);
                continue;
            }
            /* At most max (<= capacity) real events come back, so out < capacity. */
            events[out].token = token;
            events[out].events = cn__from_kevent(kev);
            events[out].reserved = 0;
            last_ident = kev->ident;
            out++;
        }
        /* A queued change failed. EBADF/ENOENT: its fd was closed since (or a
         * delete found no knote), nothing to say. Anything else (an EV_ADD the
         * kernel refused; the entry's flags no longer say which change it was):
         * tell the token's owner, if there is room. */
        for (int i = 0; failed_changes > 0 && i < n && out < capacity; i++) {
            const struct kevent *kev = &p->batch[i];
            if (!(kev->flags & EV_ERROR) || kev->filter == EVFILT_USER)
                continue;
            failed_changes--;
            if (kev->data == 0 || kev->data == EBADF || kev->data == ENOENT)
                continue;
            events[out].token = (uint64_t)(uintptr_t)kev->udata;
            events[out].events = CN_ERROR;
            events[out].reserved = 0;
            out++;
        }
        /* Only errors of queued changes came back: they cut the wait short, so keep
         * waiting for what is left of the caller's timeout. */
        if (out == 0 && !woken && n > 0 && timeout_ms != 0) {
            timeout = cn__remaining_ms(timeout_ms, deadline);
            if (timeout == 0)
                return 0;
            continue;
        }
        return out;
    }
}

int cn_poller_wake(int64_t poller) {
    cn_poller_kqueue *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    /* Only the kqueue fd is touched, never the owner's changelist, so any thread
     * may call this. Triggers before the next retrieval coalesce into one event. */
    struct kevent trigger;
    EV_SET(&trigger, CN__KQ_WAKE_IDENT, EVFILT_USER, 0, NOTE_TRIGGER, 0,
           cn__udata(CN_TOKEN_RESERVED));
    int rc;
    do {
        rc = kevent(p->kq, &trigger, 1, NULL, 0, NULL);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? CN__ERR() : 0;
}

int cn_poller_close(int64_t poller) {
    cn_poller_kqueue *p = cn__poller(poller);
    if (p == NULL)
        return -EBADF;
    p->magic = 0;
    close(p->kq);
    free(p->batch);
    free(p->fds);
    free(p);
    return 0;
}
