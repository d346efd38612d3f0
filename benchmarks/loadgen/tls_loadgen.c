/*
 * tls_loadgen: the TLS counterpart of loadgen, on OpenSSL: single-threaded, non-blocking,
 * edge-triggered epoll, so the client costs less per message than any Java client would and the
 * server is what is measured.
 *
 *   tls_loadgen --host 127.0.0.1 --port P --connections N --size BYTES --warmup S --duration S
 *               [--handshakes]
 *
 * Echo mode: every connection does one TLS handshake, then ping-pongs messages of BYTES bytes
 * (each echoed byte is compared with what was sent). Handshake mode (--handshakes): every
 * connection slot loops connect, full handshake (no session resumption: the session cache and
 * tickets are off), one 64-byte echo, close_notify, close; a "message" is one such cycle, so
 * msgs_per_sec is new handshakes per second.
 *
 * The server's certificate is not verified (the server pays the same either way). Markers
 * "# measure-start" / "# measure-end" on stderr and one JSON line on stdout, with the keys of
 * loadgen's, so benchmarks/run treats both alike. Always ends by itself (connect deadline, then
 * warm-up + duration).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define MAX_SAMPLES (4u * 1024u * 1024u)

enum state { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_RUNNING, S_DONE };

struct conn {
    int fd;
    SSL *ssl;
    enum state state;
    int sent, received;     /* of the current message */
    uint64_t started_ns;    /* message queued, or (handshake mode) connect started */
    int ever_connected;
};

static struct {
    const char *host;
    int port, connections, size, handshakes;
    double warmup, duration;
} opt = {"127.0.0.1", 0, 64, 64, 0, 1.0, 5.0};

static SSL_CTX *ctx;
static int ep;
static struct sockaddr_in addr;
static struct conn *conns;
static unsigned char *message, *readbuf;
static int measuring;
static uint64_t measured, errors, mismatches, connect_failures, unexpected_closes, connected;
static uint32_t *samples;
static uint64_t nsamples;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void record(uint64_t ns) {
    if (!measuring) return;
    measured++;
    if (nsamples < MAX_SAMPLES) samples[nsamples++] = ns / 100 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 100);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_us(double p) {
    if (nsamples == 0) return 0;
    uint64_t i = (uint64_t)((p / 100.0) * (double)(nsamples - 1));
    return samples[i] / 10.0;
}

static void start_connect(struct conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        perror("tls_loadgen: socket");
        exit(1);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->started_ns = now_ns();
    c->sent = c->received = 0;
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        connect_failures++;
        close(c->fd);
        c->fd = -1;
        c->state = S_IDLE;
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->state = S_CONNECTING;
}

static void finish(struct conn *c, int clean) {
    if (c->ssl) {
        if (clean) SSL_shutdown(c->ssl); /* close_notify: the server sees a clean end */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = S_IDLE;
}

static void fail(struct conn *c) {
    errors++;
    ERR_clear_error();
    finish(c, 0);
    c->state = S_DONE;
}

/* Drives one connection as far as it goes without waiting. */
static void drive(struct conn *c) {
    for (;;) {
        switch (c->state) {
        case S_CONNECTING: {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == EINPROGRESS || err == EALREADY) return;
            if (err) {
                connect_failures++;
                finish(c, 0);
                c->state = S_DONE;
                return;
            }
            if (!c->ever_connected) {
                c->ever_connected = 1;
                connected++; /* slots that got a connection: loadgen's meaning */
            }
            c->ssl = SSL_new(ctx);
            SSL_set_fd(c->ssl, c->fd);
            SSL_set_connect_state(c->ssl);
            c->state = S_HANDSHAKE;
            break;
        }
        case S_HANDSHAKE: {
            int r = SSL_do_handshake(c->ssl);
            if (r == 1) {
                c->state = S_RUNNING;
                if (!opt.handshakes) c->started_ns = now_ns();
                break;
            }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            fail(c);
            return;
        }
        case S_RUNNING: {
            if (c->sent < opt.size) {
                int r = SSL_write(c->ssl, message + c->sent, opt.size - c->sent);
                if (r <= 0) {
                    int e = SSL_get_error(c->ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                    fail(c);
                    return;
                }
                c->sent += r;
                continue;
            }
            int r = SSL_read(c->ssl, readbuf, opt.size - c->received);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
                if (e == SSL_ERROR_ZERO_RETURN) unexpected_closes++; else errors++;
                ERR_clear_error();
                finish(c, 0);
                c->state = S_DONE;
                return;
            }
            if (memcmp(readbuf, message + c->received, (size_t)r) != 0) mismatches++;
            c->received += r;
            if (c->received < opt.size) continue;
            uint64_t t = now_ns();
            record(t - c->started_ns);
            if (opt.handshakes) {
                finish(c, 1);
                start_connect(c);
                if (c->state == S_IDLE) { c->state = S_DONE; return; }
                continue;
            }
            c->sent = c->received = 0;
            c->started_ns = t;
            continue;
        }
        default:
            return;
        }
    }
}

