/*
 * helpers.h - what the C tests share: checks, clocks, fd pairs, event look-ups and
 * a loopback echo server. Every wait in a test is bounded: a broken poller makes a
 * test fail (or the runner's alarm fire), never hang.
 */
#ifndef CORONET_TEST_HELPERS_H
#define CORONET_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "coronet.h"

/* A failed check prints where and why, then ends the test's process with 1. The
 * runner runs each test in its own child process, so nothing leaks into the next. */
void cn_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond))                                                                  \
            cn_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                     \
    } while (0)

#define CHECK_EQ(expected, actual)                                                    \
    do {                                                                              \
        long long cn_e_ = (long long)(expected), cn_a_ = (long long)(actual);         \
        if (cn_e_ != cn_a_)                                                           \
            cn_test_fail(__FILE__, __LINE__, "%s == %s: expected %lld, got %lld",      \
                         #expected, #actual, cn_e_, cn_a_);                           \
    } while (0)

/* A call that must succeed (>= 0); the value is returned. */
#define CHECK_OK(call)                                                                \
    ({                                                                                \
        long long cn_r_ = (long long)(call);                                          \
        if (cn_r_ < 0)                                                                \
            cn_test_fail(__FILE__, __LINE__, "%s failed: %lld (%s)", #call, cn_r_,     \
                         cn_test_errname((int)-cn_r_));                               \
        cn_r_;                                                                        \
    })

#define TEST_SKIP(why)                                                                \
    do {                                                                              \
        printf("  skipped: %s\n", why);                                               \
        return;                                                                       \
    } while (0)

const char *cn_test_errname(int err);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t cn_test_now_ms(void);
void cn_test_sleep_ms(int ms);

/* A connected TCP pair over 127.0.0.1 (both non-blocking): client and server end. */
void cn_test_tcp_pair(int *client, int *server);
/* A connected AF_UNIX stream pair (non-blocking). */
void cn_test_socketpair(int fds[2]);

/* Waits (bounded by timeout_ms) until the poller reports something for token;
 * returns its bits, 0 if nothing came. Other tokens' events are ignored. */
uint32_t cn_test_wait_for(int64_t poller, uint64_t token, int timeout_ms);
/* One cn_poller_wait into events; checks it did not fail; returns the count. */
int cn_test_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms);
/* The event for token among n, or NULL. */
const cn_event *cn_test_find(const cn_event *events, int n, uint64_t token);

/* Blocks (bounded) until fd is readable, using poll(2) directly, not the poller
 * under test. Returns 1 if it became readable. */
int cn_test_await_readable(int fd, int timeout_ms);
/* Writes all len bytes (bounded retries on EAGAIN). */
void cn_test_write_all(int fd, const void *buf, size_t len);
/* Reads exactly len bytes (bounded). */
void cn_test_read_exact(int fd, void *buf, size_t len);

/* An echo server on 127.0.0.1 (its own thread, its own poller): echoes every byte
 * of every connection back until the peer closes. port is where it listens. */
typedef struct cn_test_echo_server cn_test_echo_server;
cn_test_echo_server *cn_test_echo_start(int *port);
void cn_test_echo_stop(cn_test_echo_server *server);

/* Every test case of the registry, declared once. */
#define CN_TEST(name) void test_##name(void);
#include "test_list.h"
#undef CN_TEST

#endif
