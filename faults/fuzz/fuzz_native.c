/*
 * fuzz_native.c: a fuzz target for the C layer (libcoronet) that reads its input as a program of
 * calls: create socketpairs, pipes and loopback TCP connections, register them with a poller
 * under random interests and tokens (unknown bits and the reserved token included), modify,
 * remove, wait with random capacities and timeouts, read/write/readv/writev random lengths,
 * shut down, close (with or without removing first), ask for addresses into short buffers.
 *
 * The Java side validates every pointer and length before it crosses (MemorySafetyFaultTest);
 * this target checks the C side under the same rule: pointers are always valid and lengths fit
 * the buffers, everything else (fds, bits, tokens, counts, capacities, timeouts) is hostile.
 * What must hold: no crash, no sanitizer report, no leak; every call returns >= 0 or a -errno;
 * a wait returns at most capacity events carrying only CN_READABLE|CN_WRITABLE|CN_HANGUP|
 * CN_ERROR.
 *
 * Two builds:
 *   libFuzzer (clang):  faults/fuzz/build-libfuzzer.sh, then ./fuzz_native corpus/ -max_total_time=600
 *   standalone (any cc, used by faults/run-sanitizers.sh): -DCN_FUZZ_STANDALONE, then
 *       fuzz_native --runs N --seed S       N random programs
 *       fuzz_native FILE...                 replay inputs (e.g. a libFuzzer crash file)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "coronet.h"

#define SLOTS 16
#define BUF 4096

static void fail(const char *what, long long value) {
    fprintf(stderr, "fuzz_native: contract broken: %s (%lld)\n", what, value);
    abort(); /* libFuzzer and the standalone driver both report an abort with the input */
}

/* A result must be >= 0 or a plausible -errno. */
static long long checked(const char *call, long long r) {
    if (r < 0 && r < -4095) fail(call, r);
    return r;
}

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static unsigned byte(input *in) {
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

static uint32_t u32(input *in) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = (v << 8) | byte(in);
    return v;
}

static int fds[SLOTS];
static int registered[SLOTS];

static int pick_fd(input *in) {
    unsigned b = byte(in);
    if (b < 200) return fds[b % SLOTS];       /* usually one of ours (maybe -1 or closed) */
    if (b < 220) return -1 - (int)(b % 3);    /* negative */
    /* never a random small number: it could be stdin or the fuzzer's own file, and a read
     * from a blocking fd would hang the run. Above nr_open (fs.nr_open, at most 2^30 - 64)
     * no fd can exist: EBADF every time. */
    return (1 << 30) + (int)(u32(in) & 0xfffff);
}

static int free_slot(void) {
    for (int i = 0; i < SLOTS; i++)
        if (fds[i] < 0) return i;
    return -1;
}

