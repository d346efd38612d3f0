# Toolchain: macOS on Apple silicon (arm64), kqueue backend. See macos.cmake.
set(CORONET_MACOS_ARCH arm64)
include(${CMAKE_CURRENT_LIST_DIR}/macos.cmake)
