/*
 * test_poller.c - readiness, edge/level semantics, modify/remove, timeouts, wake-ups,
 * EINTR, argument checks and stale tokens, against whichever backend the library
 * was built with. Backend differences are asked from cn_poller_caps(), not assumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

#define WAIT_MS 5000 /* how long to wait for something that must come */
#define QUIET_MS 50  /* how long to watch for something that must not come */

static int native_edge(void) {
    return (cn_poller_caps() & CN_CAP_NATIVE_EDGE) != 0;
}

static int64_t new_poller(void) {
    return CHECK_OK(cn_poller_create());
}

/* Nothing at all for QUIET_MS. */
static void expect_no_events(int64_t poller) {
    cn_event events[8];
    CHECK_EQ(0, cn_test_wait(poller, events, 8, QUIET_MS));
}

void test_poller_create_close(void) {
    int64_t p = new_poller();
    CHECK(p > 0);
    const char *name = cn_backend_name();
    CHECK(strcmp(name, "epoll") == 0 || strcmp(name, "kqueue") == 0 || strcmp(name, "poll") == 0);
    if (strcmp(name, "poll") == 0)
        CHECK_EQ(0, cn_poller_caps());
    else
        CHECK_EQ(CN_CAP_NATIVE_EDGE | CN_CAP_CLOSE_REMOVES, cn_poller_caps());
    CHECK_EQ(0, cn_poller_close(p));
}

void test_poller_readable(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 42));
    expect_no_events(p);
    cn_test_write_all(fds[1], "x", 1);
    uint32_t ev = cn_test_wait_for(p, 42, WAIT_MS);
    CHECK(ev & CN_READABLE);
    CHECK(!(ev & (CN_WRITABLE | CN_HANGUP | CN_ERROR)));
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_writable(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_WRITABLE, 7));
    uint32_t ev = cn_test_wait_for(p, 7, WAIT_MS);
    CHECK_EQ(CN_WRITABLE, ev);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_level_repeats(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 1));
    cn_test_write_all(fds[1], "ab", 2);
    /* Level-triggered: reported on every wait until drained. */
    for (int i = 0; i < 3; i++)
        CHECK(cn_test_wait_for(p, 1, WAIT_MS) & CN_READABLE);
    char buf[8];
    CHECK_EQ(2, cn_read(fds[0], buf, sizeof buf));
    expect_no_events(p);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_hangup_on_shutdown(void) {
    int64_t p = new_poller();
    int client, server;
    cn_test_tcp_pair(&client, &server);
    CHECK_OK(cn_poller_add(p, server, CN_READABLE | CN_EDGE, 5));
    cn_test_write_all(client, "last", 4);
    CHECK_OK(cn_shutdown(client, CN_SHUT_WR));
    /* The FIN may arrive with the data or just after it: wait until HANGUP shows. */
    uint32_t seen = 0;
    for (int i = 0; i < 10 && !(seen & CN_HANGUP); i++) {
        seen |= cn_test_wait_for(p, 5, WAIT_MS);
        if (!native_edge())
            CHECK_OK(cn_poller_modify(p, server, CN_READABLE | CN_EDGE, 5));
    }
    CHECK(seen & CN_READABLE);
    CHECK(seen & CN_HANGUP);
    /* Hang-up means: drain, then EOF. */
    char buf[16];
    CHECK_EQ(4, cn_read(server, buf, sizeof buf));
    CHECK_EQ(0, cn_read(server, buf, sizeof buf));
    cn_close(client);
    cn_poller_remove(p, server);
    cn_close(server);
    cn_poller_close(p);
}

void test_poller_hangup_on_close(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 9));
    cn_close(fds[1]);
    uint32_t ev = cn_test_wait_for(p, 9, WAIT_MS);
    CHECK(ev & CN_HANGUP);
    char buf[4];
    CHECK_EQ(0, cn_read(fds[0], buf, sizeof buf));
    cn_poller_remove(p, fds[0]);
    cn_close(fds[0]);
    cn_poller_close(p);
}

