/*
 * abi_skewed.c - for the Java tests only: libcoronet_test_skewed_abi, the real library
 * whose cn_abi() answers like a library built from another coronet.h (ABI version + 1,
 * a bigger cn_event). NativeLibrary must refuse to use it (NativeLibraryTest loads it).
 */
#define cn_abi cn__abi_of_this_header
#include "../src/abi.c"
#undef cn_abi

int64_t cn_abi(int key);

int64_t cn_abi(int key) {
    switch (key) {
    case CN_ABI_VERSION: return CORONET_ABI_VERSION + 1;
    case CN_ABI_EVENT_SIZE: return 24;
    default: return cn__abi_of_this_header(key);
    }
}
