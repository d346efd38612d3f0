/*
 * stress.c - random add/modify/remove/close/reopen/read/write/wait over many
 * socketpairs, checking after every call what the contract promises:
 *   - add/modify/remove return what the registration state says (0, -ENOENT, -EEXIST);
 *   - every reported token is the current token of a registered, open fd (tokens
 *     carry a generation, so an event for a closed-and-reused fd would show);
 *   - reported bits are only CN_READABLE|CN_WRITABLE|CN_HANGUP|CN_ERROR.
 * Bounded in iterations and in seconds; meant to run under ASan/UBSan and valgrind.
 *
 *   coronet_stress [--iterations N] [--seconds S] [--pairs P] [--seed X]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define MAX_PAIRS 512

typedef struct {
    int fd, peer;        /* fd is the one registered */
    int registered;
    uint32_t interest;
    uint32_t generation;
    uint64_t token;
} slot;

static uint64_t rng_state;

static uint32_t rnd(uint32_t bound) {
    /* xorshift64*: deterministic for a seed, good enough to pick operations. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32) % bound;
}

static uint64_t token_of(int index, uint32_t generation) {
    return ((uint64_t)generation << 32) | (uint32_t)index;
}

static void open_pair(slot *s, int index) {
    int fds[2];
    CHECK_OK(cn_socketpair(fds));
    s->fd = fds[0];
    s->peer = fds[1];
    s->registered = 0;
    s->generation++;
    s->token = token_of(index, s->generation);
}

static uint32_t random_interest(void) {
    static const uint32_t choices[] = {CN_READABLE, CN_WRITABLE, CN_READABLE | CN_WRITABLE, 0};
    return choices[rnd(4)] | (rnd(2) ? CN_EDGE : 0);
}

int main(int argc, char **argv) {
    long iterations = 20000, seconds = 20, pairs = 64;
    uint64_t seed = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--iterations") == 0)
            iterations = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--pairs") == 0)
            pairs = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 0);
    }
    if (pairs < 1 || pairs > MAX_PAIRS) {
        fprintf(stderr, "--pairs must be 1..%d\n", MAX_PAIRS);
        return 2;
    }
    if (seed == 0)
        seed = (uint64_t)cn_test_now_ms() | 1;
    rng_state = seed;
    printf("stress: backend %s, seed %llu, %ld pairs, <= %ld iterations, <= %ld s\n",
           cn_backend_name(), (unsigned long long)seed, pairs, iterations, seconds);
    int close_removes = (cn_poller_caps() & CN_CAP_CLOSE_REMOVES) != 0;
    int detects_eexist = strcmp(cn_backend_name(), "kqueue") != 0;

    static slot slots[MAX_PAIRS];
    for (int i = 0; i < pairs; i++)
        open_pair(&slots[i], i);
    int64_t poller = CHECK_OK(cn_poller_create());
    cn_event events[64];
    long ops[9] = {0}, reported = 0, waits = 0;
    int64_t deadline = cn_test_now_ms() + seconds * 1000;
    long it;
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    for (it = 0; it < iterations; it++) {
        if ((it & 255) == 0 && cn_test_now_ms() > deadline)
            break;
        int index = (int)rnd((uint32_t)pairs);
        slot *s = &slots[index];
        int op = (int)rnd(9);
        ops[op]++;
        switch (op) {
        case 0: { /* add */
            uint32_t interest = random_interest();
            int rc = cn_poller_add(poller, s->fd, interest, s->token);
            if (!s->registered) {
                CHECK_EQ(0, rc);
                s->registered = 1;
                s->interest = interest;
            } else if (detects_eexist) {
                CHECK_EQ(-EEXIST, rc);
            } else {
                CHECK_EQ(0, rc);
                s->interest = interest;
            }
            break;
        }
        case 1: { /* modify */
            uint32_t interest = random_interest();
            int rc = cn_poller_modify(poller, s->fd, interest, s->token);
            CHECK_EQ(s->registered ? 0 : -ENOENT, rc);
            if (rc == 0)
                s->interest = interest;
            break;
        }
        case 2: /* remove */
            CHECK_EQ(s->registered ? 0 : -ENOENT, cn_poller_remove(poller, s->fd));
            s->registered = 0;
            break;
        case 3: /* close and reopen: the fd number is likely reused at once */
            if (s->registered && (!close_removes || rnd(2)))
                CHECK_OK(cn_poller_remove(poller, s->fd));
            CHECK_OK(cn_close(s->fd));
            CHECK_OK(cn_close(s->peer));
            open_pair(s, index);
            break;
        case 4: { /* the peer writes (-EPIPE once it half-closed itself, op 7) */
            int64_t n = cn_write(s->peer, buf, 1 + rnd(sizeof buf));
            CHECK(n > 0 || n == -EAGAIN || n == -EPIPE);
            break;
        }
        case 5: { /* the registered end reads (or writes, to fill the other way) */
            int64_t n = rnd(2) ? cn_read(s->fd, buf, sizeof buf)
                               : cn_write(s->fd, buf, 1 + rnd(sizeof buf));
            CHECK(n >= 0 || n == -EAGAIN);
            break;
        }
        case 6: /* the peer drains */
            while (cn_read(s->peer, buf, sizeof buf) > 0) {
            }
            break;
        case 7: /* sometimes a wake-up, sometimes a half-close */
            if (rnd(4) == 0)
                CHECK_OK(cn_shutdown(s->peer, CN_SHUT_WR));
            else
                CHECK_OK(cn_poller_wake(poller));
            break;
        case 8: { /* wait and check every event */
            int capacity = 1 + (int)rnd(64);
            int n = (int)CHECK_OK(cn_poller_wait(poller, events, capacity, (int)rnd(2)));
            CHECK(n <= capacity);
            waits++;
            for (int e = 0; e < n; e++) {
                uint64_t t = events[e].token;
                uint32_t i = (uint32_t)t;
                CHECK(i < (uint32_t)pairs);
                CHECK(slots[i].registered);
                CHECK_EQ(slots[i].token, t);
                CHECK(events[e].events != 0);
                CHECK_EQ(0, events[e].events & ~(CN_READABLE | CN_WRITABLE | CN_HANGUP | CN_ERROR));
                CHECK_EQ(0, events[e].reserved);
                reported++;
            }
            break;
        }
        }
    }
    for (int i = 0; i < pairs; i++) {
        if (slots[i].registered)
            CHECK_OK(cn_poller_remove(poller, slots[i].fd));
        cn_close(slots[i].fd);
        cn_close(slots[i].peer);
    }
    CHECK_OK(cn_poller_close(poller));
    printf("stress: %ld iterations, %ld waits, %ld events checked "
           "(add %ld, modify %ld, remove %ld, reopen %ld)\n",
           it, waits, reported, ops[0], ops[1], ops[2], ops[3]);
    printf("1 passed, 0 failed\n");
    return 0;
}