void test_poller_edge_once_per_transition(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE | CN_EDGE, 3));
    cn_test_write_all(fds[1], "a", 1);
    CHECK(cn_test_wait_for(p, 3, WAIT_MS) & CN_READABLE);
    /* Not drained, but reported once: no event until something changes. */
    expect_no_events(p);
    cn_test_write_all(fds[1], "b", 1);
    if (native_edge()) {
        /* New data is a new transition (epoll(7): EPOLLET; kqueue(2): EV_CLEAR). */
        CHECK(cn_test_wait_for(p, 3, WAIT_MS) & CN_READABLE);
        expect_no_events(p);
    } else {
        /* Emulated edge: disarmed until cn_poller_modify re-arms it. */
        expect_no_events(p);
        CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE | CN_EDGE, 3));
        CHECK(cn_test_wait_for(p, 3, WAIT_MS) & CN_READABLE);
        expect_no_events(p);
    }
    /* Drain to EAGAIN, as the contract asks, then a new byte is a new edge. */
    char buf[8];
    CHECK_EQ(2, cn_read(fds[0], buf, sizeof buf));
    CHECK_EQ(-EAGAIN, cn_read(fds[0], buf, sizeof buf));
    if (!native_edge())
        CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE | CN_EDGE, 3));
    expect_no_events(p);
    cn_test_write_all(fds[1], "c", 1);
    CHECK(cn_test_wait_for(p, 3, WAIT_MS) & CN_READABLE);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_edge_hangup_once(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE | CN_EDGE, 4));
    cn_close(fds[1]);
    CHECK(cn_test_wait_for(p, 4, WAIT_MS) & CN_HANGUP);
    /* With CN_EDGE a hang-up is reported once, not on every wait. */
    expect_no_events(p);
    cn_poller_remove(p, fds[0]);
    cn_close(fds[0]);
    cn_poller_close(p);
}

/* A peer that half-closed still reads: a writer with CN_EDGE that filled its send
 * buffer must get CN_WRITABLE once the peer drains, even though the hang-up stays
 * true (and, on the poll backend, is reported again after each re-arm). */
