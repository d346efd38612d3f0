/*
 * syscall_baseline.c - the same operations as the JMH benchmarks, straight from C, so the
 * Java numbers can be split into "the syscall" and "the crossing" on the machine at hand.
 *
 *   cc -O2 -o /tmp/syscall_baseline benchmarks/jmh/c/syscall_baseline.c && /tmp/syscall_baseline
 *
 * Linux only (epoll, eventfd). Prints ns per operation, best of 5 rounds (the least disturbed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
#define OPS 200000

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fds[2], ep, efd;
static char buf[64];

static void read_empty(void) {
    if (read(fds[0], buf, sizeof buf) != -1 || errno != EAGAIN) abort();
}

static void so_error(void) {
    int err;
    socklen_t len = sizeof err;
    if (getsockopt(fds[0], SOL_SOCKET, SO_ERROR, &err, &len) != 0) abort();
}

static void epoll_empty(void) {
    struct epoll_event ev[8];
    if (epoll_wait(ep, ev, 8, 0) != 0) abort();
}

static void wake_then_wait(void) {
    /* what cn_poller_wake + cn_poller_wait do on epoll: eventfd write, wait, eventfd read */
    uint64_t one = 1;
    struct epoll_event ev[8];
    if (write(efd, &one, sizeof one) != sizeof one) abort();
    if (epoll_wait(ep, ev, 8, 0) != 1) abort();
    if (read(efd, &one, sizeof one) != sizeof one) abort();
}

static void bench(const char *name, void (*op)(void)) {
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < OPS; i++) op();
        double per = (now_ns() - t0) / OPS;
        if (per < best) best = per;
    }
    printf("%-28s %8.0f ns/op\n", name, best);
}

int main(void) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return 1;
    ep = epoll_create1(0);
    efd = eventfd(0, EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    ev.data.u64 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    bench("read(2) -> EAGAIN", read_empty);
    bench("getsockopt(SO_ERROR)", so_error);
    bench("epoll_wait(0), idle", epoll_empty);
    bench("eventfd wake + wait + read", wake_then_wait);
    return 0;
}
