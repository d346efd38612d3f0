#!/usr/bin/env bash
# soak.sh: the long soak with an independent C client: benchmarks/loadgen (epoll, verifies every
# echoed byte against a per-connection pattern) against the daemon started by bin/coronet.
#
#   faults/soak.sh [CONNECTIONS] [SECONDS]        (defaults: 10000 60)
#
# Passes when loadgen reports 0 mismatches, 0 unexpected closes, 0 connect failures and 0 errors,
# and the daemon then exits 0 on SIGTERM. The JUnit soak (SoakFaultTest, -Dcoronet.faults.long=true)
# is the same check with a Java client that also half-closes every connection at the end.
# Environment: CORONET_LOOPS (default: number of cores), SIZE (message bytes, 512), PIPELINE (4).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
conns=${1:-10000}; secs=${2:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/coronet-soak.XXXXXX")
loadgen="$work/loadgen"
make -s -C "$root/benchmarks/loadgen" BUILD="$work" >/dev/null
[[ -x "$loadgen" ]] || { echo "soak: could not build benchmarks/loadgen" >&2; exit 1; }

"$root/bin/coronet" serve --protocol handshake --host 127.0.0.1 --port 0 \
    --loops "${CORONET_LOOPS:-$(nproc)}" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
trap 'kill -9 $daemon 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q '^listening on' "$work/daemon.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/daemon.out")
[[ -n "$port" ]] || { echo "soak: daemon did not start:" >&2; cat "$work/daemon.err" >&2; exit 1; }
echo "soak: daemon pid $daemon on port $port; $conns connections for $secs s" >&2

"$loadgen" --host 127.0.0.1 --port "$port" --connections "$conns" --handshake \
    --size "${SIZE:-512}" --pipeline "${PIPELINE:-4}" --warmup 2 --duration "$secs" \
    --connect-timeout 60 >"$work/result.json" 2>"$work/loadgen.err" || true
result=$(cat "$work/result.json")
echo "$result"
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$result"; }
ok=1
for f in mismatches unexpected_closes connect_failures errors; do
    v=$(field "$f")
    [[ "$v" == 0 ]] || { echo "soak: $f = ${v:-missing}" >&2; ok=0; }
done
[[ "$(field connected)" == "$conns" ]] || { echo "soak: connected $(field connected) of $conns" >&2; ok=0; }
(( status == 0 )) || { echo "soak: daemon exit status $status after SIGTERM" >&2; ok=0; }
if (( ok )); then
    echo "soak: PASS ($conns connections, $secs s, every byte verified, daemon exited 0)" >&2
    rm -rf "$work"
    exit 0
fi
echo "soak: FAIL (logs in $work)" >&2
exit 1