void test_poller_edge_write_after_peer_half_close(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    uint32_t interest = CN_READABLE | CN_WRITABLE | CN_EDGE;
    CHECK_OK(cn_poller_add(p, fds[0], interest, 6));
    CHECK_OK(cn_shutdown(fds[1], CN_SHUT_WR));
    CHECK(cn_test_wait_for(p, 6, WAIT_MS) & CN_HANGUP);
    static char chunk[65536];
    int64_t n, total = 0;
    for (int i = 0; i < 10000 && (n = cn_write(fds[0], chunk, sizeof chunk)) > 0; i++)
        total += n;
    CHECK(total > 0);
    CHECK_EQ(-EAGAIN, cn_write(fds[0], chunk, sizeof chunk));
    if (!native_edge())
        CHECK_OK(cn_poller_modify(p, fds[0], interest, 6));
    /* Whatever comes now (a re-reported hang-up), it is not writability. */
    cn_event events[4];
    int got = cn_test_wait(p, events, 4, QUIET_MS);
    for (int i = 0; i < got; i++)
        CHECK(!(events[i].events & CN_WRITABLE));
    char sink[65536];
    int64_t drained = 0;
    for (int i = 0; i < 100000 && drained < total; i++) {
        n = cn_read(fds[1], sink, sizeof sink);
        if (n > 0)
            drained += n;
        else
            break;
    }
    CHECK_EQ(total, drained);
    uint32_t seen = 0;
    for (int round = 0; round < 20 && !(seen & CN_WRITABLE); round++)
        seen |= cn_test_wait_for(p, 6, WAIT_MS / 10);
    CHECK(seen & CN_WRITABLE);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_modify(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 10));
    expect_no_events(p);
    /* Interest and token change together; the old token is gone. */
    CHECK_OK(cn_poller_modify(p, fds[0], CN_WRITABLE, 11));
    cn_test_write_all(fds[1], "z", 1); /* readable now, but nobody asks */
    cn_event events[8];
    int n = cn_test_wait(p, events, 8, WAIT_MS);
    CHECK_EQ(1, n);
    CHECK_EQ(11, events[0].token);
    CHECK_EQ(CN_WRITABLE, events[0].events);
    CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE, 12));
    n = cn_test_wait(p, events, 8, WAIT_MS);
    CHECK_EQ(1, n);
    CHECK_EQ(12, events[0].token);
    CHECK_EQ(CN_READABLE, events[0].events);
    CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE | CN_WRITABLE, 13));
    n = cn_test_wait(p, events, 8, WAIT_MS);
    CHECK_EQ(1, n); /* one event per fd, both bits (kqueue merges its two filters) */
    CHECK_EQ(13, events[0].token);
    CHECK_EQ(CN_READABLE | CN_WRITABLE, events[0].events);
    /* Switching between edge and level keeps working. */
    CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE | CN_EDGE, 14));
    CHECK(cn_test_wait_for(p, 14, WAIT_MS) & CN_READABLE);
    CHECK_OK(cn_poller_modify(p, fds[0], CN_READABLE, 15));
    CHECK(cn_test_wait_for(p, 15, WAIT_MS) & CN_READABLE);
    CHECK(cn_test_wait_for(p, 15, WAIT_MS) & CN_READABLE);
    /* No interest: readiness is not reported. */
    CHECK_OK(cn_poller_modify(p, fds[0], 0, 16));
    expect_no_events(p);
    CHECK_EQ(-ENOENT, cn_poller_modify(p, fds[1], CN_READABLE, 17));
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_remove(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE | CN_WRITABLE, 20));
    cn_test_write_all(fds[1], "r", 1);
    CHECK_OK(cn_poller_remove(p, fds[0]));
    expect_no_events(p);
    CHECK_EQ(-ENOENT, cn_poller_remove(p, fds[0]));
    CHECK_EQ(-ENOENT, cn_poller_modify(p, fds[0], CN_READABLE, 20));
    /* Removed fds can come back. */
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 21));
    CHECK(cn_test_wait_for(p, 21, WAIT_MS) & CN_READABLE);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_add_twice(void) {
    if (strcmp(cn_backend_name(), "kqueue") == 0)
        TEST_SKIP("kqueue cannot tell a second add from a re-add after close (see coronet.h)");
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 1));
    CHECK_EQ(-EEXIST, cn_poller_add(p, fds[0], CN_READABLE, 2));
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_wait_timeout_honoured(void) {
    int64_t p = new_poller();
    cn_event events[4];
    int64_t start = cn_test_now_ms();
    CHECK_EQ(0, cn_test_wait(p, events, 4, 150));
    int64_t took = cn_test_now_ms() - start;
    /* Never early (a 1 ms allowance for the two clocks' rounding); late is allowed. */
    CHECK(took >= 149);
    CHECK(took < 10000);
    cn_poller_close(p);
}

void test_poller_wait_zero_does_not_block(void) {
    int64_t p = new_poller();
    cn_event events[4];
    int64_t start = cn_test_now_ms();
    for (int i = 0; i < 100; i++)
        CHECK_EQ(0, cn_test_wait(p, events, 4, 0));
    CHECK(cn_test_now_ms() - start < 5000);
    cn_poller_close(p);
}

static void *wake_later(void *arg) {
    cn_test_sleep_ms(50);
    CHECK_OK(cn_poller_wake(*(int64_t *)arg));
    return NULL;
}

void test_poller_wake_from_thread(void) {
    int64_t p = new_poller();
    int fds[2];
    cn_test_socketpair(fds);
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 1)); /* never ready */
    pthread_t thread;
    CHECK_EQ(0, pthread_create(&thread, NULL, wake_later, &p));
    cn_event events[4];
    int64_t start = cn_test_now_ms();
    /* A wake-up returns 0 events: it is consumed, never reported. */
    CHECK_EQ(0, cn_test_wait(p, events, 4, 20000));
    CHECK(cn_test_now_ms() - start < 15000);
    pthread_join(thread, NULL);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

