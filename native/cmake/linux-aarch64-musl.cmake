# Toolchain: linux-aarch64 against musl (Alpine on arm64), with zig cc, which ships
# musl's headers and builds musl's libc.so stub to link against. Debian has no aarch64
# musl cross compiler.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CORONET_ZIG_TARGET aarch64-linux-musl)
include(${CMAKE_CURRENT_LIST_DIR}/zig.cmake)
# The C tests link statically (musl and the library's sources inside), so qemu-aarch64-static
# runs them without an aarch64 musl loader: the same sources, compiler and flags as the .so in
# the jar, though not that file itself.
set(CORONET_STATIC_TESTS ON CACHE BOOL "static C test programs (see linux-aarch64-musl.cmake)")
find_program(CORONET_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CORONET_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CORONET_QEMU_AARCH64})
endif()
