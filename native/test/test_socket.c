/*
 * test_socket.c - the socket calls over real sockets on 127.0.0.1 (and ::1 when the
 * machine has it), socketpairs and pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define WAIT_MS 5000

static int listen_any_port(int *port) {
    int fd = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 16, 0));
    *port = (int)CHECK_OK(cn_sockname(fd, 0, NULL, 0));
    CHECK(*port > 0);
    return fd;
}

void test_socket_listen_port0_sockname(void) {
    char host[64];
    int fd = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 16, 0));
    int port = (int)CHECK_OK(cn_sockname(fd, 0, host, sizeof host));
    CHECK(port > 0 && port <= 65535);
    CHECK(strcmp(host, "127.0.0.1") == 0);
    /* Not connected: there is no peer. */
    CHECK_EQ(-ENOTCONN, cn_sockname(fd, 1, host, sizeof host));
    /* A host buffer too small for the address. */
    char tiny[4];
    CHECK_EQ(-ENOSPC, cn_sockname(fd, 0, tiny, sizeof tiny));
    cn_close(fd);
    /* Numeric port 0 on "localhost" resolves through the hosts file. */
    fd = cn_tcp_listen("localhost", 0, 0, 0);
    CHECK(fd >= 0);
    CHECK(cn_sockname(fd, 0, host, sizeof host) > 0);
    cn_close(fd);
}

void test_socket_listen_ipv6(void) {
    int fd = cn_tcp_listen("::1", 0, 16, 0);
    if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT || fd == -ENOENT)
        TEST_SKIP("no IPv6 loopback on this machine");
    CHECK_OK(fd);
    char host[64];
    int port = (int)CHECK_OK(cn_sockname(fd, 0, host, sizeof host));
    CHECK(strcmp(host, "::1") == 0);
    int client = (int)CHECK_OK(cn_tcp_connect("::1", port));
    CHECK(cn_test_await_readable(fd, WAIT_MS));
    int server = (int)CHECK_OK(cn_tcp_accept(fd));
    CHECK_EQ(port, cn_sockname(server, 0, host, sizeof host));
    CHECK(strcmp(host, "::1") == 0);
    cn_close(server);
    cn_close(client);
    cn_close(fd);
}

void test_socket_listen_reuseport(void) {
    int port;
    int first = cn_tcp_listen("127.0.0.1", 0, 16, CN_LISTEN_REUSEPORT);
    if (first == -EOPNOTSUPP)
        TEST_SKIP("no SO_REUSEPORT here");
    CHECK_OK(first);
    port = (int)CHECK_OK(cn_sockname(first, 0, NULL, 0));
    int second = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", port, 16, CN_LISTEN_REUSEPORT));
    CHECK_EQ(port, cn_sockname(second, 0, NULL, 0));
    cn_close(second);
    cn_close(first);
    CHECK_EQ(-EINVAL, cn_tcp_listen("127.0.0.1", 0, 16, 0x80));
}

void test_socket_listen_address_in_use(void) {
    int port;
    int fd = listen_any_port(&port);
    CHECK_EQ(-EADDRINUSE, cn_tcp_listen("127.0.0.1", port, 16, 0));
    cn_close(fd);
}

void test_socket_bind_only_probe(void) {
    int port;
    int fd = listen_any_port(&port);
    /* a plain bind conflicts with a listener, with or without SO_REUSEPORT on it */
    CHECK_EQ(-EADDRINUSE, cn_tcp_listen("127.0.0.1", port, 16, CN_LISTEN_BIND_ONLY));
    cn_close(fd);
    int probe = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 16, CN_LISTEN_BIND_ONLY));
    int probed = (int)CHECK_OK(cn_sockname(probe, 0, NULL, 0));
    CHECK(probed > 0);
    cn_close(probe);
}