void test_poller_wake_coalesces(void) {
    int64_t p = new_poller();
    /* More wake-ups than a pipe buffer holds (64 KiB on Linux): a full pipe still
     * counts as "a wake-up is pending" for the poll(2) backend. */
    for (int i = 0; i < 70000; i++)
        CHECK_EQ(0, cn_poller_wake(p));
    cn_event events[4];
    int64_t start = cn_test_now_ms();
    CHECK_EQ(0, cn_test_wait(p, events, 4, 10000));
    CHECK(cn_test_now_ms() - start < 5000);
    /* All of them were consumed by that one wait: the next one times out. */
    start = cn_test_now_ms();
    CHECK_EQ(0, cn_test_wait(p, events, 4, 100));
    CHECK(cn_test_now_ms() - start >= 99);
    /* And a later wake-up works again. */
    CHECK_EQ(0, cn_poller_wake(p));
    start = cn_test_now_ms();
    CHECK_EQ(0, cn_test_wait(p, events, 4, 10000));
    CHECK(cn_test_now_ms() - start < 5000);
    cn_poller_close(p);
}

static atomic_int signals_seen;
static atomic_int eintr_done;

static void count_signal(int sig) {
    (void)sig;
    atomic_fetch_add(&signals_seen, 1);
}

static void *signal_repeatedly(void *arg) {
    pthread_t target = *(pthread_t *)arg;
    for (int i = 0; i < 500 && !atomic_load(&eintr_done); i++) {
        pthread_kill(target, SIGUSR1);
        cn_test_sleep_ms(10);
    }
    return NULL;
}

void test_poller_eintr_keeps_timeout(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sa.sa_flags = 0; /* no SA_RESTART: the wait sees EINTR */
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(0, sigaction(SIGUSR1, &sa, NULL));
    int64_t p = new_poller();
    pthread_t self = pthread_self(), thread;
    CHECK_EQ(0, pthread_create(&thread, NULL, signal_repeatedly, &self));
    cn_event events[4];
    int64_t start = cn_test_now_ms();
    /* Interrupted every 10 ms, the wait neither fails nor returns early. */
    CHECK_EQ(0, cn_test_wait(p, events, 4, 300));
    int64_t took = cn_test_now_ms() - start;
    atomic_store(&eintr_done, 1);
    pthread_join(thread, NULL);
    CHECK(atomic_load(&signals_seen) > 0);
    CHECK(took >= 299);
    CHECK(took < 20000);
    cn_poller_close(p);
}

void test_poller_bad_arguments(void) {
    int64_t p = new_poller();
    cn_event events[4];
    int fds[2];
    cn_test_socketpair(fds);
    /* A handle that was never a poller. */
    CHECK_EQ(-EBADF, cn_poller_add(0, fds[0], CN_READABLE, 1));
    CHECK_EQ(-EBADF, cn_poller_modify(0, fds[0], CN_READABLE, 1));
    CHECK_EQ(-EBADF, cn_poller_remove(0, fds[0]));
    CHECK_EQ(-EBADF, cn_poller_wait(0, events, 4, 0));
    CHECK_EQ(-EBADF, cn_poller_wake(0));
    CHECK_EQ(-EBADF, cn_poller_close(0));
    CHECK_EQ(-EBADF, cn_poller_wait(-5, events, 4, 0));
    /* Bad fds: negative, and one that is not open. */
    CHECK_EQ(-EBADF, cn_poller_add(p, -1, CN_READABLE, 1));
    int closed[2];
    cn_test_socketpair(closed);
    cn_close(closed[0]);
    cn_close(closed[1]);
    CHECK_EQ(-EBADF, cn_poller_add(p, closed[0], CN_READABLE, 1));
    CHECK_EQ(-EBADF, cn_poller_add(p, closed[0], 0, 1));
    CHECK_EQ(-EBADF, cn_poller_remove(p, -1));
    /* Bad interest bits, reserved token. */
    CHECK_EQ(-EINVAL, cn_poller_add(p, fds[0], CN_HANGUP, 1));
    CHECK_EQ(-EINVAL, cn_poller_add(p, fds[0], 0x100, 1));
    CHECK_EQ(-EINVAL, cn_poller_add(p, fds[0], CN_READABLE, CN_TOKEN_RESERVED));
    /* Bad wait arguments. */
    CHECK_EQ(-EINVAL, cn_poller_wait(p, events, 0, 0));
    CHECK_EQ(-EINVAL, cn_poller_wait(p, events, -1, 0));
    CHECK_EQ(-EFAULT, cn_poller_wait(p, NULL, 4, 0));
    CHECK_EQ(-EINVAL, cn_poller_wait(p, events, 4, -2));
    /* None of that broke the poller. */
    CHECK_OK(cn_poller_add(p, fds[0], CN_WRITABLE, 1));
    CHECK_EQ(CN_WRITABLE, cn_test_wait_for(p, 1, WAIT_MS));
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_poller_close(p);
}

