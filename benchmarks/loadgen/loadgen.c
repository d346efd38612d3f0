/*
 * loadgen: a single-threaded, non-blocking, edge-triggered epoll load generator for the
 * echo / handshake protocols spoken by every peer server in benchmarks/peers.
 *
 *   loadgen --host 127.0.0.1 --port P --connections N --size BYTES --pipeline K
 *           [--handshake [--eager]] --warmup S --duration S [--max-messages M]
 *
 * Every connection keeps K messages of BYTES bytes in flight (K = 1 is ping-pong). The bytes of
 * connection i at stream offset o are PATTERN[(base_i + o) mod P]: a pseudo-random table whose
 * length P is prime, so the content never lines up with message boundaries, and a per-connection
 * base so bytes delivered to the wrong connection or out of order are detected. Every echoed byte
 * is compared (memcmp against the table).
 *
 * Latency of message j = time its echo is complete - time it was queued for sending (a write that
 * the kernel only partly accepts therefore counts against the server, which did not drain it).
 * Latencies go to a log-linear histogram (HdrHistogram-style: 64..127 sub-buckets per power of
 * two, so < 1.6% relative error).
 *
 * Phases: connect (at most 256 connects in progress at a time), then the handshake if asked
 * (send "hello\n", wait for "hello\n"), then warm-up, then the measured window. On stderr the
 * markers "# measure-start" and "# measure-end" are printed (flushed) at the window's edges so a
 * runner can sample the server's CPU time and syscall counters over exactly that window.
 * Result: one JSON line on stdout. The process always ends by itself: the connect and handshake
 * phases have their own deadlines, then warm-up + duration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_LEN 65521u          /* prime: no common period with any message size */
#define READ_BUF (256u * 1024u)
#define CONNECT_WINDOW 256          /* connects in progress at once */
#define MAX_EVENTS 512
#define HELLO "hello\n"
#define HELLO_LEN 6u

/* ---------------------------------------------------------------- histogram */
/* Values in nanoseconds. Bucket b covers [2^(b+6), 2^(b+7)) with 64 sub-buckets of width 2^b;
 * bucket 0 covers [0,128) exactly. index = b == 0 ? v : (b + 1) * 64 + (v >> b) - 64. */
#define HIST_SUB 64
#define HIST_LEN (40 * HIST_SUB)
static uint64_t hist[HIST_LEN];
static uint64_t hist_count, hist_max_ns;
static double hist_sum_ns;

static inline unsigned hist_index(uint64_t v) {
    if (v < 128) return (unsigned)v;
    unsigned b = (unsigned)(63 - __builtin_clzll(v)) - 6;
    unsigned idx = (b + 1) * HIST_SUB + (unsigned)(v >> b) - HIST_SUB;
    return idx < HIST_LEN ? idx : HIST_LEN - 1;
}

/* Middle of the value range that index idx covers. */
static double hist_value(unsigned idx) {
    if (idx < 128) return idx;
    unsigned b = idx / HIST_SUB - 1;
    uint64_t sub = idx - b * HIST_SUB;
    return (double)(sub << b) + (double)(1ull << b) / 2.0;
}

static inline void hist_record(uint64_t ns) {
    hist[hist_index(ns)]++;
    hist_count++;
    hist_sum_ns += (double)ns;
    if (ns > hist_max_ns) hist_max_ns = ns;
}

static double hist_percentile_us(double pct) {
    if (hist_count == 0) return 0;
    uint64_t rank = (uint64_t)(pct / 100.0 * (double)hist_count + 0.5);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_LEN; i++) {
        seen += hist[i];
        if (seen >= rank) return hist_value(i) / 1000.0;
    }
    return (double)hist_max_ns / 1000.0;
}

/* ---------------------------------------------------------------- connections */
enum conn_state { C_UNUSED, C_CONNECTING, C_HELLO_WAIT, C_READY, C_RUNNING, C_DEAD };

struct conn {
    int fd;
    enum conn_state state;
    uint32_t base;             /* pattern offset of this connection's stream */
    uint32_t hello_out;        /* bytes of "hello\n" still to send */
    uint32_t hello_in;         /* bytes of "hello\n" received so far */
    uint64_t queued;           /* stream bytes we want sent (whole messages) */
    uint64_t sent;             /* stream bytes the kernel accepted */
    uint64_t received;         /* stream bytes echoed back and verified */
    uint64_t *sent_at;         /* ring of pipeline queue timestamps, indexed by message number % K */
};

