# Included by CMake after its Darwin platform files (CMAKE_USER_MAKE_RULES_OVERRIDE, set by
# macos.cmake): the shared library is linked by ld64.lld instead of zig's Mach-O linker.
# -S: no debug map (N_OSO entries name each .o by its absolute build path; without them the
# dylib is the same bytes wherever it is built).
set(CMAKE_C_CREATE_SHARED_LIBRARY
    "${CORONET_LD64} -dylib -arch ${CORONET_MACOS_ARCH} -platform_version macos ${CORONET_MACOS_MIN} ${CORONET_MACOS_MIN} -install_name @rpath/<TARGET_SONAME> -S -o <TARGET> <OBJECTS> <LINK_LIBRARIES> -L${CORONET_LIBSYSTEM_DIR} -lSystem.11")
