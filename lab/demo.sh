#!/bin/bash
# demo.sh: a two-node lizardfs-ha failover, live.
#
# Builds a two-host lab (lab/lab.sh: network namespaces, real keepalived,
# the shipped track check, lizardfs-ha as notify hook), crashes the master's
# metadata server and prints the timeline as the other node takes over.
# Always tears the lab down, also on Ctrl-C.
#
# Metadata servers: the REAL SaunaFS 5.8 binaries (sfsmaster, chunkserver,
# FUSE client; Debian sid chroot from lab/saunafs/provision.sh, built on
# first use, ~1-2 min) when that chroot can be provisioned, plus a client
# host whose I/O through the VIP is timed across the crash. Otherwise (no
# network to the Debian archive) the fake servers of test/fixtures, with a
# notice. DEMO_SERVER=fake forces the fakes, DEMO_SERVER=saunafs the real
# servers (no fallback).
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
client_io=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $follower ]]; then kill -- "-$follower" 2>/dev/null || true; fi
    if [[ -n $client_io ]]; then kill -- "-$client_io" 2>/dev/null || true; fi
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

# Real servers when the SaunaFS chroot can be had, else the fakes.
server=fake
case ${DEMO_SERVER:-auto} in
fake) echo "== metadata servers: fakes (DEMO_SERVER=fake)" ;;
auto | saunafs)
    echo "== real metadata servers: SaunaFS 5.8 from Debian sid in a chroot (lab/saunafs/provision.sh)"
    set +e
    bash "$REPO/lab/saunafs/provision.sh" 2>&1 | tee "$WORKDIR/provision.log" | sed 's/^/   /'
    prc=${PIPESTATUS[0]}
    set -e
    if ((prc == 0)); then
        server=saunafs
    else
        why=$(sed -n 's/^.*SKIPPED: //p' "$WORKDIR/provision.log" | tail -n 1)
        [[ -n $why ]] || why="provisioning failed (exit $prc, see above)"
        [[ ${DEMO_SERVER:-auto} == saunafs ]] && cannot "DEMO_SERVER=saunafs but the chroot is not available: $why"
        echo
        echo "demo: NOTICE: real SaunaFS servers not available ($why)."
        echo "demo: NOTICE: falling back to the FAKE metadata servers (test/fixtures): the failover is real keepalived + lizardfs-ha, the servers are stand-ins."
        echo
    fi
    ;;
*) cannot "DEMO_SERVER must be auto, saunafs or fake" ;;
esac
client=0
[[ $server == saunafs ]] && client=1

if ((client)); then
    echo "== building a two-node lab in $WORKDIR (h1 10.213.0.11, h2 10.213.0.12, VIP 10.213.0.9,"
    echo "   client c1 10.213.0.30: chunkserver + FUSE mount of the VIP)"
else
    echo "== building a two-node lab in $WORKDIR (h1 10.213.0.11, h2 10.213.0.12, VIP 10.213.0.9)"
fi
LAB_SERVER=$server LAB_CLIENT=$client "$LAB" up 2 "$WORKDIR"
master=$("$LAB" wait-settled "$WORKDIR" 30) || {
    echo "demo: the lab did not settle" >&2
    exit 1
}
peer=$([[ $master == h1 ]] && echo h2 || echo h1)

declare -A sums=()
if ((client)); then
    echo
    echo "== the client writes through the VIP (sha256 as written):"
    for f in file-1 file-2 file-3; do
        sums[$f]=$("$LAB" client-write "$WORKDIR" "$f" 512)
        printf '   %s  %s\n' "${sums[$f]}" "$f"
    done
fi

echo
if [[ $server == saunafs ]]; then
    echo "== $master is master. SIGKILL of its sfsmaster; watch $peer take over:"
else
    echo "== $master is master. Crashing its metadata server (like SIGKILL); watch $peer take over:"
fi
echo "   (time since the lab came up, host, event; 'check' = keepalived's track script)"
since=$EPOCHREALTIME
# Own process group, so the follower (tail | awk) can be stopped as a whole.
setsid "$LAB" timeline "$WORKDIR" -f --since "$since" &
follower=$!
sleep 0.5
"$LAB" kill-server "$WORKDIR" "$master"
if ((client)); then
    # Client I/O issued right after the crash: blocks until the cluster serves
    # again (bounded by lab.sh: 30 s); each result goes into the timeline.
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c '
        lab=$1 w=$2 want=$3
        if got=$("$lab" client-read "$w" file-1 2>&1); then
            [[ $got == "$want" ]] && r="ok, sha256 matches" || r="WRONG DATA ($got)"
            "$lab" mark "$w" "client read file-1 $r"
        else
            "$lab" mark "$w" "client read FAILED"
        fi
        if "$lab" client-write "$w" after-crash 256 >/dev/null 2>&1; then
            "$lab" mark "$w" "client write after-crash ok"
        else
            "$lab" mark "$w" "client write FAILED"
        fi
    ' demo-client "$LAB" "$WORKDIR" "${sums[file-1]}" </dev/null >/dev/null 2>&1 &
    client_io=$!
fi

ok=0
for ((i = 0; i < 60; i++)); do
    sleep 0.5
    if [[ $("$LAB" settled "$WORKDIR" 2>/dev/null) == "$peer" ]]; then
        ok=1
        break
    fi
done
if [[ -n $client_io ]]; then
    for ((i = 0; i < 70; i++)); do
        kill -0 "$client_io" 2>/dev/null || break
        sleep 0.5
    done
    client_io=""
fi
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

# Durations from the timeline: crash -> peer VRRP MASTER -> peer promoted
# (-> first client read and write through the VIP).
awk -v m="$master" -v p="$peer" -v since="$since" '
    $1 < since { next }
    $2 == m && $3 == "action" && $4 == "kill-server" && !k { k = $1 }
    $2 == p && $3 == "vrrp" && $4 == "MASTER" && !v { v = $1 }
    $2 == p && $3 == "notify-end" && $4 == "master" && !n { n = $1; rc = $5 }
    $2 == "lab" && $3 == "mark" && $4 == "client" && $5 == "read" && !r { r = $1; rok = ($7 ~ /^ok/) }
    $2 == "lab" && $3 == "mark" && $4 == "client" && $5 == "write" && !w { w = $1; wok = ($7 ~ /^ok/) }
    END {
        if (k && v) printf "\nserver crash -> %s VRRP MASTER: %.2f s", p, v - k
        if (k && n) printf "; -> %s promoted (notify master %s): %.2f s", p, rc, n - k
        if (k && r) printf "; -> first client read%s: %.2f s", rok ? "" : " (FAILED)", r - k
        if (k && w) printf "; -> first client write%s: %.2f s", wok ? "" : " (FAILED)", w - k
        print ""
    }' "$WORKDIR/timeline"
if ((client)); then
    bad=0
    for f in file-1 file-2 file-3; do
        got=$("$LAB" client-read "$WORKDIR" "$f" 2>/dev/null) || got=unreadable
        [[ $got == "${sums[$f]}" ]] || { bad=1; echo "demo: $f reads back as $got, written as ${sums[$f]}" >&2; }
    done
    if ((bad)); then
        echo "demo: data NOT intact after the failover" >&2
        exit 1
    fi
    echo "every file written before the crash reads back through the VIP with the same sha256"
    grep -q 'client write after-crash ok' "$WORKDIR/timeline" || { echo "demo: the client could not write after the failover" >&2; exit 1; }
fi
echo "lizardfs-ha's own log on $peer:"
grep -E 'notify MASTER' "$WORKDIR/$peer/lizardfs-ha.log" | tail -n 4 | sed 's/^/  /'
