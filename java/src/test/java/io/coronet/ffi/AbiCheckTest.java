package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AbiCheckTest {

    /** The loaded library's answers, with some keys replaced. */
    private static IntToLongFunction loadedExcept(Map<Integer, Long> replaced) {
        return key -> replaced.containsKey(key) ? replaced.get(key) : NativeLibrary.lib().cn_abi(key);
    }

    @Test
    void theLoadedLibraryAgreesWithThisJar() {
        assertEquals(List.of(), AbiCheck.differences(NativeLibrary.lib()::cn_abi));
    }

    @Test
    void anotherVersionIsTheOnlyDifferenceReported() {
        // with another version nothing else can be trusted: say that, not a list of noise
        List<String> d = AbiCheck.differences(loadedExcept(Map.of(LibCoronet.CN_ABI_VERSION, 2L,
                LibCoronet.CN_ABI_EVENT_SIZE, 24L)));
        assertEquals(List.of("ABI version 2, this jar expects 1"), d);
        // a library so old it does not know the key
        assertEquals(List.of("ABI version -22, this jar expects 1"),
                AbiCheck.differences(key -> -22));
    }

    @Test
    void eachLayoutDifferenceIsNamed() {
        Map<Integer, Long> skew = new HashMap<>();
        skew.put(LibCoronet.CN_ABI_EVENT_SIZE, 24L);
        skew.put(LibCoronet.CN_ABI_EVENT_EVENTS_OFFSET, 16L);
        skew.put(LibCoronet.CN_ABI_IOVEC_SIZE, 8L);
        skew.put(LibCoronet.CN_ABI_IOVEC_BASE_OFFSET, 0L);
        skew.put(LibCoronet.CN_ABI_IOVEC_LEN_OFFSET, 4L);
        skew.put(LibCoronet.CN_ABI_EPIPE, -22L);
        List<String> d = AbiCheck.differences(loadedExcept(skew));
        assertEquals(List.of(
                "sizeof(cn_event) is 24, this jar expects 16",
                "offsetof(cn_event, events) is 16, this jar expects 8",
                "sizeof(struct iovec) is 8, this jar expects 16",
                "struct iovec has iov_base at 0 and iov_len at 4, this jar expects 64-bit fields at 0 and 8",
                "cn_abi does not know the keys [" + LibCoronet.CN_ABI_EPIPE + "] this jar reads"), d);
    }

    @Test
    void anIovecWithLengthFirstIsFine() {
        // iovec field order is the C library's business; Java writes at the offsets cn_abi gives
        List<String> d = AbiCheck.differences(loadedExcept(Map.of(LibCoronet.CN_ABI_IOVEC_BASE_OFFSET, 8L,
                LibCoronet.CN_ABI_IOVEC_LEN_OFFSET, 0L)));
        assertEquals(List.of(), d);
        assertTrue(AbiCheck.differences(loadedExcept(Map.of(LibCoronet.CN_ABI_IOV_MAX, 0L)))
                .contains("IOV_MAX 0, this jar expects at least 1"));
    }
}
