/*
 * tunem: a lossy, delayed, reordering link between two network namespaces, in user space.
 *
 * For kernels without sch_netem (CONFIG_NET_SCH_NETEM unset, as on some CI VMs): creates a TUN
 * device in each namespace and forwards every IP packet from one to the other, after
 *   - dropping it with probability --loss,
 *   - holding it for --delay-ms +/- --jitter-ms (uniform),
 *   - or, with probability --reorder, sending it at once (ahead of the queued ones: the
 *     netem "reorder" model).
 * Jitter larger than the packet spacing reorders too. The two namespaces then route a /30 over
 * the TUN pair (faults/lossy-link.sh sets the addresses); TCP on both ends sees a real bad link.
 *
 *   tunem --ns-a NAME --dev-a DEV --ns-b NAME --dev-b DEV [--delay-ms 20] [--jitter-ms 10]
 *         [--loss 0.01] [--reorder 0.05] [--seed 1] [--ready-file PATH]
 *
 * Runs until SIGTERM/SIGINT, then prints its counters to stderr. See tun(4)
 * (Documentation/networking/tuntap.rst) for IFF_TUN / IFF_NO_PI and setns(2) for joining a
 * namespace: a TUN device is created in the network namespace of the process that opens it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 65536
#define QUEUE_LIMIT 4096 /* packets held at once; beyond it, tail drop (like a qdisc limit) */

struct packet {
    uint64_t due_ns;
    uint64_t seq; /* ties keep arrival order */
    int to_fd;
    size_t len;
    unsigned char *data;
};

static struct packet *heap[QUEUE_LIMIT];
static size_t heap_len;
static volatile sig_atomic_t stop;
static uint64_t rng_state;
static unsigned long long forwarded, dropped_loss, dropped_full, reordered, write_errors;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a seeded, reproducible stream; no need for crypto quality here */
static double rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) / (double)(1ull << 53);
}

static int before(const struct packet *a, const struct packet *b) {
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void heap_push(struct packet *p) {
    size_t i = heap_len++;
    heap[i] = p;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(heap[i], heap[parent])) break;
        struct packet *t = heap[i]; heap[i] = heap[parent]; heap[parent] = t;
        i = parent;
    }
}

static struct packet *heap_pop(void) {
    struct packet *top = heap[0];
    heap[0] = heap[--heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_len && before(heap[l], heap[m])) m = l;
        if (r < heap_len && before(heap[r], heap[m])) m = r;
        if (m == i) break;
        struct packet *t = heap[i]; heap[i] = heap[m]; heap[m] = t;
        i = m;
    }
    return top;
}

/* Opens a TUN device named dev inside network namespace ns (a name under /var/run/netns). */
static int open_tun_in(const char *ns, const char *dev) {
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) { perror(path); return -1; }
    if (setns(nsfd, CLONE_NEWNET) < 0) { perror("setns"); close(nsfd); return -1; }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) { perror("/dev/net/tun"); return -1; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); close(fd); return -1; }
    return fd;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static void usage(void) {
    fprintf(stderr, "usage: tunem --ns-a NAME --dev-a DEV --ns-b NAME --dev-b DEV [--delay-ms 20] "
                    "[--jitter-ms 10] [--loss 0.01] [--reorder 0.05] [--seed 1] [--ready-file PATH]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *ns_a = NULL, *dev_a = NULL, *ns_b = NULL, *dev_b = NULL, *ready = NULL;
    double delay_ms = 20, jitter_ms = 10, loss = 0.01, reorder = 0.05;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--ns-a")) ns_a = v;
        else if (!strcmp(k, "--dev-a")) dev_a = v;
        else if (!strcmp(k, "--ns-b")) ns_b = v;
        else if (!strcmp(k, "--dev-b")) dev_b = v;
        else if (!strcmp(k, "--delay-ms")) delay_ms = atof(v);
        else if (!strcmp(k, "--jitter-ms")) jitter_ms = atof(v);
        else if (!strcmp(k, "--loss")) loss = atof(v);
        else if (!strcmp(k, "--reorder")) reorder = atof(v);
        else if (!strcmp(k, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--ready-file")) ready = v;
        else usage();
    }
    if (!ns_a || !dev_a || !ns_b || !dev_b || delay_ms < 0 || jitter_ms < 0 || jitter_ms > delay_ms) usage();
    rng_state = seed ? seed * 0x9E3779B97F4A7C15ull : 0x9E3779B97F4A7C15ull;

    int fd_a = open_tun_in(ns_a, dev_a);
    int fd_b = fd_a < 0 ? -1 : open_tun_in(ns_b, dev_b);
    if (fd_a < 0 || fd_b < 0) return 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (!f) { perror(ready); return 1; }
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }

    uint64_t seq = 0;
    unsigned char buf[MAX_PACKET];
    while (!stop) {
        uint64_t t = now_ns();
        while (heap_len > 0 && heap[0]->due_ns <= t) {
            struct packet *p = heap_pop();
            if (write(p->to_fd, p->data, p->len) < 0) write_errors++;
            else forwarded++;
            free(p->data);
            free(p);
        }
        int timeout = -1;
        if (heap_len > 0) {
            uint64_t wait = heap[0]->due_ns - t;
            timeout = (int)((wait + 999999) / 1000000);
        }
        struct pollfd pfd[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
        int n = poll(pfd, 2, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            break;
        }
        for (int side = 0; side < 2; side++) {
            if (!(pfd[side].revents & POLLIN)) continue;
            int from = pfd[side].fd, to = side == 0 ? fd_b : fd_a;
            for (int burst = 0; burst < 64; burst++) {
                ssize_t len = read(from, buf, sizeof buf);
                if (len <= 0) break; /* EAGAIN: drained */
                if (rnd() < loss) { dropped_loss++; continue; }
                if (heap_len == QUEUE_LIMIT) { dropped_full++; continue; }
                struct packet *p = malloc(sizeof *p);
                unsigned char *data = malloc((size_t)len);
                if (!p || !data) { free(p); free(data); dropped_full++; continue; }
                memcpy(data, buf, (size_t)len);
                double d = delay_ms + (rnd() * 2 - 1) * jitter_ms;
                if (rnd() < reorder) { d = 0; reordered++; }
                p->due_ns = now_ns() + (uint64_t)(d * 1e6);
                p->seq = seq++;
                p->to_fd = to;
                p->len = (size_t)len;
                p->data = data;
                heap_push(p);
            }
        }
    }
    fprintf(stderr, "tunem: forwarded %llu, dropped %llu (loss) + %llu (queue full), sent early %llu, "
                    "write errors %llu\n", forwarded, dropped_loss, dropped_full, reordered, write_errors);
    return 0;
}
