#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cn_test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stdout, "  FAILED at %s:%d: ", file, line);
    vfprintf(stdout, fmt, ap);
    fprintf(stdout, "\n");
    va_end(ap);
    fflush(NULL);
    exit(1);
}

const char *cn_test_errname(int err) {
    return strerror(err);
}

int64_t cn_test_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cn_test_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

void cn_test_socketpair(int fds[2]) {
    CHECK_OK(cn_socketpair(fds));
}

void cn_test_tcp_pair(int *client, int *server) {
    int listener = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 8, 0));
    char host[64];
    int port = (int)CHECK_OK(cn_sockname(listener, 0, host, sizeof host));
    *client = (int)CHECK_OK(cn_tcp_connect("127.0.0.1", port));
    CHECK(cn_test_await_readable(listener, 5000));
    *server = (int)CHECK_OK(cn_tcp_accept(listener));
    /* Connected once the client is writable with no socket error. */
    struct pollfd pfd = {*client, POLLOUT, 0};
    CHECK(poll(&pfd, 1, 5000) == 1);
    CHECK_EQ(0, cn_socket_error(*client));
    CHECK_OK(cn_close(listener));
}

int cn_test_wait(int64_t poller, cn_event *events, int capacity, int timeout_ms) {
    return (int)CHECK_OK(cn_poller_wait(poller, events, capacity, timeout_ms));
}

const cn_event *cn_test_find(const cn_event *events, int n, uint64_t token) {
    for (int i = 0; i < n; i++)
        if (events[i].token == token)
            return &events[i];
    return NULL;
}

uint32_t cn_test_wait_for(int64_t poller, uint64_t token, int timeout_ms) {
    cn_event events[64];
    int64_t deadline = cn_test_now_ms() + timeout_ms;
    for (int round = 0; round < 1000; round++) {
        int64_t left = deadline - cn_test_now_ms();
        int n = cn_test_wait(poller, events, 64, left > 0 ? (int)left : 0);
        const cn_event *ev = cn_test_find(events, n, token);
        if (ev != NULL)
            return ev->events;
        if (left <= 0)
            break;
    }
    return 0;
}

int cn_test_await_readable(int fd, int timeout_ms) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int rc;
    do {
        rc = poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc == 1;
}

void cn_test_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    for (int tries = 0; len > 0 && tries < 100000; tries++) {
        int64_t n = cn_write(fd, p, (int64_t)len);
        if (n == -EAGAIN) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            poll(&pfd, 1, 100);
            continue;
        }
        CHECK(n > 0);
        p += n;
        len -= (size_t)n;
    }
    CHECK_EQ(0, len);
}

void cn_test_read_exact(int fd, void *buf, size_t len) {
    char *p = buf;
    for (int tries = 0; len > 0 && tries < 100000; tries++) {
        int64_t n = cn_read(fd, p, (int64_t)len);
        if (n == -EAGAIN) {
            cn_test_await_readable(fd, 100);
            continue;
        }
        CHECK(n > 0);
        p += n;
        len -= (size_t)n;
    }
    CHECK_EQ(0, len);
}

/* ---- echo server ----------------------------------------------------------------- */

#define ECHO_MAX_CONNS 64

struct cn_test_echo_server {
    int listener;
    int64_t poller;
    pthread_t thread;
    atomic_int stop;
    int conns[ECHO_MAX_CONNS];
};

static void echo_close(struct cn_test_echo_server *s, int slot) {
    cn_poller_remove(s->poller, s->conns[slot]);
    cn_close(s->conns[slot]);
    s->conns[slot] = -1;
}

/* Echo a connection's bytes back. The write side is a blocking loop with short
 * poll(2) waits, which keeps the server simple; tests send modest amounts. */
static void echo_serve(struct cn_test_echo_server *s, int slot) {
    char buf[16384];
    for (;;) {
        int64_t n = cn_read(s->conns[slot], buf, sizeof buf);
        if (n == -EAGAIN)
            return;
        if (n <= 0) {
            echo_close(s, slot);
            return;
        }
        int64_t off = 0;
        for (int tries = 0; off < n && tries < 10000 && !s->stop; tries++) {
            int64_t w = cn_write(s->conns[slot], buf + off, n - off);
            if (w == -EAGAIN) {
                struct pollfd pfd = {s->conns[slot], POLLOUT, 0};
                poll(&pfd, 1, 10);
                continue;
            }
            if (w < 0) {
                echo_close(s, slot);
                return;
            }
            off += w;
        }
    }
}

static void *echo_main(void *arg) {
    struct cn_test_echo_server *s = arg;
    cn_event events[16];
    while (!s->stop) {
        int n = cn_poller_wait(s->poller, events, 16, 20);
        for (int i = 0; i < n; i++) {
            uint64_t token = events[i].token;
            if (token == 0) {
                int fd;
                while ((fd = cn_tcp_accept(s->listener)) >= 0) {
                    int slot = 0;
                    while (slot < ECHO_MAX_CONNS && s->conns[slot] >= 0)
                        slot++;
                    if (slot == ECHO_MAX_CONNS) {
                        cn_close(fd);
                        continue;
                    }
                    s->conns[slot] = fd;
                    cn_poller_add(s->poller, fd, CN_READABLE, (uint64_t)slot + 1);
                }
            } else if (s->conns[token - 1] >= 0) {
                echo_serve(s, (int)token - 1);
            }
        }
    }
    return NULL;
}

cn_test_echo_server *cn_test_echo_start(int *port) {
    struct cn_test_echo_server *s = calloc(1, sizeof *s);
    CHECK(s != NULL);
    for (int i = 0; i < ECHO_MAX_CONNS; i++)
        s->conns[i] = -1;
    s->listener = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 64, 0));
    *port = (int)CHECK_OK(cn_sockname(s->listener, 0, NULL, 0));
    s->poller = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(s->poller, s->listener, CN_READABLE, 0));
    CHECK_EQ(0, pthread_create(&s->thread, NULL, echo_main, s));
    return s;
}

void cn_test_echo_stop(cn_test_echo_server *s) {
    s->stop = 1;
    cn_poller_wake(s->poller);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < ECHO_MAX_CONNS; i++)
        if (s->conns[i] >= 0)
            echo_close(s, i);
    cn_poller_close(s->poller);
    cn_close(s->listener);
    free(s);
}
