/*
 * abi.c - cn_abi(): the numbers the Java side must not hard-code.
 *
 * errno values differ between Linux and macOS/BSD (EAGAIN is 11 on Linux, 35 on
 * macOS), and struct iovec / cn_event layout is the compiler's business, so Java
 * asks here once at start-up.
 */
#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "internal.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

int64_t cn_abi(int key) {
    switch ((enum cn_abi_key)key) {
    case CN_ABI_VERSION: return CORONET_ABI_VERSION;
    case CN_ABI_EVENT_SIZE: return sizeof(cn_event);
    case CN_ABI_EVENT_TOKEN_OFFSET: return offsetof(cn_event, token);
    case CN_ABI_EVENT_EVENTS_OFFSET: return offsetof(cn_event, events);
    case CN_ABI_IOVEC_SIZE: return sizeof(struct iovec);
    case CN_ABI_IOVEC_BASE_OFFSET: return offsetof(struct iovec, iov_base);
    case CN_ABI_IOVEC_LEN_OFFSET: return offsetof(struct iovec, iov_len);
    case CN_ABI_IOV_MAX: return IOV_MAX;
    case CN_ABI_EAGAIN: return EAGAIN;
    case CN_ABI_EINTR: return EINTR;
    case CN_ABI_EBADF: return EBADF;
    case CN_ABI_ECONNRESET: return ECONNRESET;
    case CN_ABI_EPIPE: return EPIPE;
    case CN_ABI_EMFILE: return EMFILE;
    case CN_ABI_ENFILE: return ENFILE;
    case CN_ABI_EINPROGRESS: return EINPROGRESS;
    case CN_ABI_ECONNREFUSED: return ECONNREFUSED;
    case CN_ABI_ETIMEDOUT: return ETIMEDOUT;
    case CN_ABI_ENOTCONN: return ENOTCONN;
    case CN_ABI_EINVAL: return EINVAL;
    case CN_ABI_ENOMEM: return ENOMEM;
    case CN_ABI_ENOBUFS: return ENOBUFS;
    case CN_ABI_EADDRINUSE: return EADDRINUSE;
    case CN_ABI_EEXIST: return EEXIST;
    case CN_ABI_ENOENT: return ENOENT;
    case CN_ABI_ECONNABORTED: return ECONNABORTED;
    case CN_ABI_EHOSTUNREACH: return EHOSTUNREACH;
    case CN_ABI_ENETUNREACH: return ENETUNREACH;
    case CN_ABI_EFAULT: return EFAULT;
    case CN_ABI_ENOTSOCK: return ENOTSOCK;
    case CN_ABI_EOPNOTSUPP: return EOPNOTSUPP;
    case CN_ABI_ENOSPC: return ENOSPC;
    case CN_ABI_EADDRNOTAVAIL: return EADDRNOTAVAIL;
    case CN_ABI_EAFNOSUPPORT: return EAFNOSUPPORT;
    case CN_ABI_EALREADY: return EALREADY;
    case CN_ABI_EISCONN: return EISCONN;
    case CN_ABI_ENOTSUP: return ENOTSUP;
    case CN_ABI_EPERM: return EPERM;
    case CN_ABI_EACCES: return EACCES;
    case CN_ABI_ENOSYS: return ENOSYS;
    case CN_ABI_CAPS: return cn_poller_caps();
    case CN_ABI_SOMAXCONN: return SOMAXCONN;
    case CN_ABI_RESOLVE_ERROR_BASE: return CN_RESOLVE_ERROR_BASE;
    }
    return -EINVAL;
}