/*
 * The stale-token scenario: an fd is closed, its number is reused at once by a new
 * fd that registers with a new token. Only the new token may ever be reported.
 * Backends without CN_CAP_CLOSE_REMOVES need the remove first (the contract);
 * the others are tested both ways.
 */
static void stale_token(int remove_first) {
    int64_t p = new_poller();
    int old_pair[2];
    cn_test_socketpair(old_pair);
    int number = old_pair[0];
    CHECK_OK(cn_poller_add(p, number, CN_READABLE, 100));
    cn_test_write_all(old_pair[1], "old", 3);
    CHECK(cn_test_wait_for(p, 100, WAIT_MS) & CN_READABLE);
    if (remove_first)
        CHECK_OK(cn_poller_remove(p, number));
    cn_close(number);
    int new_pair[2];
    cn_test_socketpair(new_pair); /* lowest free number first (open(2)) */
    int new_fd = new_pair[0] == number ? new_pair[0] : new_pair[1];
    int new_peer = new_fd == new_pair[0] ? new_pair[1] : new_pair[0];
    CHECK_EQ(number, new_fd);
    CHECK_OK(cn_poller_add(p, new_fd, CN_READABLE, 200));
    cn_test_write_all(new_peer, "new", 3);
    cn_event events[8];
    int seen_new = 0;
    for (int round = 0; round < 5; round++) {
        int n = cn_test_wait(p, events, 8, round == 0 ? WAIT_MS : QUIET_MS);
        for (int i = 0; i < n; i++) {
            CHECK(events[i].token != 100);
            CHECK_EQ(200, events[i].token);
            seen_new = 1;
        }
    }
    CHECK(seen_new);
    cn_close(old_pair[1]);
    cn_poller_remove(p, new_fd);
    cn_close(new_pair[0]);
    cn_close(new_pair[1]);
    cn_poller_close(p);
}

void test_poller_stale_token_after_close(void) {
    stale_token(1);
    if (cn_poller_caps() & CN_CAP_CLOSE_REMOVES)
        stale_token(0);
}

#define FAIR_FDS 40

void test_poller_capacity_is_fair(void) {
    int64_t p = new_poller();
    int pairs[FAIR_FDS][2];
    for (int i = 0; i < FAIR_FDS; i++) {
        cn_test_socketpair(pairs[i]);
        CHECK_OK(cn_poller_add(p, pairs[i][0], CN_READABLE, (uint64_t)i + 1));
        cn_test_write_all(pairs[i][1], "f", 1);
    }
    /* All stay ready (level, never read); 4 per wait; every one shows up soon. */
    int seen[FAIR_FDS] = {0}, distinct = 0;
    cn_event events[4];
    for (int round = 0; round < 4 * FAIR_FDS && distinct < FAIR_FDS; round++) {
        int n = cn_test_wait(p, events, 4, WAIT_MS);
        CHECK(n >= 1 && n <= 4);
        for (int i = 0; i < n; i++) {
            uint64_t t = events[i].token;
            CHECK(t >= 1 && t <= FAIR_FDS);
            if (!seen[t - 1]++)
                distinct++;
        }
    }
    CHECK_EQ(FAIR_FDS, distinct);
    for (int i = 0; i < FAIR_FDS; i++) {
        cn_poller_remove(p, pairs[i][0]);
        cn_close(pairs[i][0]);
        cn_close(pairs[i][1]);
    }
    cn_poller_close(p);
}

