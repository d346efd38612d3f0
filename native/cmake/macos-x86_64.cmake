# Toolchain: macOS on Intel (x86_64, also what an x86_64 JVM under Rosetta 2 loads), kqueue backend. See macos.cmake.
set(CORONET_MACOS_ARCH x86_64)
include(${CMAKE_CURRENT_LIST_DIR}/macos.cmake)
