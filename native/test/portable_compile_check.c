/*
 * portable_compile_check.c - compiles the non-Linux branches of platform.c and
 * socket.c on Linux: the macros that select Linux's atomic flags are removed after
 * the system headers are in, and SO_NOSIGPIPE is given macOS's value, so the
 * socket(2)+fcntl(2), accept(2)+fcntl(2), pipe(2)+fcntl(2) and SO_NOSIGPIPE paths
 * that macOS/BSD take are at least type-checked here. Built as an object library
 * only; nothing runs it.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#undef SOCK_NONBLOCK
#undef SOCK_CLOEXEC
#undef MSG_NOSIGNAL
#undef CN_HAVE_ACCEPT4
#undef CN_HAVE_PIPE2
#ifndef SO_NOSIGPIPE
#define SO_NOSIGPIPE 0x1022 /* macOS <sys/socket.h> */
#endif

#include "../src/platform.c"
#include "../src/socket.c"