static struct {
    const char *host;
    int port, connections, size, pipeline, handshake, eager;
    double warmup, duration, connect_timeout;
    uint64_t max_messages;
} opt = {"127.0.0.1", 0, 1, 64, 1, 0, 0, 2.0, 10.0, 60.0, 0};

static unsigned char pattern[2 * PATTERN_LEN];   /* doubled so any window of <= P bytes is contiguous */
static unsigned char readbuf[READ_BUF];
static struct conn *conns;
static int epfd;
static int measuring, stopping;
static uint64_t measured_msgs;
static uint64_t errors, mismatches, connect_failures, unexpected_closes, connected;
static int pending_connects, next_to_connect, hello_waiting;

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void conn_kill(struct conn *c, int unexpected) {
    if (c->state == C_DEAD || c->state == C_UNUSED) return;
    if (c->state == C_HELLO_WAIT) hello_waiting--;
    if (unexpected) unexpected_closes++;
    close(c->fd);   /* close(2) also removes the fd from the epoll set */
    c->fd = -1;
    c->state = C_DEAD;
}

/* Queue `count` new messages at time t. */
static inline void conn_queue(struct conn *c, uint64_t count, uint64_t t) {
    uint64_t first = c->queued / (uint64_t)opt.size;
    for (uint64_t m = 0; m < count; m++) c->sent_at[(first + m) % (uint64_t)opt.pipeline] = t;
    c->queued += count * (uint64_t)opt.size;
}

/* Write as much as the kernel takes. Returns -1 if the connection died. */
static int conn_flush(struct conn *c) {
    while (c->hello_out > 0 || c->sent < c->queued) {
        uint64_t want = c->queued - c->sent;
        if (want > PATTERN_LEN) want = PATTERN_LEN;
        const unsigned char *p = pattern + (c->base + c->sent) % PATTERN_LEN;
        ssize_t n;
        uint32_t hello_part = c->hello_out;
        if (hello_part > 0) {
            /* Greeting and (in --eager mode) the first messages in one writev: one segment, so the
             * server sees the greeting and echo bytes in the same read. */
            struct iovec iov[2] = {
                {(void *)(HELLO + HELLO_LEN - hello_part), hello_part},
                {(void *)p, (size_t)want},
            };
            n = writev(c->fd, iov, want > 0 ? 2 : 1);
        } else {
            n = write(c->fd, p, (size_t)want);
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;     /* EPOLLOUT (edge) tells us when there is room */
            errors++;
            conn_kill(c, 0);
            return -1;
        }
        uint64_t done = (uint64_t)n;
        if (hello_part > 0) {
            uint64_t h = done < hello_part ? done : hello_part;
            c->hello_out -= (uint32_t)h;
            done -= h;
        }
        c->sent += done;
    }
    return 0;
}

/* Verify and account for `len` received bytes. Returns -1 if the connection died. */
static int conn_consume(struct conn *c, const unsigned char *buf, size_t len, uint64_t t) {
    if (opt.handshake && c->hello_in < HELLO_LEN) {
        while (len > 0 && c->hello_in < HELLO_LEN) {
            if (*buf != (unsigned char)HELLO[c->hello_in]) {
                mismatches++;
                conn_kill(c, 0);
                return -1;
            }
            c->hello_in++, buf++, len--;
        }
        if (c->hello_in == HELLO_LEN && c->state == C_HELLO_WAIT) {
            c->state = C_READY;
            hello_waiting--;
        }
    }
    if (len == 0) return 0;
    if (c->received + len > c->sent) {        /* more echoed than we ever sent */
        mismatches++;
        conn_kill(c, 0);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off;
        if (chunk > PATTERN_LEN) chunk = PATTERN_LEN;
        const unsigned char *expect = pattern + (c->base + c->received + off) % PATTERN_LEN;
        if (memcmp(buf + off, expect, chunk) != 0) {
            mismatches++;
            conn_kill(c, 0);
            return -1;
        }
        off += chunk;
    }
    uint64_t size = (uint64_t)opt.size;
    uint64_t before = c->received / size;
    c->received += len;
    uint64_t after = c->received / size;
    uint64_t done = after - before;
    if (done == 0) return 0;
    if (measuring) {
        for (uint64_t m = before; m < after; m++) hist_record(t - c->sent_at[m % (uint64_t)opt.pipeline]);
        measured_msgs += done;
    }
    if (!stopping && c->state == C_RUNNING) {
        conn_queue(c, done, t);
        return conn_flush(c);
    }
    return 0;
}

