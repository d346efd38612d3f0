#!/usr/bin/env bash
# toolkit-rounds.sh: ToolkitBenchmark in interleaved rounds (each round runs every benchmark once,
# one fork each), then the median of the per-round scores with their spread and the ratios to the
# JDK peers taken round by round. The machine is noisy: read ratios, not lone absolute times.
#
#   benchmarks/jmh/toolkit-rounds.sh [ROUNDS]      (default 3; needs benchmarks/jmh/target/benchmarks.jar)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
java=${JAVA:-$("$root/bin/find-jdk")}   # a java executable, JDK >= 21
out=$(mktemp -d)
for r in $(seq 1 "$rounds"); do
    echo "== round $r of $rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$java" -jar "$here/target/benchmarks.jar" 'ToolkitBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 1s \
        -rf json -rff "$out/round-$r.json" >"$out/round-$r.log" 2>&1
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
per = {}  # benchmark -> [score per round]
for r in range(1, rounds + 1):
    for b in json.load(open(f"{out}/round-{r}.json")):
        per.setdefault(b["benchmark"].split(".")[-1], []).append(b["primaryMetric"]["score"])
def med(xs): return statistics.median(xs)
print("| benchmark | median ns/op | min - max over rounds |")
print("| --- | --- | --- |")
for name, xs in per.items():
    print(f"| `{name}` | {med(xs):.0f} | {min(xs):.0f} - {max(xs):.0f} |")
pairs = [("offloadRoundTrip", "executorRoundTrip"), ("channelAcrossLoops", "blockingQueueAcrossThreads"),
         ("channelOneLoop", "blockingQueueVirtualThreads")]
print()
print("| ratio (round by round) | median | min - max |")
print("| --- | --- | --- |")
for a, b in pairs:
    rs = [x / y for x, y in zip(per[a], per[b])]
    print(f"| `{a}` / `{b}` | {med(rs):.2f} | {min(rs):.2f} - {max(rs):.2f} |")
PY