void test_socket_accept_many(void) {
    int port;
    int listener = listen_any_port(&port);
    CHECK_EQ(-EAGAIN, cn_tcp_accept(listener));
    int fds[8];
    CHECK_EQ(-EAGAIN, cn_tcp_accept_many(listener, fds, 8));
    enum { CLIENTS = 5 };
    int clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        clients[i] = (int)CHECK_OK(cn_tcp_connect("127.0.0.1", port));
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, listener, CN_READABLE, 1));
    int accepted = 0;
    int servers[CLIENTS + 8];
    for (int round = 0; round < 50 && accepted < CLIENTS; round++) {
        if (!(cn_test_wait_for(p, 1, WAIT_MS) & CN_READABLE))
            break;
        int n = cn_tcp_accept_many(listener, servers + accepted, CLIENTS + 8 - accepted);
        if (n == -EAGAIN)
            continue;
        CHECK(n >= 1);
        accepted += n;
    }
    CHECK_EQ(CLIENTS, accepted);
    CHECK_EQ(-EAGAIN, cn_tcp_accept_many(listener, fds, 8));
    for (int i = 0; i < CLIENTS; i++) {
        int flags = fcntl(servers[i], F_GETFL);
        CHECK(flags & O_NONBLOCK);
        CHECK(fcntl(servers[i], F_GETFD) & FD_CLOEXEC);
        cn_close(servers[i]);
        cn_close(clients[i]);
    }
    cn_poller_close(p);
    cn_close(listener);
}

void test_socket_connect_and_socket_error(void) {
    int port;
    int listener = listen_any_port(&port);
    int client = (int)CHECK_OK(cn_tcp_connect("127.0.0.1", port));
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, client, CN_WRITABLE | CN_EDGE, 1));
    CHECK(cn_test_wait_for(p, 1, WAIT_MS) & CN_WRITABLE);
    CHECK_EQ(0, cn_socket_error(client));
    char host[64];
    CHECK_EQ(port, cn_sockname(client, 1, host, sizeof host));
    CHECK(strcmp(host, "127.0.0.1") == 0);
    CHECK(cn_sockname(client, 0, host, sizeof host) > 0);
    cn_poller_close(p);
    cn_close(client);
    cn_close(listener);
}

void test_socket_connect_refused(void) {
    int port;
    int listener = listen_any_port(&port);
    cn_close(listener); /* nothing listens on port now */
    int fd = cn_tcp_connect("127.0.0.1", port);
    if (fd == -ECONNREFUSED)
        return; /* refused at once: also a correct outcome */
    CHECK_OK(fd);
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, fd, CN_WRITABLE, 1));
    uint32_t ev = cn_test_wait_for(p, 1, WAIT_MS);
    CHECK(ev != 0);
    CHECK(ev & (CN_ERROR | CN_HANGUP));
    CHECK_EQ(-ECONNREFUSED, cn_socket_error(fd));
    /* SO_ERROR is cleared by reading it. */
    CHECK_EQ(0, cn_socket_error(fd));
    cn_poller_remove(p, fd);
    cn_poller_close(p);
    cn_close(fd);
    CHECK_EQ(-EINVAL, cn_tcp_connect("127.0.0.1", 0));
    CHECK_EQ(-EINVAL, cn_tcp_connect("127.0.0.1", 70000));
}

void test_socket_read_write(void) {
    int client, server;
    cn_test_tcp_pair(&client, &server);
    char buf[64];
    CHECK_EQ(-EAGAIN, cn_read(server, buf, sizeof buf));
    CHECK_EQ(5, cn_write(client, "hello", 5));
    CHECK(cn_test_await_readable(server, WAIT_MS));
    CHECK_EQ(5, cn_read(server, buf, sizeof buf));
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(0, cn_write(client, buf, 0));
    CHECK_EQ(0, cn_read(server, buf, 0));
    cn_close(client);
    cn_close(server);
}

