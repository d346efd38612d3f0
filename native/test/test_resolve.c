/*
 * test_resolve.c - cn_resolve, cn_resolve_error_text, cn_tcp_connect_addr, and the
 * resolver codes of cn_tcp_listen/cn_tcp_connect: a resolver failure is never an errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

#define WAIT_MS 5000
#define IS_RESOLVER_CODE(rc) ((rc) <= -CN_RESOLVE_ERROR_BASE)

/* 1 if s is a numeric IPv4 or IPv6 address (an IPv6 %scope is cut off first). */
static int is_numeric(const char *s) {
    char copy[128];
    size_t len = strlen(s);
    if (len >= sizeof copy)
        return 0;
    memcpy(copy, s, len + 1);
    char *pct = strchr(copy, '%');
    if (pct)
        *pct = '\0';
    unsigned char addr[16];
    return inet_pton(AF_INET, copy, addr) == 1 || inet_pton(AF_INET6, copy, addr) == 1;
}

void test_resolve_numeric(void) {
    char out[256];
    CHECK_EQ(1, cn_resolve("127.0.0.1", 80, 0, out, sizeof out));
    CHECK(strcmp(out, "127.0.0.1") == 0);
    CHECK_EQ(1, cn_resolve("127.0.0.1", 0, CN_RESOLVE_NUMERIC, out, sizeof out));
    CHECK(strcmp(out, "127.0.0.1") == 0);
    CHECK_EQ(1, cn_resolve("::1", 443, CN_RESOLVE_NUMERIC, out, sizeof out));
    CHECK(strcmp(out, "::1") == 0);
    /* a name with CN_RESOLVE_NUMERIC: refused without a lookup, as a resolver code */
    int rc = cn_resolve("localhost", 80, CN_RESOLVE_NUMERIC, out, sizeof out);
    CHECK_EQ(-(CN_RESOLVE_ERROR_BASE + CN_EAI_NONAME), rc);
}

void test_resolve_localhost_gives_numeric_addresses(void) {
    char out[1024];
    int n = (int)CHECK_OK(cn_resolve("localhost", 6379, 0, out, sizeof out));
    CHECK(n >= 1);
    int saw_loopback = 0;
    const char *at = out;
    for (int i = 0; i < n; i++) {
        CHECK(is_numeric(at));
        if (strcmp(at, "127.0.0.1") == 0 || strcmp(at, "::1") == 0)
            saw_loopback = 1;
        at += strlen(at) + 1;
    }
    CHECK(saw_loopback);
}

void test_resolve_passive_wildcard(void) {
    char out[256];
    int n = (int)CHECK_OK(cn_resolve(NULL, 0, CN_RESOLVE_PASSIVE, out, sizeof out));
    CHECK(n >= 1);
    CHECK(strcmp(out, "0.0.0.0") == 0 || strcmp(out, "::") == 0);
    /* host NULL without PASSIVE is a caller error */
    CHECK_EQ(-EINVAL, cn_resolve(NULL, 0, 0, out, sizeof out));
}

void test_resolve_unknown_host_is_a_resolver_code(void) {
    char out[256];
    /* .invalid never resolves (RFC 6761); without a name server it is EAI_AGAIN instead */
    int rc = cn_resolve("no-such-host.invalid", 80, 0, out, sizeof out);
    CHECK(IS_RESOLVER_CODE(rc));
    CHECK(rc != -ENOENT && rc != -EHOSTUNREACH);
    char text[128];
    int len = (int)CHECK_OK(cn_resolve_error_text(rc, text, sizeof text));
    CHECK(len == (int)strlen(text));
    CHECK(strncmp(text, "EAI_", 4) == 0);
    CHECK(strstr(text, ": ") != NULL);
    /* the same code from listen and connect */
    CHECK(IS_RESOLVER_CODE(cn_tcp_listen("no-such-host.invalid", 0, 16, 0)));
    CHECK(IS_RESOLVER_CODE(cn_tcp_connect("no-such-host.invalid", 80)));
}

