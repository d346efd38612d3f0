/*
 * test_abi.c - cn_abi() reports what this compiler and libc use, so the Java side
 * can decode cn_event and build iovecs without hard-coding a layout or errno.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "helpers.h"

void test_abi_layout(void) {
    CHECK_EQ(CORONET_ABI_VERSION, cn_abi(CN_ABI_VERSION));
    CHECK_EQ(sizeof(cn_event), cn_abi(CN_ABI_EVENT_SIZE));
    CHECK_EQ(16, cn_abi(CN_ABI_EVENT_SIZE)); /* what the Java decoder is written for */
    CHECK_EQ(offsetof(cn_event, token), cn_abi(CN_ABI_EVENT_TOKEN_OFFSET));
    CHECK_EQ(offsetof(cn_event, events), cn_abi(CN_ABI_EVENT_EVENTS_OFFSET));
    CHECK_EQ(sizeof(struct iovec), cn_abi(CN_ABI_IOVEC_SIZE));
    CHECK_EQ(offsetof(struct iovec, iov_base), cn_abi(CN_ABI_IOVEC_BASE_OFFSET));
    CHECK_EQ(offsetof(struct iovec, iov_len), cn_abi(CN_ABI_IOVEC_LEN_OFFSET));
    CHECK(cn_abi(CN_ABI_IOV_MAX) >= 16);
    CHECK_EQ(cn_poller_caps(), cn_abi(CN_ABI_CAPS));
    CHECK_EQ(SOMAXCONN, cn_abi(CN_ABI_SOMAXCONN));
}

void test_abi_errno_values(void) {
    static const struct {
        int key;
        int value;
    } expected[] = {
        {CN_ABI_EAGAIN, EAGAIN},           {CN_ABI_EINTR, EINTR},
        {CN_ABI_EBADF, EBADF},             {CN_ABI_ECONNRESET, ECONNRESET},
        {CN_ABI_EPIPE, EPIPE},             {CN_ABI_EMFILE, EMFILE},
        {CN_ABI_ENFILE, ENFILE},           {CN_ABI_EINPROGRESS, EINPROGRESS},
        {CN_ABI_ECONNREFUSED, ECONNREFUSED}, {CN_ABI_ETIMEDOUT, ETIMEDOUT},
        {CN_ABI_ENOTCONN, ENOTCONN},       {CN_ABI_EINVAL, EINVAL},
        {CN_ABI_ENOMEM, ENOMEM},           {CN_ABI_ENOBUFS, ENOBUFS},
        {CN_ABI_EADDRINUSE, EADDRINUSE},   {CN_ABI_EEXIST, EEXIST},
        {CN_ABI_ENOENT, ENOENT},           {CN_ABI_ECONNABORTED, ECONNABORTED},
        {CN_ABI_EHOSTUNREACH, EHOSTUNREACH}, {CN_ABI_ENETUNREACH, ENETUNREACH},
        {CN_ABI_EFAULT, EFAULT},           {CN_ABI_ENOTSOCK, ENOTSOCK},
        {CN_ABI_EOPNOTSUPP, EOPNOTSUPP},   {CN_ABI_ENOSPC, ENOSPC},
        {CN_ABI_EADDRNOTAVAIL, EADDRNOTAVAIL}, {CN_ABI_EAFNOSUPPORT, EAFNOSUPPORT},
        {CN_ABI_EALREADY, EALREADY},       {CN_ABI_EISCONN, EISCONN},
        {CN_ABI_ENOTSUP, ENOTSUP},         {CN_ABI_EPERM, EPERM},
        {CN_ABI_EACCES, EACCES},           {CN_ABI_ENOSYS, ENOSYS},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        CHECK_EQ(expected[i].value, cn_abi(expected[i].key));
        CHECK(cn_abi(expected[i].key) > 0);
    }
}

void test_abi_unknown_key(void) {
    CHECK_EQ(-EINVAL, cn_abi(-1));
    CHECK_EQ(-EINVAL, cn_abi(8));
    CHECK_EQ(-EINVAL, cn_abi(19));
    CHECK_EQ(-EINVAL, cn_abi(1000));
}