void test_socket_readv_writev(void) {
    int client, server;
    cn_test_tcp_pair(&client, &server);
    struct iovec out[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
    CHECK_EQ(6, cn_writev(client, out, 3));
    CHECK(cn_test_await_readable(server, WAIT_MS));
    char a[4] = {0}, b[8] = {0};
    struct iovec in[2] = {{a, 4}, {b, 8}};
    int64_t got = 0;
    for (int i = 0; i < 100 && got < 6; i++) {
        int64_t n = cn_readv(server, in, 2);
        if (n == -EAGAIN) {
            cn_test_await_readable(server, 100);
            continue;
        }
        CHECK(n > 0);
        got += n;
        CHECK_EQ(6, got); /* 6 bytes on loopback arrive together */
    }
    CHECK(memcmp(a, "abcd", 4) == 0);
    CHECK(memcmp(b, "ef", 2) == 0);
    /* writev on a pipe takes the write(2) path. */
    int pfds[2];
    CHECK_OK(cn_pipe(pfds));
    CHECK_EQ(6, cn_writev(pfds[1], out, 3));
    CHECK_EQ(6, cn_readv(pfds[0], in, 2));
    cn_close(pfds[0]);
    cn_close(pfds[1]);
    cn_close(client);
    cn_close(server);
}

void test_socket_shutdown_half_close(void) {
    int client, server;
    cn_test_tcp_pair(&client, &server);
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, server, CN_READABLE, 1));
    CHECK_OK(cn_shutdown(client, CN_SHUT_WR));
    uint32_t ev = cn_test_wait_for(p, 1, WAIT_MS);
    CHECK(ev & CN_HANGUP);
    char buf[16];
    CHECK_EQ(0, cn_read(server, buf, sizeof buf));
    /* Half-closed only: the other direction still works. */
    CHECK_EQ(5, cn_write(server, "reply", 5));
    CHECK(cn_test_await_readable(client, WAIT_MS));
    CHECK_EQ(5, cn_read(client, buf, sizeof buf));
    CHECK_EQ(-EINVAL, cn_shutdown(client, 7));
    cn_poller_remove(p, server);
    cn_poller_close(p);
    cn_close(client);
    cn_close(server);
}

void test_socket_rst_linger0(void) {
    int client, server;
    cn_test_tcp_pair(&client, &server);
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, server, CN_READABLE, 1));
    /* SO_LINGER with 0 s: close sends RST instead of FIN (socket(7)). */
    CHECK_OK(cn_set_linger(client, 1, 0));
    CHECK_OK(cn_close(client));
    uint32_t ev = cn_test_wait_for(p, 1, WAIT_MS);
    CHECK(ev & (CN_HANGUP | CN_ERROR));
    char buf[16];
    CHECK_EQ(-ECONNRESET, cn_read(server, buf, sizeof buf));
    CHECK_EQ(-EINVAL, cn_set_linger(server, 1, -1));
    cn_poller_remove(p, server);
    cn_poller_close(p);
    cn_close(server);
}

void test_socket_write_closed_peer_epipe(void) {
    /* SIGPIPE keeps its default action (terminate): only MSG_NOSIGNAL keeps us alive. */
    signal(SIGPIPE, SIG_DFL);
    int fds[2];
    cn_test_socketpair(fds);
    cn_close(fds[1]);
    CHECK_EQ(-EPIPE, cn_write(fds[0], "x", 1));
    struct iovec one = {"y", 1};
    CHECK_EQ(-EPIPE, cn_writev(fds[0], &one, 1));
    cn_close(fds[0]);
    /* TCP: the first write after the peer closed may still succeed (the peer answers
     * it with RST); the next ones fail with EPIPE (or ECONNRESET, if the RST is read
     * as an error first). */
    int client, server;
    cn_test_tcp_pair(&client, &server);
    cn_close(server);
    int64_t rc = 0;
    for (int i = 0; i < 100 && rc >= 0; i++) {
        rc = cn_write(client, "z", 1);
        if (rc >= 0)
            cn_test_sleep_ms(5);
    }
    CHECK(rc == -EPIPE || rc == -ECONNRESET);
    cn_close(client);
}

void test_socket_pipe_epipe_no_signal(void) {
    signal(SIGPIPE, SIG_DFL);
    int fds[2];
    CHECK_OK(cn_pipe(fds));
    cn_close(fds[0]);
    CHECK_EQ(-EPIPE, cn_write(fds[1], "x", 1));
    struct iovec one = {"y", 1};
    CHECK_EQ(-EPIPE, cn_writev(fds[1], &one, 1));
    /* The SIGPIPE the write raised was taken off the pending set, and the mask is
     * back as it was (SIGPIPE unblocked). */
    sigset_t pending, mask;
    sigpending(&pending);
    CHECK(!sigismember(&pending, SIGPIPE));
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    CHECK(!sigismember(&mask, SIGPIPE));
    cn_close(fds[1]);
}

static int get_int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t len = sizeof value;
    CHECK_EQ(0, getsockopt(fd, level, name, &value, &len));
    return value;
}

