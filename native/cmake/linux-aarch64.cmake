# Toolchain: linux-aarch64 (glibc) from a Linux x86_64 machine, with Debian's cross gcc
# (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross). The C tests run under
# qemu user-mode emulation (apt-get install qemu-user-static) with the cross glibc in
# /usr/aarch64-linux-gnu as the loader's root, so ctest works as on the host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CORONET_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${CORONET_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
find_program(CORONET_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CORONET_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CORONET_QEMU_AARCH64} -L ${CORONET_AARCH64_SYSROOT})
endif()
