package io.coronet.ffi;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * Does a loaded libcoronet speak the ABI this jar was written against? Asked of {@code cn_abi()}
 * right after loading, before anything else calls into the library: a library from another build
 * (an older jar's copy passed with -Dcoronet.library.path, a file built from a changed header)
 * is refused with what differs, instead of corrupting memory later.
 *
 * <p>What Java relies on, and so checks:
 * <ul>
 *   <li>the ABI version ({@code CORONET_ABI_VERSION});
 *   <li>{@code cn_event} is coronet.h's {@code {uint64_t token; uint32_t events; uint32_t reserved}}:
 *       16 bytes, token at 0, events at 8. Fixed-width fields, so the same on every ABI; another
 *       answer means a library built from another header. (Poller still reads the offsets cn_abi
 *       reports, so the numbers live in one place, the C compiler.)
 *   <li>{@code struct iovec} holds a 64-bit address and a 64-bit length (IoVector writes both with
 *       putLong): 16 bytes, base and length at 0 and 8 in either order; IOV_MAX at least 1;
 *   <li>every errno and constant key Java reads is known to the library (cn_abi answers >= 0).
 * </ul>
 */
final class AbiCheck {

    static final long EXPECTED_VERSION = 1;
    static final long EXPECTED_EVENT_SIZE = 16;
    static final long EXPECTED_EVENT_TOKEN_OFFSET = 0;
    static final long EXPECTED_EVENT_EVENTS_OFFSET = 8;
    static final long EXPECTED_IOVEC_SIZE = 16;

    /** The keys Abi reads besides the layout ones: each must be known (>= 0). */
    private static final int[] KNOWN_KEYS = {
        LibCoronet.CN_ABI_EAGAIN, LibCoronet.CN_ABI_EINTR, LibCoronet.CN_ABI_EBADF,
        LibCoronet.CN_ABI_ECONNRESET, LibCoronet.CN_ABI_EPIPE, LibCoronet.CN_ABI_EMFILE,
        LibCoronet.CN_ABI_ENFILE, LibCoronet.CN_ABI_EINPROGRESS, LibCoronet.CN_ABI_ECONNREFUSED,
        LibCoronet.CN_ABI_ETIMEDOUT, LibCoronet.CN_ABI_ENOTCONN, LibCoronet.CN_ABI_EINVAL,
        LibCoronet.CN_ABI_ENOMEM, LibCoronet.CN_ABI_ENOBUFS, LibCoronet.CN_ABI_EADDRINUSE,
        LibCoronet.CN_ABI_EEXIST, LibCoronet.CN_ABI_ENOENT, LibCoronet.CN_ABI_ECONNABORTED,
        LibCoronet.CN_ABI_EHOSTUNREACH, LibCoronet.CN_ABI_ENETUNREACH,
    };

    private AbiCheck() {
    }

    /**
     * What differs between the library's answers ({@code abi}: key -> cn_abi(key)) and this jar's
     * expectation, one entry each ("ABI version 2, this jar expects 1"); empty when they agree.
     * The version is asked first: with another version nothing else can be trusted, so that is
     * the only entry then.
     */
    static List<String> differences(IntToLongFunction abi) {
        List<String> out = new ArrayList<>();
        long version = abi.applyAsLong(LibCoronet.CN_ABI_VERSION);
        if (version != EXPECTED_VERSION) {
            out.add("ABI version " + version + ", this jar expects " + EXPECTED_VERSION);
            return out;
        }
        expect(out, abi, LibCoronet.CN_ABI_EVENT_SIZE, "sizeof(cn_event)", EXPECTED_EVENT_SIZE);
        expect(out, abi, LibCoronet.CN_ABI_EVENT_TOKEN_OFFSET, "offsetof(cn_event, token)", EXPECTED_EVENT_TOKEN_OFFSET);
        expect(out, abi, LibCoronet.CN_ABI_EVENT_EVENTS_OFFSET, "offsetof(cn_event, events)", EXPECTED_EVENT_EVENTS_OFFSET);
        expect(out, abi, LibCoronet.CN_ABI_IOVEC_SIZE, "sizeof(struct iovec)", EXPECTED_IOVEC_SIZE);
        long base = abi.applyAsLong(LibCoronet.CN_ABI_IOVEC_BASE_OFFSET);
        long len = abi.applyAsLong(LibCoronet.CN_ABI_IOVEC_LEN_OFFSET);
        if (!((base == 0 && len == 8) || (base == 8 && len == 0))) {
            out.add("struct iovec has iov_base at " + base + " and iov_len at " + len
                    + ", this jar expects 64-bit fields at 0 and 8");
        }
        long iovMax = abi.applyAsLong(LibCoronet.CN_ABI_IOV_MAX);
        if (iovMax < 1 || iovMax > Integer.MAX_VALUE) {
            out.add("IOV_MAX " + iovMax + ", this jar expects at least 1");
        }
        List<Integer> unknown = new ArrayList<>();
        for (int key : KNOWN_KEYS) {
            long v = abi.applyAsLong(key);
            if (v < 0 || v > Integer.MAX_VALUE) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            out.add("cn_abi does not know the keys " + unknown + " this jar reads");
        }
        return out;
    }

    private static void expect(List<String> out, IntToLongFunction abi, int key, String what, long expected) {
        long v = abi.applyAsLong(key);
        if (v != expected) {
            out.add(what + " is " + v + ", this jar expects " + expected);
        }
    }
}