void test_socket_options(void) {
    int client, server;
    cn_test_tcp_pair(&client, &server);
    CHECK_OK(cn_set_nodelay(client, 1));
    CHECK(get_int_option(client, IPPROTO_TCP, TCP_NODELAY) != 0);
    CHECK_OK(cn_set_nodelay(client, 0));
    CHECK_EQ(0, get_int_option(client, IPPROTO_TCP, TCP_NODELAY));
    int before = get_int_option(client, SOL_SOCKET, SO_RCVBUF);
    CHECK_OK(cn_set_buffer_sizes(client, 64 * 1024, 0));
    /* Linux doubles the value it stores (socket(7)); just check it moved. */
    CHECK(get_int_option(client, SOL_SOCKET, SO_SNDBUF) >= 64 * 1024);
    CHECK_EQ(before, get_int_option(client, SOL_SOCKET, SO_RCVBUF));
    CHECK_OK(cn_set_blocking(client, 1));
    CHECK(!(fcntl(client, F_GETFL) & O_NONBLOCK));
    CHECK_OK(cn_set_blocking(client, 0));
    CHECK(fcntl(client, F_GETFL) & O_NONBLOCK);
    CHECK_OK(cn_set_linger(client, 1, 3));
    struct linger lg;
    socklen_t len = sizeof lg;
    CHECK_EQ(0, getsockopt(client, SOL_SOCKET, SO_LINGER, &lg, &len));
    CHECK(lg.l_onoff && lg.l_linger == 3);
    CHECK_OK(cn_set_linger(client, 0, 0));
    /* TCP_NODELAY makes no sense on AF_UNIX: the kernel's errno comes back. */
    int fds[2];
    cn_test_socketpair(fds);
    CHECK(cn_set_nodelay(fds[0], 1) < 0);
    cn_close(fds[0]);
    cn_close(fds[1]);
    cn_close(client);
    cn_close(server);
}

