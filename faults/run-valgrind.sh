#!/usr/bin/env bash
# run-valgrind.sh: the native C tests and the stress driver under valgrind memcheck, for each
# backend (auto = epoll/kqueue, and poll). Slower than the sanitizers (run-sanitizers.sh), so it is
# a once-per-change check rather than every CI run; the result is recorded in docs/FAULTS.md.
#
#   faults/run-valgrind.sh [BUILD_ROOT]      (default ${TMPDIR:-/tmp}/coronet-faults-valgrind)
#
# memcheck flags: every error is fatal (--error-exitcode), leaks of any kind count
# (--errors-for-leak-kinds=definite,indirect,possible), forked children (the test runner runs each
# case in a child) are followed (--trace-children=yes).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=${1:-${TMPDIR:-/tmp}/coronet-faults-valgrind}
command -v valgrind >/dev/null || { echo "run-valgrind: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --trace-children=yes --quiet)

status=0
matrix=${CORONET_FAULTS_MATRIX_DIR:-}
row() { [[ -z "$matrix" ]] || { mkdir -p "$matrix"; printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$matrix/native-valgrind.tsv"; }; }
[[ -z "$matrix" ]] || { mkdir -p "$matrix"; rm -f "$matrix/native-valgrind.tsv"; }
for backend in auto poll; do
    before=$status
    dir="$out/$backend"
    echo "== valgrind: backend $backend ($dir)"
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCORONET_SANITIZE=OFF \
          -DCORONET_BACKEND="$backend" -DCORONET_LIBRARY_NAME=coronet >/dev/null
    cmake --build "$dir" --parallel "$jobs" >/dev/null
    log="$dir/valgrind-tests.log"
    if "${vg[@]}" --log-file="$log.%p" "$dir/coronet_tests" >"$dir/tests.out" 2>&1; then
        tail -n 1 "$dir/tests.out"
    else
        echo "!! C tests under valgrind failed (backend $backend):" >&2
        tail -n 20 "$dir/tests.out" >&2
        status=1
    fi
    if ! "${vg[@]}" --log-file="$dir/valgrind-stress.log" "$dir/coronet_stress" --iterations 20000 --seconds 120; then
        echo "!! stress under valgrind failed (backend $backend): $dir/valgrind-stress.log" >&2
        status=1
    fi
    # any memcheck report in any process (children included) fails the run
    if grep -l "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|Invalid \(read\|write\)" "$log".* "$dir/valgrind-stress.log" 2>/dev/null; then
        echo "!! valgrind reported errors (files above)" >&2
        status=1
    fi
    if (( status == before )); then
        row "4 memory safety" "C tests + stress driver (20,000 ops) under valgrind memcheck, backend $backend" \
            "0 errors, no leak (definite/indirect/possible)" PASS "$(tail -n 1 "$dir/tests.out"); memcheck clean"
    else
        row "4 memory safety" "C tests + stress driver under valgrind memcheck, backend $backend" \
            "0 errors, no leak" FAIL "see $dir/valgrind-*.log"
    fi
done
(( status == 0 )) && echo "== valgrind: clean (backends: auto poll)"
[[ -z "$matrix" ]] || echo "Native checks (faults/run-sanitizers.sh, faults/run-valgrind.sh), $(uname -sr), $(date -u +%F)" >"$matrix/_run.txt"
exit $status
