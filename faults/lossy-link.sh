#!/usr/bin/env bash
# lossy-link.sh: a pair of network namespaces joined by a delayed, lossy, reordering link.
#
#   faults/lossy-link.sh up NAME     creates namespaces NAME-c (client, 10.231.0.1) and
#                                    NAME-s (server, 10.231.0.2), joined by a /30 link; prints
#                                    "mode=netem|tunem client=10.231.0.1 server=10.231.0.2"
#   faults/lossy-link.sh down NAME   removes them (and prints the tunem counters, if any)
#
# The link: `tc qdisc ... netem` on a veth pair where the kernel has sch_netem; otherwise (e.g.
# CONFIG_NET_SCH_NETEM unset) the user-space forwarder faults/tunem.c over a TUN pair, with the
# same impairments. The addresses exist only inside the two namespaces.
#
# Environment: DELAY_MS (20), JITTER_MS (10), LOSS_PCT (1), REORDER_PCT (5), FORCE_TUNEM=1 (skip
# netem), TUNEM_BIN (where to build/find tunem; default ${TMPDIR:-/tmp}/coronet-faults-tunem).
# Exit status: 0 ok, 3 the kernel or the user may not create namespaces (callers skip), 1 other.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmd=${1:-}; name=${2:-}
[[ -n "$cmd" && -n "$name" ]] || { echo "usage: $0 up|down NAME" >&2; exit 1; }
[[ ${#name} -le 8 ]] || { echo "lossy-link: NAME must be at most 8 characters (interface names are <= 15)" >&2; exit 1; }
delay=${DELAY_MS:-20}; jitter=${JITTER_MS:-10}; loss=${LOSS_PCT:-1}; reorder=${REORDER_PCT:-5}
state=${TMPDIR:-/tmp}/coronet-faults-link-$name
cli=$name-c; srv=$name-s

down() {
    if [[ -f "$state.pid" ]]; then
        pid=$(cat "$state.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$state.pid"
    fi
    [[ -f "$state.log" ]] && cat "$state.log" >&2 && rm -f "$state.log"
    ip netns del "$cli" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
}

if [[ "$cmd" == down ]]; then
    down
    exit 0
fi
[[ "$cmd" == up ]] || { echo "usage: $0 up|down NAME" >&2; exit 1; }

command -v ip >/dev/null || { echo "lossy-link: 'ip' (iproute2) is missing: apt-get install iproute2" >&2; exit 3; }
if ! ip netns add "$cli" 2>"$state.err"; then
    echo "lossy-link: cannot create network namespaces here: $(cat "$state.err")" >&2
    rm -f "$state.err"; exit 3
fi
rm -f "$state.err"
trap 'down; exit 1' ERR
ip netns add "$srv"
ip -n "$cli" link set lo up
ip -n "$srv" link set lo up

netem_ok() {
    [[ "${FORCE_TUNEM:-0}" != 1 ]] && command -v tc >/dev/null || return 1
    ip -n "$cli" link add probe0 type dummy 2>/dev/null || return 1
    local ok=1
    ip netns exec "$cli" tc qdisc add dev probe0 root netem delay 1ms 2>/dev/null && ok=0
    ip -n "$cli" link del probe0 2>/dev/null || true
    return $ok
}

if netem_ok; then
    ip link add "$name-v0" netns "$cli" type veth peer name "$name-v1" netns "$srv"
    ip -n "$cli" addr add 10.231.0.1/30 dev "$name-v0"
    ip -n "$srv" addr add 10.231.0.2/30 dev "$name-v1"
    ip -n "$cli" link set "$name-v0" up
    ip -n "$srv" link set "$name-v1" up
    # both directions impaired; "reorder P% 50%": P% of packets go at once, ahead of delayed ones
    for pair in "$cli $name-v0" "$srv $name-v1"; do
        set -- $pair
        ip netns exec "$1" tc qdisc add dev "$2" root netem delay "${delay}ms" "${jitter}ms" \
            loss "${loss}%" reorder "${reorder}%" 50%
    done
    echo "mode=netem client=10.231.0.1 server=10.231.0.2"
    exit 0
fi

# ---- no netem: the user-space forwarder over TUN --------------------------------------------
bin=${TUNEM_BIN:-${TMPDIR:-/tmp}/coronet-faults-tunem}
if [[ ! -x "$bin" || "$here/tunem.c" -nt "$bin" ]]; then
    ${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -o "$bin.tmp.$$" "$here/tunem.c"
    mv "$bin.tmp.$$" "$bin"
fi
rm -f "$state.ready"
lossf=$(awk "BEGIN{print $loss/100}"); reorderf=$(awk "BEGIN{print $reorder/100}")
"$bin" --ns-a "$cli" --dev-a "$name-t0" --ns-b "$srv" --dev-b "$name-t1" \
       --delay-ms "$delay" --jitter-ms "$jitter" --loss "$lossf" --reorder "$reorderf" \
       --seed "${SEED:-1}" --ready-file "$state.ready" </dev/null >/dev/null 2>"$state.log" &
echo $! >"$state.pid"
for _ in $(seq 100); do [[ -s "$state.ready" ]] && break; kill -0 "$(cat "$state.pid")" 2>/dev/null || break; sleep 0.05; done
if [[ ! -s "$state.ready" ]]; then
    echo "lossy-link: tunem did not start: $(cat "$state.log")" >&2
    down; exit 1
fi
rm -f "$state.ready"
ip -n "$cli" addr add 10.231.0.1/30 dev "$name-t0"
ip -n "$srv" addr add 10.231.0.2/30 dev "$name-t1"
ip -n "$cli" link set "$name-t0" up
ip -n "$srv" link set "$name-t1" up
echo "mode=tunem client=10.231.0.1 server=10.231.0.2 delay=${delay}ms jitter=${jitter}ms loss=${loss}% reorder=${reorder}%"
