/*
 * A declaration-only stand-in for <sys/event.h>, so that native/src/poller_kqueue.c
 * can be compile-checked on Linux when libkqueue is not installed. Written from the
 * FreeBSD kqueue(2) manual page (struct kevent as of FreeBSD 12, which added ext[]).
 * Nothing links against it and nothing runs with it: it catches syntax and type
 * errors only, never behaviour.
 */
#ifndef CORONET_KQUEUE_SHIM_SYS_EVENT_H
#define CORONET_KQUEUE_SHIM_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

struct kevent {
    uintptr_t ident;     /* identifier for this event */
    short filter;        /* filter for event */
    unsigned short flags;/* action flags for kqueue */
    unsigned int fflags; /* filter flag value */
    int64_t data;        /* filter data value */
    void *udata;         /* opaque user data identifier */
    uint64_t ext[4];     /* extensions */
};

#define EV_SET(kevp, a, b, c, d, e, f)                                                   \
    do {                                                                                 \
        struct kevent *ev_set_kevp_ = (kevp);                                            \
        ev_set_kevp_->ident = (a);                                                       \
        ev_set_kevp_->filter = (b);                                                      \
        ev_set_kevp_->flags = (c);                                                       \
        ev_set_kevp_->fflags = (d);                                                      \
        ev_set_kevp_->data = (e);                                                        \
        ev_set_kevp_->udata = (f);                                                       \
        ev_set_kevp_->ext[0] = ev_set_kevp_->ext[1] = 0;                                 \
        ev_set_kevp_->ext[2] = ev_set_kevp_->ext[3] = 0;                                 \
    } while (0)

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_USER (-11)

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
#define EV_ERROR 0x4000
#define EV_EOF 0x8000

#define NOTE_TRIGGER 0x01000000

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
           int nevents, const struct timespec *timeout);

#endif