static void close_slot(int64_t poller, int i, int remove_first) {
    if (fds[i] < 0) return;
    if (remove_first || !(cn_poller_caps() & CN_CAP_CLOSE_REMOVES)) cn_poller_remove(poller, fds[i]);
    checked("close", cn_close(fds[i]));
    fds[i] = -1;
    registered[i] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t buf[BUF];
    static cn_event events[64];
    input in = {data, size};
    int64_t poller = cn_poller_create();
    if (poller <= 0) fail("cn_poller_create", poller);
    for (int i = 0; i < SLOTS; i++) fds[i] = -1, registered[i] = 0;
    int listener = cn_tcp_listen("127.0.0.1", 0, 16, 0);
    if (listener < 0) fail("cn_tcp_listen", listener);
    char host[64];
    int port = cn_sockname(listener, 0, host, sizeof host);
    if (port <= 0) fail("cn_sockname", port);

    for (int step = 0; step < 256 && in.n > 0; step++) {
        unsigned op = byte(&in) % 18;
        int fd = -1, i = -1, r;
        switch (op) {
        case 0: case 1: { /* socketpair or pipe into two free slots */
            int pair[2], a = free_slot();
            if (a < 0) break;
            fds[a] = -2; /* reserve */
            int b = free_slot();
            fds[a] = -1;
            if (b < 0) break;
            r = op == 0 ? cn_socketpair(pair) : cn_pipe(pair);
            if (checked("socketpair/pipe", r) < 0) break;
            fds[a] = pair[0];
            fds[b] = pair[1];
            break;
        }
        case 2: { /* loopback TCP: connect, accept */
            int a = free_slot();
            if (a < 0) break;
            int c = cn_tcp_connect("127.0.0.1", port);
            if (checked("connect", c) < 0) break;
            fds[a] = c;
            int b = free_slot();
            if (b < 0) break;
            int got[4];
            int n = (int)checked("accept_many", cn_tcp_accept_many(listener, got, 1 + (int)(byte(&in) % 4)));
            for (int k = 0; k < n; k++) {
                int s = free_slot();
                if (s < 0) cn_close(got[k]);
                else fds[s] = got[k];
            }
            break;
        }
        case 3: case 4: { /* add / modify with hostile bits and tokens */
            fd = pick_fd(&in);
            uint32_t interest = byte(&in);
            if (!(interest & 0x80)) interest &= CN_READABLE | CN_WRITABLE | CN_EDGE;
            uint64_t token = byte(&in) == 255 ? CN_TOKEN_RESERVED : (uint64_t)u32(&in);
            r = op == 3 ? cn_poller_add(poller, fd, interest, token) : cn_poller_modify(poller, fd, interest, token);
            checked("add/modify", r);
            for (int k = 0; k < SLOTS; k++)
                if (fds[k] == fd && fd >= 0 && op == 3 && r == 0) registered[k] = 1;
            break;
        }
        case 5: /* remove */
            checked("remove", cn_poller_remove(poller, pick_fd(&in)));
            break;
        case 6: { /* wait */
            unsigned c = byte(&in);
            int capacity = c < 240 ? 1 + (int)(c % 64) : (c < 248 ? 0 : -1);
            int timeout = byte(&in) < 250 ? 0 : -2;
            r = cn_poller_wait(poller, events, capacity, timeout);
            checked("wait", r);
            if (capacity <= 0 || timeout < -1) {
                if (r != -EINVAL) fail("wait with bad capacity/timeout did not return -EINVAL", r);
                break;
            }
            if (r > capacity) fail("wait returned more than capacity", r);
            for (int k = 0; k < r; k++)
                if (events[k].events & ~(uint32_t)(CN_READABLE | CN_WRITABLE | CN_HANGUP | CN_ERROR))
                    fail("unknown event bits", events[k].events);
            break;
        }
        case 7: case 8: { /* read / write: lengths within the buffer, fds hostile */
            fd = pick_fd(&in);
            int64_t len = (int64_t)(u32(&in) % (BUF + 1));
            if (op == 7) checked("read", cn_read(fd, buf, len));
            else checked("write", cn_write(fd, buf, len));
            break;
        }
        case 9: case 10: { /* readv / writev: cnt hostile, the iovecs valid */
            struct iovec iov[8];
            for (int k = 0; k < 8; k++) {
                size_t off = byte(&in) * 8u % BUF;
                iov[k].iov_base = buf + off;
                iov[k].iov_len = (size_t)byte(&in) * 4u % (BUF - off + 1);
            }
            fd = pick_fd(&in);
            unsigned c = byte(&in);
            int cnt = c < 250 ? (int)(c % 9) : (c < 253 ? -1 : 1 << 20);
            int64_t res = op == 9 ? cn_readv(fd, iov, cnt) : cn_writev(fd, iov, cnt);
            checked("readv/writev", res);
            if ((cnt < 0 || cnt > (int)cn_abi(CN_ABI_IOV_MAX)) && res >= 0) fail("bad iov count accepted", cnt);
            break;
        }
        case 11: /* shutdown, how hostile */
            checked("shutdown", cn_shutdown(pick_fd(&in), (int)(byte(&in) % 5) - 1));
            break;
        case 12: /* close one of ours, removing first or not */
            i = (int)(byte(&in) % SLOTS);
            close_slot(poller, i, byte(&in) & 1);
            break;
        case 13: { /* addresses into short buffers (host_len 0 included) */
            int len = (int)(byte(&in) % (sizeof host + 1));
            r = cn_sockname(pick_fd(&in), byte(&in) & 1, host, len);
            checked("sockname", r);
            if (r >= 0 && len > 0 && memchr(host, 0, (size_t)len) == NULL) fail("host not NUL-terminated", len);
            break;
        }
        case 14:
            checked("wake", cn_poller_wake(poller));
            break;
        case 15: { /* options with hostile values */
            fd = pick_fd(&in);
            int v = (int)u32(&in);
            switch (byte(&in) % 4) {
            case 0: checked("set_nodelay", cn_set_nodelay(fd, v)); break;
            case 1: checked("set_linger", cn_set_linger(fd, v & 1, (v >> 1) & 0xffff)); break;
            case 2: checked("set_buffer_sizes", cn_set_buffer_sizes(fd, v % 1000000, v / 7 % 1000000)); break;
            default: checked("set_blocking", cn_set_blocking(fd, 0)); break; /* never blocking: the fuzzer must not hang */
            }
            break;
        }
        case 16:
            checked("socket_error", cn_socket_error(pick_fd(&in)));
            break;
        default: { /* abi keys, hostile */
            int64_t v = cn_abi((int)byte(&in) - 8);
            if (v < -4095) fail("cn_abi", v);
            break;
        }
        }
    }
    for (int i = 0; i < SLOTS; i++) close_slot(poller, i, 1);
    cn_close(listener);
    checked("poller_close", cn_poller_close(poller));
    return 0;
}

#ifdef CN_FUZZ_STANDALONE
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv) {
    long runs = 1000;
    int replayed = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) rng ^= strtoull(argv[++i], NULL, 10) * 0x9E3779B97F4A7C15ull;
        else { /* replay a file */
            FILE *f = fopen(argv[i], "rb");
            if (!f) { perror(argv[i]); return 2; }
            static uint8_t data[1 << 16];
            size_t n = fread(data, 1, sizeof data, f);
            fclose(f);
            LLVMFuzzerTestOneInput(data, n);
            replayed++;
        }
    }
    if (replayed) {
        printf("fuzz_native: %d input(s) replayed, no failure\n", replayed);
        return 0;
    }
    static uint8_t data[2048];
    for (long r = 0; r < runs; r++) {
        size_t n = next() % sizeof data;
        for (size_t k = 0; k < n; k++) data[k] = (uint8_t)next();
        LLVMFuzzerTestOneInput(data, n);
    }
    printf("fuzz_native (%s): %ld random programs, no failure\n", cn_backend_name(), runs);
    return 0;
}
#endif
