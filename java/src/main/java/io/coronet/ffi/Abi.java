package io.coronet.ffi;

/**
 * Struct layout and errno numbers as the loaded libcoronet reports them through
 * {@code cn_abi()}, read once. Java hard-codes none of them: errno numbers differ between Linux,
 * macOS and the BSDs (EAGAIN is 11 on Linux, 35 on macOS), and struct layout is the C compiler's.
 *
 * <p>Initialising this class requires the library: it throws {@link NativeUnavailableException}
 * (wrapped by class initialisation) otherwise, so callers check {@link NativeLibrary#ensureAvailable()}
 * first or only get here with a result from a native call.
 */
public final class Abi {

    public static final int VERSION;
    /** sizeof(cn_event) and the offsets of its token (u64) and events (u32) fields. */
    public static final int EVENT_SIZE;
    public static final int EVENT_TOKEN_OFFSET;
    public static final int EVENT_EVENTS_OFFSET;
    /** sizeof(struct iovec) and the offsets of iov_base and iov_len; IOV_MAX. */
    public static final int IOVEC_SIZE;
    public static final int IOVEC_BASE_OFFSET;
    public static final int IOVEC_LEN_OFFSET;
    public static final int IOV_MAX;

    public static final int EAGAIN;
    public static final int EINTR;
    public static final int EBADF;
    public static final int ECONNRESET;
    public static final int EPIPE;
    public static final int EMFILE;
    public static final int ENFILE;
    public static final int EINPROGRESS;
    public static final int ECONNREFUSED;
    public static final int ETIMEDOUT;
    public static final int ENOTCONN;
    public static final int EINVAL;
    public static final int ENOMEM;
    public static final int ENOBUFS;
    public static final int EADDRINUSE;
    public static final int EEXIST;
    public static final int ENOENT;
    public static final int ECONNABORTED;
    public static final int EHOSTUNREACH;
    public static final int ENETUNREACH;
    /** Resolver failures come back as {@code -(RESOLVE_ERROR_BASE + code)}: a range no errno reaches. */
    public static final int RESOLVE_ERROR_BASE;

    static {
        NativeLibrary.ensureAvailable();
        VERSION = value(LibCoronet.CN_ABI_VERSION);
        EVENT_SIZE = value(LibCoronet.CN_ABI_EVENT_SIZE);
        EVENT_TOKEN_OFFSET = value(LibCoronet.CN_ABI_EVENT_TOKEN_OFFSET);
        EVENT_EVENTS_OFFSET = value(LibCoronet.CN_ABI_EVENT_EVENTS_OFFSET);
        IOVEC_SIZE = value(LibCoronet.CN_ABI_IOVEC_SIZE);
        IOVEC_BASE_OFFSET = value(LibCoronet.CN_ABI_IOVEC_BASE_OFFSET);
        IOVEC_LEN_OFFSET = value(LibCoronet.CN_ABI_IOVEC_LEN_OFFSET);
        IOV_MAX = value(LibCoronet.CN_ABI_IOV_MAX);
        EAGAIN = value(LibCoronet.CN_ABI_EAGAIN);
        EINTR = value(LibCoronet.CN_ABI_EINTR);
        EBADF = value(LibCoronet.CN_ABI_EBADF);
        ECONNRESET = value(LibCoronet.CN_ABI_ECONNRESET);
        EPIPE = value(LibCoronet.CN_ABI_EPIPE);
        EMFILE = value(LibCoronet.CN_ABI_EMFILE);
        ENFILE = value(LibCoronet.CN_ABI_ENFILE);
        EINPROGRESS = value(LibCoronet.CN_ABI_EINPROGRESS);
        ECONNREFUSED = value(LibCoronet.CN_ABI_ECONNREFUSED);
        ETIMEDOUT = value(LibCoronet.CN_ABI_ETIMEDOUT);
        ENOTCONN = value(LibCoronet.CN_ABI_ENOTCONN);
        EINVAL = value(LibCoronet.CN_ABI_EINVAL);
        ENOMEM = value(LibCoronet.CN_ABI_ENOMEM);
        ENOBUFS = value(LibCoronet.CN_ABI_ENOBUFS);
        EADDRINUSE = value(LibCoronet.CN_ABI_EADDRINUSE);
        EEXIST = value(LibCoronet.CN_ABI_EEXIST);
        ENOENT = value(LibCoronet.CN_ABI_ENOENT);
        ECONNABORTED = value(LibCoronet.CN_ABI_ECONNABORTED);
        EHOSTUNREACH = value(LibCoronet.CN_ABI_EHOSTUNREACH);
        ENETUNREACH = value(LibCoronet.CN_ABI_ENETUNREACH);
        RESOLVE_ERROR_BASE = value(LibCoronet.CN_ABI_RESOLVE_ERROR_BASE);
    }

    private Abi() {
    }

    private static int value(int key) {
        long v = NativeLibrary.lib().cn_abi(key);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new NativeUnavailableException("the native library does not know ABI key " + key
                    + " (cn_abi returned " + v + "): it does not match this jar", null);
        }
        return (int) v;
    }
}
