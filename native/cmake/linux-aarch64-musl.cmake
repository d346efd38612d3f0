# Toolchain: linux-aarch64 against musl (Alpine on arm64), with zig cc, which ships
# musl's headers and builds musl's libc.so stub to link against. Debian has no aarch64
# musl cross compiler. Nothing here can run these binaries (no aarch64 musl loader).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CORONET_ZIG_TARGET aarch64-linux-musl)
include(${CMAKE_CURRENT_LIST_DIR}/zig.cmake)