void test_poller_remove_during_batch(void) {
    int64_t p = new_poller();
    enum { N = 5 };
    int pairs[N][2];
    for (int i = 0; i < N; i++) {
        cn_test_socketpair(pairs[i]);
        CHECK_OK(cn_poller_add(p, pairs[i][0], CN_READABLE, (uint64_t)i + 1));
        cn_test_write_all(pairs[i][1], "b", 1);
    }
    cn_event events[N];
    int n = cn_test_wait(p, events, N, WAIT_MS);
    CHECK(n >= 1);
    /* While handling this batch, remove and close the first and the last fds
     * (poll: the last slot moves into a hole) and another one whose event may be
     * further down the batch; then reuse one number with a new token. */
    int gone[3] = {0, N - 1, 2};
    for (int g = 0; g < 3; g++) {
        CHECK_OK(cn_poller_remove(p, pairs[gone[g]][0]));
        cn_close(pairs[gone[g]][0]);
        cn_close(pairs[gone[g]][1]);
    }
    int fresh[2];
    cn_test_socketpair(fresh);
    CHECK_OK(cn_poller_add(p, fresh[0], CN_READABLE, 99));
    cn_test_write_all(fresh[1], "n", 1);
    int seen_fresh = 0;
    int seen_alive[N] = {0};
    for (int round = 0; round < 10; round++) {
        n = cn_test_wait(p, events, N, round == 0 ? WAIT_MS : QUIET_MS);
        for (int i = 0; i < n; i++) {
            uint64_t t = events[i].token;
            CHECK(t != 1 && t != N && t != 3);
            if (t == 99)
                seen_fresh = 1;
            else
                seen_alive[t - 1] = 1;
        }
    }
    CHECK(seen_fresh);
    CHECK(seen_alive[1] && seen_alive[3]);
    for (int i = 1; i < N - 1; i += 2) {
        cn_poller_remove(p, pairs[i][0]);
        cn_close(pairs[i][0]);
        cn_close(pairs[i][1]);
    }
    cn_poller_remove(p, fresh[0]);
    cn_close(fresh[0]);
    cn_close(fresh[1]);
    cn_poller_close(p);
}

void test_poller_pipe(void) {
    int64_t p = new_poller();
    int fds[2];
    CHECK_OK(cn_pipe(fds));
    CHECK_OK(cn_poller_add(p, fds[0], CN_READABLE, 1));
    CHECK_OK(cn_poller_add(p, fds[1], CN_WRITABLE, 2));
    CHECK_EQ(CN_WRITABLE, cn_test_wait_for(p, 2, WAIT_MS));
    CHECK_OK(cn_poller_remove(p, fds[1]));
    CHECK_EQ(1, cn_write(fds[1], "p", 1));
    CHECK(cn_test_wait_for(p, 1, WAIT_MS) & CN_READABLE);
    cn_close(fds[1]);
    char buf[4];
    CHECK_EQ(1, cn_read(fds[0], buf, sizeof buf));
    /* The writer is gone: the reader sees a hang-up (EPOLLHUP / POLLHUP / EV_EOF). */
    CHECK(cn_test_wait_for(p, 1, WAIT_MS) & CN_HANGUP);
    CHECK_EQ(0, cn_read(fds[0], buf, sizeof buf));
    cn_poller_remove(p, fds[0]);
    cn_close(fds[0]);
    cn_poller_close(p);
}