static void loop_until(uint64_t end_ns) {
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end_ns) return;
        int timeout = (int)((end_ns - now) / 1000000u) + 1;
        int n = epoll_wait(ep, events, MAX_EVENTS, timeout > 100 ? 100 : timeout);
        for (int i = 0; i < n; i++) drive(events[i].data.ptr);
    }
}

static void usage(void) {
    fprintf(stderr, "usage: tls_loadgen --host IPv4 --port P --connections N --size BYTES --warmup S --duration S [--handshakes]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static struct option longs[] = {
        {"host", 1, 0, 'h'}, {"port", 1, 0, 'p'}, {"connections", 1, 0, 'c'}, {"size", 1, 0, 's'},
        {"warmup", 1, 0, 'w'}, {"duration", 1, 0, 'd'}, {"handshakes", 0, 0, 'H'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'c': opt.connections = atoi(optarg); break;
        case 's': opt.size = atoi(optarg); break;
        case 'w': opt.warmup = atof(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'H': opt.handshakes = 1; break;
        default: usage();
        }
    }
    if (opt.port <= 0 || opt.connections <= 0 || opt.size <= 0 || opt.size > (1 << 20)) usage();
    if (opt.handshakes) opt.size = 64;
    signal(SIGPIPE, SIG_IGN);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1) usage();

    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); /* every handshake a full one */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    message = malloc((size_t)opt.size);
    readbuf = malloc((size_t)opt.size);
    samples = malloc(MAX_SAMPLES * sizeof *samples);
    for (int i = 0; i < opt.size; i++) message[i] = (unsigned char)('a' + (i * 7 + i / 26) % 26);
    ep = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)opt.connections, sizeof *conns);

    uint64_t t0 = now_ns();
    for (int i = 0; i < opt.connections; i++) {
        conns[i].fd = -1;
        start_connect(&conns[i]);
    }
    uint64_t warm_end = t0 + (uint64_t)(opt.warmup * 1e9);
    loop_until(warm_end);
    fprintf(stderr, "# measure-start\n");
    fflush(stderr);
    measuring = 1;
    uint64_t m0 = now_ns();
    loop_until(m0 + (uint64_t)(opt.duration * 1e9));
    uint64_t m1 = now_ns();
    measuring = 0;
    fprintf(stderr, "# measure-end\n");
    fflush(stderr);

    uint64_t alive = 0;
    for (int i = 0; i < opt.connections; i++) alive += conns[i].state != S_DONE;
    qsort(samples, nsamples, sizeof *samples, cmp_u32);
    double secs = (double)(m1 - m0) / 1e9, rate = secs > 0 ? (double)measured / secs : 0, sum = 0;
    for (uint64_t i = 0; i < nsamples; i++) sum += samples[i] / 10.0;
    printf("{\"connections\":%d,\"connected\":%llu,\"alive_at_end\":%llu,\"size\":%d,\"pipeline\":1,"
           "\"handshake\":%s,\"tls\":true,\"connect_s\":0,\"duration_s\":%.3f,\"messages\":%llu,"
           "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
           "\"max_us\":%.2f,\"mean_us\":%.2f,\"errors\":%llu,\"mismatches\":%llu,\"connect_failures\":%llu,"
           "\"unexpected_closes\":%llu}\n",
           opt.connections, (unsigned long long)connected, (unsigned long long)alive, opt.size,
           opt.handshakes ? "\"tls-full\"" : "false", secs, (unsigned long long)measured, rate, rate * opt.size / 1e6,
           percentile_us(50), percentile_us(99), percentile_us(99.9), nsamples ? samples[nsamples - 1] / 10.0 : 0,
           nsamples ? sum / (double)nsamples : 0, (unsigned long long)errors, (unsigned long long)mismatches,
           (unsigned long long)connect_failures, (unsigned long long)unexpected_closes);
    return 0;
}
