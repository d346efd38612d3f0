#!/usr/bin/env bash
# build-libfuzzer.sh: builds fuzz_native.c as a libFuzzer target, with libcoronet's sources
# compiled in (so libFuzzer sees their coverage), under ASan + UBSan. Needs clang (apt-get install clang).
#
#   faults/fuzz/build-libfuzzer.sh [OUT_DIR] [BACKEND]     (defaults: ${TMPDIR:-/tmp}/coronet-fuzz, epoll on Linux)
#   OUT_DIR/fuzz_native -max_total_time=600 -timeout=10 OUT_DIR/corpus
#   OUT_DIR/fuzz_native crash-<hash>          (replay one input)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-${TMPDIR:-/tmp}/coronet-fuzz}
backend=${2:-$([[ "$(uname -s)" == Linux ]] && echo epoll || echo kqueue)}
cc=${CLANG:-$(command -v clang || command -v clang-18 || command -v clang-17 || command -v clang-16 || command -v clang-15 || command -v clang-14 || true)}
[[ -n "$cc" ]] || { echo "build-libfuzzer: clang not found (apt-get install clang)" >&2; exit 1; }
mkdir -p "$out/corpus"
defs=(-D_GNU_SOURCE -DCN_BUILDING_LIBRARY)
[[ "$(uname -s)" == Linux ]] && defs+=(-DCN_HAVE_ACCEPT4 -DCN_HAVE_PIPE2)
"$cc" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -fno-omit-frame-pointer "${defs[@]}" -I"$root/native/include" \
      "$here/fuzz_native.c" "$root/native/src/poller_$backend.c" "$root/native/src/socket.c" \
      "$root/native/src/platform.c" "$root/native/src/abi.c" -lpthread -o "$out/fuzz_native"
echo "built $out/fuzz_native ($backend); run: $out/fuzz_native -max_total_time=600 -timeout=10 $out/corpus"
