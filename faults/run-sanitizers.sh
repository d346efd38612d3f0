#!/usr/bin/env bash
# run-sanitizers.sh: the native C tests and the stress driver under AddressSanitizer and
# UndefinedBehaviorSanitizer, for every backend this OS builds (epoll/kqueue via "auto", and poll).
#
#   faults/run-sanitizers.sh [BUILD_ROOT]        (default ${TMPDIR:-/tmp}/coronet-faults-asan)
#
# Each backend: cmake -DCORONET_SANITIZE=ON (-fsanitize=address,undefined, no recovery from UB),
# then ctest (one process per C test case, plus native.stress), then a longer stress run with
# more pairs and another seed, and the fault-suite's own fuzz driver (faults/fuzz) when present.
# Any sanitizer report fails the run (ASan aborts; UBSan: -fno-sanitize-recover).
# Exit status 0 only if everything passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=${1:-${TMPDIR:-/tmp}/coronet-faults-asan}
jobs=$(nproc 2>/dev/null || echo 2)
# detect_leaks: LeakSanitizer on (default on Linux x86_64; made explicit). abort_on_error: a core
# dump-like exit that ctest reports as a failure. halt_on_error for UBSan matches -fno-sanitize-recover.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

backends=(auto poll)
status=0
# rows for faults/matrix.sh (docs/FAULTS.md) when asked for
matrix=${CORONET_FAULTS_MATRIX_DIR:-}
row() { [[ -z "$matrix" ]] || { mkdir -p "$matrix"; printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$matrix/native-sanitizers.tsv"; }; }
[[ -z "$matrix" ]] || { mkdir -p "$matrix"; rm -f "$matrix/native-sanitizers.tsv"; }
for backend in "${backends[@]}"; do
    dir="$out/$backend"
    echo "== sanitizers: backend $backend ($dir)"
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCORONET_SANITIZE=ON \
          -DCORONET_BACKEND="$backend" -DCORONET_LIBRARY_NAME=coronet >/dev/null
    cmake --build "$dir" --parallel "$jobs" >/dev/null
    if ctest --test-dir "$dir" --output-on-failure --timeout 300 >"$dir/ctest.log" 2>&1; then
        row "4 memory safety" "C tests + stress driver under ASan+UBSan, backend $backend" \
            "every case passes, no sanitizer report, no leak" PASS "$(grep -o '[0-9]*% tests passed.*' "$dir/ctest.log")"
    else
        cat "$dir/ctest.log"
        echo "!! ctest under ASan/UBSan failed for backend $backend" >&2
        row "4 memory safety" "C tests + stress driver under ASan+UBSan, backend $backend" \
            "every case passes, no sanitizer report, no leak" FAIL "$(grep -o '[0-9]*% tests passed.*' "$dir/ctest.log")"
        status=1
    fi
    if "$dir/coronet_stress" --iterations 200000 --seconds 60 --pairs 256 --seed 20261127 >"$dir/stress.log" 2>&1; then
        row "4 memory safety" "long stress (200,000 random poller/socket ops, 256 pairs) under ASan+UBSan, backend $backend" \
            "no contract violation, no sanitizer report" PASS "$(grep -o '[0-9]* iterations, [0-9]* waits.*' "$dir/stress.log" | head -1)"
    else
        cat "$dir/stress.log"
        echo "!! long stress under ASan/UBSan failed for backend $backend" >&2
        row "4 memory safety" "long stress under ASan+UBSan, backend $backend" "no sanitizer report" FAIL "see $dir/stress.log"
        status=1
    fi
    if [[ -f "$here/fuzz/fuzz_native.c" ]]; then
        cc=${CC:-cc}
        $cc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer -DCN_FUZZ_STANDALONE -I"$root/native/include" \
            "$here/fuzz/fuzz_native.c" -L"$dir" -Wl,-rpath,"$dir" -lcoronet -o "$dir/fuzz_native"
        if "$dir/fuzz_native" --runs "${FUZZ_RUNS:-2000}" --seed 1 </dev/null >"$dir/fuzz.log" 2>&1; then
            row "4 memory safety" "native fuzz driver (faults/fuzz/fuzz_native.c, ${FUZZ_RUNS:-2000} random call programs) under ASan+UBSan, backend $backend" \
                "returns >= 0 or -errno, events within capacity and known bits, no sanitizer report" PASS "$(tail -1 "$dir/fuzz.log")"
        else
            cat "$dir/fuzz.log"
            echo "!! fuzz driver under ASan/UBSan failed for backend $backend" >&2
            row "4 memory safety" "native fuzz driver under ASan+UBSan, backend $backend" "no failure" FAIL "see $dir/fuzz.log"
            status=1
        fi
    fi
done
if (( status == 0 )); then
    echo "== sanitizers: all passed (backends: ${backends[*]})"
fi
[[ -z "$matrix" ]] || echo "Native checks (faults/run-sanitizers.sh, faults/run-valgrind.sh), $(uname -sr), $(date -u +%F)" >"$matrix/_run.txt"
exit $status