static void conn_readable(struct conn *c) {
    for (;;) {
        ssize_t n = read(c->fd, readbuf, READ_BUF);
        if (n > 0) {
            if (conn_consume(c, readbuf, (size_t)n, now_ns()) < 0) return;
            /* A short read emptied the socket: with EPOLLET the next arrival raises a new edge,
             * so the read that would only return EAGAIN is skipped. */
            if ((size_t)n < READ_BUF) return;
            continue;
        }
        if (n == 0) { conn_kill(c, 1); return; }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;
        errors++;
        conn_kill(c, 0);
        return;
    }
}

static struct sockaddr_in server_addr;

static void start_connect(int i) {
    struct conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { connect_failures++; c->state = C_DEAD; return; }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
    int r = connect(c->fd, (struct sockaddr *)&server_addr, sizeof server_addr);
    if (r < 0 && errno != EINPROGRESS) {
        connect_failures++;
        close(c->fd);
        c->fd = -1;
        c->state = C_DEAD;
        return;
    }
    c->state = C_CONNECTING;
    pending_connects++;
}

static void connect_done(struct conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    pending_connects--;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
        connect_failures++;
        close(c->fd);
        c->fd = -1;
        c->state = C_DEAD;
        return;
    }
    connected++;
    if (opt.handshake && !opt.eager) {
        c->state = C_HELLO_WAIT;
        hello_waiting++;
        c->hello_out = HELLO_LEN;
        conn_flush(c);
    } else {
        c->state = C_READY;
    }
}

static void fill_connect_window(void) {
    while (pending_connects < CONNECT_WINDOW && next_to_connect < opt.connections) start_connect(next_to_connect++);
}