void test_resolve_error_text(void) {
    char text[128];
    int code = -(CN_RESOLVE_ERROR_BASE + CN_EAI_NONAME);
    CHECK_OK(cn_resolve_error_text(code, text, sizeof text));
    CHECK(strncmp(text, "EAI_NONAME: ", 12) == 0);
    CHECK(strlen(text) > 12);
    /* cut to fit, always NUL terminated */
    char tiny[6];
    CHECK_EQ(5, cn_resolve_error_text(code, tiny, sizeof tiny));
    CHECK(strcmp(tiny, "EAI_N") == 0);
    /* an unknown CN_EAI number still gets a name */
    CHECK_OK(cn_resolve_error_text(-(CN_RESOLVE_ERROR_BASE + CN_EAI_OTHER), text, sizeof text));
    CHECK(strncmp(text, "EAI_OTHER: ", 11) == 0);
    /* an errno is not a resolver code */
    CHECK_EQ(-EINVAL, cn_resolve_error_text(-ENOENT, text, sizeof text));
    CHECK_EQ(-EINVAL, cn_resolve_error_text(0, text, sizeof text));
    CHECK_EQ(-EFAULT, cn_resolve_error_text(code, NULL, 10));
    CHECK_EQ(-ENOSPC, cn_resolve_error_text(code, text, 0));
}

void test_resolve_bad_arguments(void) {
    char out[64];
    CHECK_EQ(-EFAULT, cn_resolve("127.0.0.1", 80, 0, NULL, 64));
    CHECK_EQ(-EINVAL, cn_resolve("127.0.0.1", 80, 0, out, 0));
    CHECK_EQ(-EINVAL, cn_resolve("127.0.0.1", -1, 0, out, sizeof out));
    CHECK_EQ(-EINVAL, cn_resolve("127.0.0.1", 65536, 0, out, sizeof out));
    CHECK_EQ(-EINVAL, cn_resolve("127.0.0.1", 80, 0x100, out, sizeof out));
    /* too small for the first address */
    CHECK_EQ(-ENOSPC, cn_resolve("127.0.0.1", 80, 0, out, 4));
    CHECK_EQ(1, cn_resolve("127.0.0.1", 80, 0, out, 10)); /* exactly "127.0.0.1\0" */
    CHECK_EQ(CN_RESOLVE_ERROR_BASE, cn_abi(CN_ABI_RESOLVE_ERROR_BASE));
}

void test_connect_addr(void) {
    int port;
    int lfd = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 16, 0));
    port = (int)CHECK_OK(cn_sockname(lfd, 0, NULL, 0));
    int fd = (int)CHECK_OK(cn_tcp_connect_addr("127.0.0.1", port));
    CHECK(cn_test_await_readable(lfd, WAIT_MS));
    int server = (int)CHECK_OK(cn_tcp_accept(lfd));
    cn_close(server);
    cn_close(fd);
    /* a name is refused, never looked up */
    CHECK_EQ(-(CN_RESOLVE_ERROR_BASE + CN_EAI_NONAME), cn_tcp_connect_addr("localhost", port));
    CHECK_EQ(-EFAULT, cn_tcp_connect_addr(NULL, port));
    CHECK_EQ(-EINVAL, cn_tcp_connect_addr("127.0.0.1", 0));
    CHECK_EQ(-EINVAL, cn_tcp_connect_addr("127.0.0.1", 65536));
    cn_close(lfd);
}

void test_connect_addr_ipv6_refused_then_ipv4(void) {
    /* a server on 127.0.0.1 only: ::1 on its port is refused (or has no IPv6), 127.0.0.1 works */
    int lfd = (int)CHECK_OK(cn_tcp_listen("127.0.0.1", 0, 16, 0));
    int port = (int)CHECK_OK(cn_sockname(lfd, 0, NULL, 0));
    int v6 = cn_tcp_connect_addr("::1", port);
    if (v6 >= 0) {
        /* in progress or refused at once; either way the outcome is a refusal */
        int64_t end = cn_test_now_ms() + WAIT_MS;
        int err;
        while ((err = cn_socket_error(v6)) == 0 && cn_test_now_ms() < end)
            cn_test_sleep_ms(1);
        CHECK(err == -ECONNREFUSED);
        cn_close(v6);
    } else {
        CHECK(v6 == -ECONNREFUSED || v6 == -EADDRNOTAVAIL || v6 == -EAFNOSUPPORT || v6 == -ENETUNREACH);
    }
    int v4 = (int)CHECK_OK(cn_tcp_connect_addr("127.0.0.1", port));
    CHECK(cn_test_await_readable(lfd, WAIT_MS));
    cn_close((int)CHECK_OK(cn_tcp_accept(lfd)));
    cn_close(v4);
    cn_close(lfd);
}
