#!/bin/bash
# demo.sh: a two-node lizardfs-ha failover, live.
#
# Builds a two-host lab (lab/lab.sh: network namespaces, real keepalived,
# the shipped track check, lizardfs-ha as notify hook, fake metadata
# servers), crashes the master's metadata server and prints the timeline as
# the other node takes over. Always tears the lab down, also on Ctrl-C.
#
# Needs root (network namespaces, keepalived) and a built lizardfs-ha
# (npm run build). Exit 0 after a clean failover, 1 if it did not happen,
# 2 if it cannot run here. DEMO_KEEP=1 keeps the lab's files (not the lab).

set -euo pipefail

LAB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lab.sh
REPO=$(dirname "$(dirname "$LAB")")

cannot() {
    echo "demo: $*" >&2
    exit 2
}

[[ $(id -u) == 0 ]] || cannot "needs root: it creates network namespaces and runs keepalived (try: sudo $0)"
if ! command -v keepalived >/dev/null; then
    # A fresh machine: the demo is the README's first command, so bring keepalived in (Debian package).
    command -v apt-get >/dev/null || cannot "keepalived is not installed and there is no apt-get to install it"
    echo "== installing keepalived (Debian package)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends keepalived >/dev/null; } ||
        cannot "keepalived is not installed and apt-get could not install it"
fi
command -v ip >/dev/null || cannot "iproute2 (ip) is not installed"
[[ -f "$REPO/dist/cli/main.js" ]] || cannot "lizardfs-ha is not built: (cd $REPO && npm run build)"

WORKDIR=$(mktemp -d /tmp/lfsha-demo-XXXXXX)
follower=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $follower ]]; then kill -- "-$follower" 2>/dev/null || true; fi
    echo
    echo "== tearing the lab down"
    "$LAB" down "$WORKDIR" || true
    if [[ ${DEMO_KEEP:-0} == 1 ]]; then
        echo "lab files kept in $WORKDIR"
    else
        rm -rf "$WORKDIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building a two-node lab in $WORKDIR (h1 10.213.0.11, h2 10.213.0.12, VIP 10.213.0.9)"
"$LAB" up 2 "$WORKDIR"
master=$("$LAB" wait-settled "$WORKDIR" 30) || {
    echo "demo: the lab did not settle" >&2
    exit 1
}
peer=$([[ $master == h1 ]] && echo h2 || echo h1)

echo
echo "== $master is master. Crashing its metadata server (like SIGKILL); watch $peer take over:"
echo "   (time since the lab came up, host, event; 'check' = keepalived's track script)"
since=$EPOCHREALTIME
# Own process group, so the follower (tail | awk) can be stopped as a whole.
setsid "$LAB" timeline "$WORKDIR" -f --since "$since" &
follower=$!
sleep 0.5
"$LAB" kill-server "$WORKDIR" "$master"

ok=0
for ((i = 0; i < 60; i++)); do
    sleep 0.5
    if [[ $("$LAB" settled "$WORKDIR" 2>/dev/null) == "$peer" ]]; then
        ok=1
        break
    fi
done
sleep 1 # let the last lines through
kill -- "-$follower" 2>/dev/null || true
follower=""

echo
echo "== roles now"
"$LAB" roles "$WORKDIR"
if ((ok == 0)); then
    echo "demo: $peer did not take over within 30 s" >&2
    exit 1
fi

# Durations from the timeline: crash -> peer VRRP MASTER -> peer promoted.
awk -v m="$master" -v p="$peer" -v since="$since" '
    $1 < since { next }
    $2 == m && $3 == "action" && $4 == "kill-server" && !k { k = $1 }
    $2 == p && $3 == "vrrp" && $4 == "MASTER" && !v { v = $1 }
    $2 == p && $3 == "notify-end" && $4 == "master" && !n { n = $1; rc = $5 }
    END {
        if (k && v) printf "\nserver crash -> %s VRRP MASTER: %.2f s", p, v - k
        if (k && n) printf "; -> %s promoted (notify master %s): %.2f s", p, rc, n - k
        print ""
    }' "$WORKDIR/timeline"
echo "lizardfs-ha's own log on $peer:"
grep -E 'notify MASTER' "$WORKDIR/$peer/lizardfs-ha.log" | tail -n 4 | sed 's/^/  /'