static void check_cloexec_nonblock(int fd) {
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

void test_socket_cloexec_nonblock(void) {
    int fds[2];
    CHECK_OK(cn_socketpair(fds));
    check_cloexec_nonblock(fds[0]);
    check_cloexec_nonblock(fds[1]);
    cn_close(fds[0]);
    cn_close(fds[1]);
    CHECK_OK(cn_pipe(fds));
    check_cloexec_nonblock(fds[0]);
    check_cloexec_nonblock(fds[1]);
    cn_close(fds[0]);
    cn_close(fds[1]);
    int port;
    int listener = listen_any_port(&port);
    check_cloexec_nonblock(listener);
    int client = (int)CHECK_OK(cn_tcp_connect("127.0.0.1", port));
    check_cloexec_nonblock(client);
    CHECK(cn_test_await_readable(listener, WAIT_MS));
    int server = (int)CHECK_OK(cn_tcp_accept(listener));
    check_cloexec_nonblock(server);
    cn_close(server);
    cn_close(client);
    cn_close(listener);
}

void test_socket_bad_arguments(void) {
    int fds[2];
    cn_test_socketpair(fds);
    char buf[4];
    CHECK_EQ(-EFAULT, cn_read(fds[0], NULL, 5));
    CHECK_EQ(-EFAULT, cn_write(fds[0], NULL, 5));
    CHECK_EQ(-EINVAL, cn_read(fds[0], buf, -1));
    CHECK_EQ(-EINVAL, cn_write(fds[0], buf, -1));
    CHECK_EQ(-EBADF, cn_read(-1, buf, 4));
    CHECK_EQ(-EBADF, cn_write(-1, buf, 4));
    CHECK_EQ(-EINVAL, cn_readv(fds[0], buf, -1));
    CHECK_EQ(-EFAULT, cn_readv(fds[0], NULL, 2));
    CHECK_EQ(-EFAULT, cn_writev(fds[0], NULL, 2));
    CHECK_EQ(-EINVAL, cn_writev(fds[0], buf, (int)cn_abi(CN_ABI_IOV_MAX) + 1));
    CHECK_EQ(-EBADF, cn_close(-1));
    CHECK_EQ(-EBADF, cn_shutdown(-1, CN_SHUT_RD));
    CHECK_EQ(-EBADF, cn_socket_error(-1));
    CHECK_EQ(-EBADF, cn_tcp_accept(-1));
    CHECK_EQ(-EINVAL, cn_tcp_accept_many(fds[0], (int *)buf, 0));
    CHECK_EQ(-EFAULT, cn_tcp_accept_many(fds[0], NULL, 4));
    CHECK_EQ(-EFAULT, cn_socketpair(NULL));
    CHECK_EQ(-EFAULT, cn_pipe(NULL));
    CHECK_EQ(-EFAULT, cn_sockname(fds[0], 0, NULL, 10));
    CHECK_EQ(-EINVAL, cn_sockname(fds[0], 0, buf, -1));
    CHECK_EQ(-EINVAL, cn_tcp_listen("127.0.0.1", -1, 16, 0));
    CHECK_EQ(-EINVAL, cn_tcp_listen("127.0.0.1", 65536, 16, 0));
    /* Not a socket: the kernel says so. */
    int pfds[2];
    CHECK_OK(cn_pipe(pfds));
    CHECK_EQ(-ENOTSOCK, cn_socket_error(pfds[0]));
    CHECK_EQ(-ENOTSOCK, cn_shutdown(pfds[0], CN_SHUT_RD));
    cn_close(pfds[0]);
    cn_close(pfds[1]);
    /* An fd number that is not open. */
    CHECK_EQ(-EBADF, cn_read(1 << 20, buf, 1));
    CHECK_EQ(-EBADF, cn_close(1 << 20));
    cn_close(fds[0]);
    cn_close(fds[1]);
}

void test_socket_echo_roundtrip(void) {
    int port;
    cn_test_echo_server *echo = cn_test_echo_start(&port);
    int fd = (int)CHECK_OK(cn_tcp_connect("127.0.0.1", port));
    CHECK_OK(cn_set_nodelay(fd, 1));
    enum { SIZE = 256 * 1024 };
    char *out = malloc(SIZE), *in = malloc(SIZE);
    CHECK(out && in);
    for (int i = 0; i < SIZE; i++)
        out[i] = (char)(i * 31 + 7);
    /* Drive both directions from one poller, edge-triggered as coronet will. */
    int64_t p = CHECK_OK(cn_poller_create());
    CHECK_OK(cn_poller_add(p, fd, CN_READABLE | CN_WRITABLE | CN_EDGE, 1));
    size_t sent = 0, got = 0;
    cn_event events[4];
    for (int round = 0; round < 100000 && got < SIZE; round++) {
        int n = cn_test_wait(p, events, 4, WAIT_MS);
        CHECK(n > 0);
        if (sent < SIZE) {
            int64_t w;
            while (sent < SIZE && (w = cn_write(fd, out + sent, SIZE - sent)) > 0)
                sent += (size_t)w;
            CHECK(sent == SIZE || w == -EAGAIN);
        }
        int64_t r;
        while ((r = cn_read(fd, in + got, SIZE - got)) > 0)
            got += (size_t)r;
        CHECK(got == SIZE || r == -EAGAIN);
        if (!(cn_poller_caps() & CN_CAP_NATIVE_EDGE))
            CHECK_OK(cn_poller_modify(p, fd,
                                      CN_READABLE | CN_EDGE | (sent < SIZE ? CN_WRITABLE : 0), 1));
    }
    CHECK_EQ(SIZE, got);
    CHECK(memcmp(out, in, SIZE) == 0);
    free(out);
    free(in);
    cn_poller_remove(p, fd);
    cn_poller_close(p);
    cn_close(fd);
    cn_test_echo_stop(echo);
}

static int64_t hard_fd_limit(void) {
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    return rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)INT64_MAX ? INT64_MAX
                                                                          : (int64_t)rl.rlim_max;
}

void test_socket_raise_fd_limit(void) {
    /* The runner forks each test: lowering this process's limit touches no other test. */
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= 64)
        TEST_SKIP("hard RLIMIT_NOFILE <= 64");
    rl.rlim_cur = 64;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK_EQ(64, cn_fd_soft_limit());
    int64_t raised = CHECK_OK(cn_raise_fd_limit());
    CHECK(raised > 64);
    CHECK_EQ(raised, cn_fd_soft_limit());
#ifdef __APPLE__
    CHECK(raised <= hard_fd_limit()); /* at most OPEN_MAX there */
#else
    CHECK_EQ(hard_fd_limit(), raised);
#endif
    /* Already raised: nothing to do, the same answer. */
    CHECK_EQ(raised, cn_raise_fd_limit());
    /* fds above the old soft limit can exist now. */
    int fds[40][2];
    for (int i = 0; i < 40; i++)
        CHECK_OK(cn_pipe(fds[i]));
    for (int i = 0; i < 40; i++) {
        cn_close(fds[i][0]);
        cn_close(fds[i][1]);
    }
}
