# Toolchain: linux-x86_64 against musl (Alpine), with Debian's musl-gcc wrapper
# (apt-get install musl-tools). Not a cross build: the tests run here natively through
# musl's loader /lib/ld-musl-x86_64.so.1 (package musl, pulled in by musl-tools).
set(CMAKE_C_COMPILER musl-gcc)
