#!/usr/bin/env bash
# matrix.sh: renders the fault matrix (docs/FAULTS.md) from the rows the fault suite recorded.
#
#   faults/matrix.sh [--out FILE] DIR [DIR...]
#
# Each DIR is a matrix directory: app/target/faults-matrix after `mvn test` (FaultMatrix, one
# <TestClass>.tsv per class plus _run.txt describing the run), or one written by
# run-sanitizers.sh / run-valgrind.sh (native.tsv) when CORONET_FAULTS_MATRIX_DIR is set.
# Rows are: area, case, expectation, result (PASS/FAIL/SKIP), measured. One table per DIR, in
# the order given, under a heading taken from its _run.txt. FILE defaults to docs/FAULTS.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out="$root/docs/FAULTS.md"
if [[ "${1:-}" == --out ]]; then out=$2; shift 2; fi
(( $# > 0 )) || { echo "usage: $0 [--out FILE] DIR [DIR...]" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
{
cat <<'HEAD'
# Fault matrix

What coronet does when peers misbehave, resources run out, memory is abused and signals arrive
(issue 6). Every row is an automated, bounded test against the real daemon (a child process) or
the real library over real sockets; the tables are generated from the test run by
`faults/matrix.sh` (do not edit them by hand). How to run each part: [faults/README.md](../faults/README.md).

Areas: **1** bad peers, **2** resource exhaustion, **3** data integrity under load, **4** memory
safety (C under sanitizers/valgrind, Java argument validation, fuzzing), **5** signals and shutdown.
HEAD
for dir in "$@"; do
    shopt -s nullglob
    files=("$dir"/*.tsv)
    (( ${#files[@]} > 0 )) || { echo "matrix.sh: no rows in $dir" >&2; continue; }
    caption="$(cat "$dir/_run.txt" 2>/dev/null || echo "$dir")"
    total=$(cat "${files[@]}" | wc -l)
    passed=$(cat "${files[@]}" | awk -F'\t' '$4 == "PASS"' | wc -l)
    failed=$(cat "${files[@]}" | awk -F'\t' '$4 == "FAIL"' | wc -l)
    skipped=$(cat "${files[@]}" | awk -F'\t' '$4 == "SKIP"' | wc -l)
    printf '\n## %s\n\n%d cases: %d passed, %d failed, %d skipped.\n\n' "$caption" "$total" "$passed" "$failed" "$skipped"
    echo '| Area | Case | Expectation | Result | Measured |'
    echo '|---|---|---|---|---|'
    # sort by area (stable: keeps each class's order), escape nothing but pipes (FaultMatrix removed them)
    cat "${files[@]}" | sort -t$'\t' -k1,1 -s | awk -F'\t' '{
        r = $4 == "PASS" ? "**PASS**" : ($4 == "FAIL" ? "**FAIL**" : $4)
        gsub(/\|/, "/", $5)
        printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, r, $5
    }'
done
if [[ -f "$here/matrix-notes.md" ]]; then
    echo
    cat "$here/matrix-notes.md"
fi
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out" >&2