static void handle_event(struct epoll_event *ev) {
    struct conn *c = &conns[ev->data.u32];
    if (c->state == C_CONNECTING) {
        if (!(ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        connect_done(c);
        fill_connect_window();
        if (c->state == C_DEAD) return;
    }
    if (c->state == C_DEAD || c->state == C_UNUSED) return;
    if (ev->events & EPOLLOUT) {
        if (conn_flush(c) < 0) return;
    }
    if (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_readable(c);
}

/* Runs the event loop until `deadline_ns` or until done() says so. */
static void loop_until(uint64_t deadline_ns, int (*done)(void)) {
    static struct epoll_event events[MAX_EVENTS];
    for (;;) {
        if (done && done()) return;
        uint64_t t = now_ns();
        if (t >= deadline_ns) return;
        uint64_t left_ms = (deadline_ns - t + 999999) / 1000000;
        if (left_ms > 100) left_ms = 100;
        int n = epoll_wait(epfd, events, MAX_EVENTS, (int)left_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) handle_event(&events[i]);
    }
}

static int connects_finished(void) { return pending_connects == 0 && next_to_connect >= opt.connections; }
static int hellos_finished(void) { return hello_waiting == 0; }
static int max_reached(void) { return opt.max_messages && measured_msgs >= opt.max_messages; }

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen --port P [--host 127.0.0.1] [--connections N] [--size BYTES] [--pipeline K]\n"
            "               [--handshake [--eager]] [--warmup S] [--duration S] [--max-messages M]\n"
            "               [--connect-timeout S]\n");
    exit(2);
}

static void raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"host", required_argument, 0, 'h'},       {"port", required_argument, 0, 'p'},
        {"connections", required_argument, 0, 'c'}, {"size", required_argument, 0, 's'},
        {"pipeline", required_argument, 0, 'k'},    {"handshake", no_argument, 0, 'H'},
        {"eager", no_argument, 0, 'E'},             {"warmup", required_argument, 0, 'w'},
        {"duration", required_argument, 0, 'd'},    {"max-messages", required_argument, 0, 'm'},
        {"connect-timeout", required_argument, 0, 't'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'c': opt.connections = atoi(optarg); break;
        case 's': opt.size = atoi(optarg); break;
        case 'k': opt.pipeline = atoi(optarg); break;
        case 'H': opt.handshake = 1; break;
        case 'E': opt.eager = 1; break;
        case 'w': opt.warmup = atof(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'm': opt.max_messages = strtoull(optarg, NULL, 10); break;
        case 't': opt.connect_timeout = atof(optarg); break;
        default: usage();
        }
    }
    if (opt.port <= 0 || opt.port > 65535 || opt.connections < 1 || opt.size < 1 || opt.pipeline < 1 ||
        opt.warmup < 0 || opt.duration <= 0 || (uint64_t)opt.size * (uint64_t)opt.pipeline > (1u << 30))
        usage();
    if (inet_pton(AF_INET, opt.host, &server_addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: --host must be an IPv4 address\n");
        return 2;
    }
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)opt.port);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    uint64_t x = 0x9E3779B97F4A7C15ull;      /* xorshift64: deterministic pseudo-random pattern */
    for (unsigned i = 0; i < PATTERN_LEN; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        pattern[i] = pattern[i + PATTERN_LEN] = (unsigned char)(x >> 32);
    }
    conns = calloc((size_t)opt.connections, sizeof *conns);
    uint64_t *rings = calloc((size_t)opt.connections * (size_t)opt.pipeline, sizeof(uint64_t));
    if (!conns || !rings) die("calloc");
    for (int i = 0; i < opt.connections; i++) {
        conns[i].fd = -1;
        conns[i].base = (uint32_t)(((uint64_t)i * 7919u) % PATTERN_LEN);
        conns[i].sent_at = rings + (size_t)i * (size_t)opt.pipeline;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");

    uint64_t t_begin = now_ns();
    fill_connect_window();
    loop_until(t_begin + (uint64_t)(opt.connect_timeout * 1e9), connects_finished);
    for (int i = 0; i < opt.connections; i++) {  /* connects that never completed count as failures */
        if (conns[i].state == C_CONNECTING || conns[i].state == C_UNUSED) {
            connect_failures++;
            if (conns[i].fd >= 0) close(conns[i].fd);
            conns[i].fd = -1;
            conns[i].state = C_DEAD;
        }
    }
    pending_connects = 0;
    if (opt.handshake && !opt.eager) loop_until(now_ns() + 10000000000ull, hellos_finished);
    for (int i = 0; i < opt.connections; i++)
        if (conns[i].state == C_HELLO_WAIT) { errors++; conn_kill(&conns[i], 0); }
    double connect_s = (double)(now_ns() - t_begin) / 1e9;

    /* Go: every ready connection queues its K messages (and, with --eager, the greeting in front). */
    uint64_t t0 = now_ns();
    for (int i = 0; i < opt.connections; i++) {
        struct conn *c = &conns[i];
        if (c->state != C_READY) continue;
        c->state = C_RUNNING;
        if (opt.handshake && opt.eager) c->hello_out = HELLO_LEN;
        conn_queue(c, (uint64_t)opt.pipeline, t0);
        conn_flush(c);
    }
    uint64_t warm_end = t0 + (uint64_t)(opt.warmup * 1e9);
    loop_until(warm_end, NULL);
    fprintf(stderr, "# measure-start\n");
    fflush(stderr);
    measuring = 1;
    uint64_t m0 = now_ns();
    loop_until(m0 + (uint64_t)(opt.duration * 1e9), max_reached);
    uint64_t m1 = now_ns();
    measuring = 0;
    stopping = 1;
    fprintf(stderr, "# measure-end\n");
    fflush(stderr);

    uint64_t alive = 0;
    for (int i = 0; i < opt.connections; i++) alive += conns[i].state == C_RUNNING;
    double secs = (double)(m1 - m0) / 1e9;
    double rate = secs > 0 ? (double)measured_msgs / secs : 0;
    printf("{\"connections\":%d,\"connected\":%llu,\"alive_at_end\":%llu,\"size\":%d,\"pipeline\":%d,"
           "\"handshake\":%s,\"connect_s\":%.3f,\"duration_s\":%.3f,\"messages\":%llu,"
           "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
           "\"max_us\":%.2f,\"mean_us\":%.2f,\"errors\":%llu,\"mismatches\":%llu,\"connect_failures\":%llu,"
           "\"unexpected_closes\":%llu}\n",
           opt.connections, (unsigned long long)connected, (unsigned long long)alive, opt.size, opt.pipeline,
           opt.handshake ? (opt.eager ? "\"eager\"" : "true") : "false", connect_s, secs,
           (unsigned long long)measured_msgs, rate, rate * opt.size / 1e6, hist_percentile_us(50),
           hist_percentile_us(99), hist_percentile_us(99.9), (double)hist_max_ns / 1000.0,
           hist_count ? hist_sum_ns / (double)hist_count / 1000.0 : 0.0, (unsigned long long)errors,
           (unsigned long long)mismatches, (unsigned long long)connect_failures,
           (unsigned long long)unexpected_closes);
    fflush(stdout);
    return 0;
}
