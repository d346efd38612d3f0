# Shared part of the macOS toolchains (included with CORONET_MACOS_ARCH = arm64 or x86_64).
# Compiling: zig cc against the Darwin headers Zig ships (the macOS SDK's own <sys/event.h>,
# <sys/socket.h>, ...), deployment target macOS 11.0 (the oldest Zig 0.11 has headers for).
# Linking the dylib: ld64.lld (Debian's lld), against Zig's libSystem.tbd. Zig 0.11's own
# Mach-O linker puts hidden (private extern) symbols into the exports trie, so every
# cn__ helper would be exported; lld exports exactly the default-visibility cn_ functions.
# The test executables are linked by zig cc (what they export does not matter).
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_PROCESSOR ${CORONET_MACOS_ARCH})
set(CORONET_MACOS_MIN 11.0)
if(CORONET_MACOS_ARCH STREQUAL "arm64")
  set(CORONET_ZIG_TARGET aarch64-macos.${CORONET_MACOS_MIN})
else()
  set(CORONET_ZIG_TARGET x86_64-macos.${CORONET_MACOS_MIN})
endif()
include(${CMAKE_CURRENT_LIST_DIR}/zig.cmake)
if(NOT CORONET_LD64)
  find_program(CORONET_LD64 NAMES ld64.lld ld64.lld-20 ld64.lld-19 ld64.lld-18 ld64.lld-17 ld64.lld-16 ld64.lld-15 ld64.lld-14)
endif()
if(NOT CORONET_LD64)
  message(FATAL_ERROR "ld64.lld not found: apt-get install lld (or pass -DCORONET_LD64=/path/to/ld64.lld)")
endif()
get_filename_component(_cn_zig_dir "${CORONET_ZIG}" DIRECTORY)
set(CORONET_LIBSYSTEM_DIR "${_cn_zig_dir}/lib/libc/darwin")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CORONET_LD64 CORONET_MACOS_ARCH)
# Platform/Darwin.cmake sets the link rule after this file; the rules override comes later.
set(CMAKE_USER_MAKE_RULES_OVERRIDE ${CMAKE_CURRENT_LIST_DIR}/macos-link-rule.cmake)
# The C test programs sit in the build tree's root, the libraries in lib/ (native/build-all sets
# CMAKE_LIBRARY_OUTPUT_DIRECTORY): a relative rpath lets the tree run on a Mac after copying
# (the CI workflow's natives-on-macos job), where the Linux build path means nothing.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath,@executable_path/lib")
