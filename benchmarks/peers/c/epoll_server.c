/*
 * The physical-limit reference: a single-threaded, edge-triggered epoll echo / handshake server.
 *
 *   epoll_server --protocol echo|handshake [--host 127.0.0.1] [--port 0]
 *
 * Prints "listening on HOST:PORT" (flushed) when ready; exits 0 on SIGTERM / SIGINT.
 *
 * Per message it makes exactly the system calls an echo needs and no others:
 *  - each connection is registered once with EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET and never
 *    modified (no epoll_ctl churn);
 *  - it reads until a short read and stops there: with EPOLLET the next arrival raises a new
 *    edge (epoll(7), "edge-triggered"), so the read that would only return EAGAIN is not issued;
 *  - the echo is written straight from the read buffer; only when the kernel takes part of it is
 *    the rest copied to a per-connection pending buffer, reading stops for that connection
 *    (back-pressure) and the EPOLLOUT edge that follows resumes it.
 * Over many messages that is read + write + a share of epoll_wait: ~2.01 syscalls per message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUF (64u * 1024u)
#define GREETING_MAX 1024u
#define MAX_EVENTS 256
#define LISTEN_TAG UINT64_MAX
#define SIGNAL_TAG (UINT64_MAX - 1)

struct conn {
    int fd;
    int greeting_done;        /* echo protocol: always 1 */
    int read_suspended;       /* stopped reading because output is pending */
    char *greeting;           /* handshake: bytes of the first line so far (GREETING_MAX) */
    uint32_t greeting_len;
    char *pending;            /* output the kernel has not taken yet */
    size_t pending_off, pending_len, pending_cap;
};

static int handshake;
static int epfd;
static struct conn **conns;   /* indexed by fd */
static size_t conns_cap;
static unsigned char readbuf[READ_BUF];

static void die(const char *what) {
    fprintf(stderr, "epoll_server: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void conn_close(struct conn *c) {
    close(c->fd);             /* also drops it from the epoll set */
    conns[c->fd] = NULL;
    free(c->greeting);
    free(c->pending);
    free(c);
}

/* Writes buf[0..len) after any pending output; keeps what the kernel does not take.
 * Returns -1 on a fatal error. */
static int conn_send(struct conn *c, const void *buf, size_t len) {
    size_t done = 0;
    if (c->pending_len == 0) {
        while (done < len) {
            ssize_t n = write(c->fd, (const char *)buf + done, len - done);
            if (n >= 0) { done += (size_t)n; continue; }
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            return -1;
        }
        if (done == len) return 0;
    }
    size_t rest = len - done;
    if (c->pending_off > 0 && c->pending_len > 0) {
        memmove(c->pending, c->pending + c->pending_off, c->pending_len);
    }
    c->pending_off = 0;
    if (c->pending_len + rest > c->pending_cap) {
        size_t cap = c->pending_cap ? c->pending_cap : 4096;
        while (cap < c->pending_len + rest) cap *= 2;
        char *p = realloc(c->pending, cap);
        if (!p) return -1;
        c->pending = p;
        c->pending_cap = cap;
    }
    memcpy(c->pending + c->pending_len, (const char *)buf + done, rest);
    c->pending_len += rest;
    return 0;
}

/* Flushes pending output. Returns -1 on a fatal error; leaves pending_len > 0 if the socket is full. */
static int conn_flush(struct conn *c) {
    while (c->pending_len > 0) {
        ssize_t n = write(c->fd, c->pending + c->pending_off, c->pending_len);
        if (n >= 0) { c->pending_off += (size_t)n; c->pending_len -= (size_t)n; continue; }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return 0;
        return -1;
    }
    c->pending_off = 0;
    return 0;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

/* Handshake: collects the first line; "hello" (surrounding whitespace and a trailing \r ignored)
 * is answered with "hello\n" followed by the echo of whatever came after the line.
 * Returns -1 to close the connection. */
static int conn_greeting(struct conn *c, const unsigned char *buf, size_t len) {
    size_t i = 0;
    while (i < len && buf[i] != '\n') {
        if (c->greeting_len == GREETING_MAX) return -1;
        c->greeting[c->greeting_len++] = (char)buf[i++];
    }
    if (i == len) return c->greeting_len == GREETING_MAX ? -1 : 0;   /* line not complete yet */
    if (c->greeting_len == GREETING_MAX) return -1;                   /* line + \n over 1 KiB */
    i++;                                                              /* the \n */
    char *s = c->greeting, *e = c->greeting + c->greeting_len;
    while (s < e && is_space(*s)) s++;
    while (e > s && is_space(e[-1])) e--;
    if (e - s != 5 || memcmp(s, "hello", 5) != 0) return -1;
    c->greeting_done = 1;
    free(c->greeting);
    c->greeting = NULL;
    if (conn_send(c, "hello\n", 6) < 0) return -1;
    return i < len ? conn_send(c, buf + i, len - i) : 0;
}

static void conn_event(struct conn *c, uint32_t events) {
    if (c->pending_len > 0) {
        if (conn_flush(c) < 0) { conn_close(c); return; }
        if (c->pending_len > 0) return;          /* still full: wait for the next EPOLLOUT edge */
    }
    if (!c->read_suspended && !(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    c->read_suspended = 0;
    for (;;) {
        ssize_t n = read(c->fd, readbuf, READ_BUF);
        if (n > 0) {
            int r = c->greeting_done ? conn_send(c, readbuf, (size_t)n) : conn_greeting(c, readbuf, (size_t)n);
            if (r < 0) { conn_close(c); return; }
            if (c->pending_len > 0) { c->read_suspended = 1; return; }   /* back-pressure */
            if ((size_t)n < READ_BUF) return;    /* short read: the socket is empty, wait for the edge */
            continue;
        }
        if (n == 0) { conn_close(c); return; }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) conn_close(c);
        return;
    }
}

static void accept_all(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN) return;
            if (errno == EMFILE || errno == ENFILE) { fprintf(stderr, "epoll_server: accept4: %s\n", strerror(errno)); return; }
            die("accept4");
        }
        if ((size_t)fd >= conns_cap) { close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) { close(fd); continue; }
        c->fd = fd;
        c->greeting_done = !handshake;
        if (handshake && !(c->greeting = malloc(GREETING_MAX))) { free(c); close(fd); continue; }
        conns[fd] = c;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = (uint64_t)fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) { conn_close(c); continue; }
    }
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *protocol = "echo";
    int port = 0;
    static const struct option longopts[] = {{"protocol", required_argument, 0, 'P'},
                                              {"host", required_argument, 0, 'h'},
                                              {"port", required_argument, 0, 'p'},
                                              {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'P': protocol = optarg; break;
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: epoll_server --protocol echo|handshake [--host H] [--port P]\n");
            return 2;
        }
    }
    if (strcmp(protocol, "echo") == 0) handshake = 0;
    else if (strcmp(protocol, "handshake") == 0) handshake = 1;
    else { fprintf(stderr, "epoll_server: unknown protocol %s\n", protocol); return 2; }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    conns_cap = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? (1u << 20) : (size_t)rl.rlim_cur;
    conns = calloc(conns_cap, sizeof *conns);
    if (!conns) die("calloc");

    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) die("signalfd");

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "epoll_server: bad host %s\n", host); return 2; }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    socklen_t alen = sizeof addr;
    if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname");

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) die("epoll_ctl listen");
    struct epoll_event sev = {.events = EPOLLIN, .data.u64 = SIGNAL_TAG};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &sev) < 0) die("epoll_ctl signalfd");

    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    printf("listening on %s:%d\n", ip, ntohs(addr.sin_port));
    fflush(stdout);

    static struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            uint64_t tag = events[i].data.u64;
            if (tag == LISTEN_TAG) accept_all(lfd);
            else if (tag == SIGNAL_TAG) return 0;
            else if (conns[tag]) conn_event(conns[tag], events[i].events);
        }
    }
}
