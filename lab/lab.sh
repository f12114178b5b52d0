#!/bin/bash
# lab.sh: N "hosts" (network namespaces) on a private bridge, each running a
# real keepalived with a config from lizardfs-ha's own renderer, the real
# track check, notify hooks that run lizardfs-ha, and a metadata server
# (the fake LizardFS binaries by default, see lab/lib/server-*.sh).
#
#   lab.sh up N WORKDIR            build and start; waits for the first election
#   lab.sh down WORKDIR            kill everything, delete the namespaces (idempotent)
#
# Helpers (WORKDIR may be left out when $LFSHA_LAB names it):
#   lab.sh exec [WORKDIR] HOST CMD...      run CMD in HOST's namespace with its env
#   lab.sh kill-server [WORKDIR] HOST      the metadata server dies (SIGKILL-like)
#   lab.sh start-server [WORKDIR] HOST master|shadow
#   lab.sh restart-server [WORKDIR] HOST master|shadow
#   lab.sh server-status [WORKDIR] HOST    porcelain status line, as the check sees it
#   lab.sh server-show [WORKDIR] HOST      backend state (fake: fake-lfs show JSON)
#   lab.sh stop-keepalived [WORKDIR] HOST  SIGTERM (keepalived sends priority 0), wait for exit
#   lab.sh kill-keepalived [WORKDIR] HOST  SIGKILL keepalived and its VRRP child (VIP stays!)
#   lab.sh start-keepalived [WORKDIR] HOST
#   lab.sh isolate|rejoin [WORKDIR] HOST   unplug / replug HOST's cable on the bridge
#   lab.sh vrrp-state [WORKDIR] HOST       MASTER | BACKUP | FAULT | STOPPED
#   lab.sh roles [WORKDIR]                 one line per host: VRRP state, VIP, server status
#   lab.sh wait-master [WORKDIR] [SECS]    wait until exactly one host is VRRP MASTER; print it
#   lab.sh wait-settled [WORKDIR] [SECS]   wait until one VRRP MASTER with a master server, all
#                                          others connected shadows (keepalived BACKUP or
#                                          stopped), no notify hook running; print the master
#   lab.sh settled [WORKDIR]               the same, checked once (exit 1 if not)
#   lab.sh mark [WORKDIR] TEXT...          add a line to the timeline
#   lab.sh timeline [WORKDIR] [-f] [--since EPOCH]
#                                          the timeline, times relative to `up` (-f: follow)
#   lab.sh vip [WORKDIR]                   the host(s) holding the VIP
#   lab.sh hosts [WORKDIR]                 host names
#   lab.sh sample-roles [WORKDIR] SECS [INTERVAL]
#                                          every INTERVAL s (0.1) for SECS s: one line
#                                          "<epoch> h1=<status> h2=..." (porcelain words
#                                          joined by '/', or "down": no answer within
#                                          LAB_STATUS_TIMEOUT, default 0.5 s), all hosts
#                                          probed at once
#
# Metadata server backend: LAB_SERVER=fake (default, test/fixtures fakes) or
# LAB_SERVER=saunafs (real SaunaFS 5.8 in the chroot of lab/saunafs/provision.sh;
# see lab/lib/server-saunafs.sh). With LAB_CLIENT=1 (saunafs only) `up` also
# makes a client host c1 (namespace lfsha-<id>-c1, 10.213.0.30) running a
# chunkserver and a FUSE mount of the VIP, started once the cluster settled:
#   lab.sh client-path [WORKDIR]           the mount point, as seen from the root namespace
#   lab.sh client-write [WORKDIR] NAME [KIB]
#                                          write KIB (default 256) random KiB to NAME through
#                                          the mount, fsync; print its sha256
#   lab.sh client-read [WORKDIR] NAME      sha256 of NAME read back through the mount
#   lab.sh client-status [WORKDIR]         chunkserver / mount state
# (each client I/O is bounded by LAB_CLIENT_TIMEOUT seconds, default 30).
#
# keepalived tuning: LAB_ADVERT_INT (default 1; below 1 renders VRRPv3),
# LAB_CHECK_TIMEOUT (track check timeout, default 3), LAB_CHECK_FALL (default
# 2), LAB_PRIORITY_TOP (hN gets TOP - 10 * N; default 110: h1 100, h2 90),
# LAB_FIFO=1 (events through vrrp_notify_fifo to a resident `lizardfs-ha
# fifo` reader, as keepalived/notify-fifo/ does, instead of notify_* hooks),
# LAB_TRACK_FILE=1 (with LAB_FIFO=1: the reader also keeps a track_file).
# The track file lives in WORKDIR/hN/server.track.
# Not available here: vrrp_track_process. keepalived learns of process exits
# from the kernel's proc connector, which answers only in the initial network
# namespace ("Failed to set/clear process event listen - errno 111"; the
# instance then stays FAULT).
#
# Needs root, keepalived, iproute2, node and a built lizardfs-ha (npm run
# build). Namespaces are lfsha-<id>-h1..hN plus lfsha-<id>-br (the bridge);
# addresses 10.213.0.11.. , VIP 10.213.0.9/24; unicast VRRP only.
#
# WORKDIR keeps everything: per host hN/ (keepalived.conf, keepalived.log,
# lizardfs-ha.log, wrappers in hN/bin), the shared server state, and
# `timeline`: "<epoch seconds> <host|lab> <event> <details>" lines, appended
# by the notify wrappers (notify-start/notify-end), by a follower of each
# keepalived's log (vrrp MASTER/BACKUP/FAULT/STOPPED, check ok/failed), and by
# the helpers above (action ...).

set -euo pipefail

LAB_SH=$(readlink -f "${BASH_SOURCE[0]}")
LAB_DIR=$(dirname "$LAB_SH")
REPO=$(dirname "$LAB_DIR")
SUBNET=10.213.0
VIP=$SUBNET.9
VIP_PREFIX=24
ADMIN_PORT=9421
VRID=94
# Whole seconds (keepalived's script timeout); see write_wrappers.
CHECK_TIMEOUT=${LAB_CHECK_TIMEOUT:-3}

die() {
    echo "lab: $*" >&2
    exit 1
}

host_ip() { echo "$SUBNET.$((10 + ${1#h}))"; }
client_ip() { echo "$SUBNET.30"; }
client_ns() { echo "$NS_PREFIX-c1"; }
host_ns() { echo "$NS_PREFIX-$1"; }
br_ns() { echo "$NS_PREFIX-br"; }
hosts() {
    local i
    for ((i = 1; i <= N; i++)); do echo "h$i"; done
}
now() { echo "$EPOCHREALTIME"; }

# timeline EVENT-WHO EVENT DETAILS...
tl() {
    local who=$1
    shift
    printf '%s %s %s\n' "$(now)" "$who" "$*" >>"$WORKDIR/timeline"
}

load_lab() {
    WORKDIR=$(readlink -f "$1")
    [[ -f "$WORKDIR/lab.env" ]] || die "$WORKDIR is not a lab (no lab.env)"
    # shellcheck disable=SC1091
    . "$WORKDIR/lab.env"
    LAB_SERVER=${LAB_SERVER:-fake}
    LAB_CLIENT=${LAB_CLIENT:-0}
    # shellcheck disable=SC1090
    . "$LAB_DIR/lib/server-$LAB_SERVER.sh"
}

valid_host() {
    [[ $1 =~ ^h[0-9]+$ ]] && ((${1#h} >= 1 && ${1#h} <= N)) || die "no host $1 in this lab (h1..h$N)"
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
pid_of() { [[ -s $1 ]] && cat "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------
# keepalived
# ---------------------------------------------------------------------------

keepalived_pid() { pid_of "$WORKDIR/$1/keepalived.pid"; }

start_keepalived() {
    local h=$1 d="$WORKDIR/$1"
    local pid
    pid=$(keepalived_pid "$h")
    if pid_alive "$pid"; then die "keepalived already runs on $h (pid $pid)"; fi
    rm -f "$d/keepalived.pid" "$d/vrrp.pid"
    tl "$h" action start-keepalived
    # keepalived logs to stderr with 1 s timestamps: the follower stamps each
    # line with microseconds and extracts the transitions into the timeline.
    # setsid: the pair outlives this script and is killed by pid later.
    setsid bash -c '
        ip netns exec "$1" keepalived -n -l -D -G --vrrp -f "$2/keepalived.conf" \
            -p "$2/keepalived.pid" -r "$2/vrrp.pid" 2>&1 </dev/null |
            "$3" "$4" "$2/keepalived.log" "$5/timeline"
    ' lab-keepalived "$(host_ns "$h")" "$d" "$LAB_DIR/lib/keepalived-follow.sh" "$h" "$WORKDIR" \
        </dev/null >/dev/null 2>&1 &
    echo $! >"$d/keepalived-runner.pid"
    local i
    for ((i = 0; i < 100; i++)); do
        pid=$(keepalived_pid "$h")
        if pid_alive "$pid" && [[ -s "$d/vrrp.pid" ]]; then return 0; fi
        sleep 0.05
    done
    tail -n 20 "$d/keepalived.log" >&2 || true
    die "keepalived on $h did not start (see $d/keepalived.log)"
}

stop_keepalived() {
    local h=$1 sig=${2:-TERM} d="$WORKDIR/$1"
    local pid vpid i
    pid=$(keepalived_pid "$h")
    vpid=$(pid_of "$d/vrrp.pid")
    tl "$h" action "$([[ $sig == KILL ]] && echo kill-keepalived || echo stop-keepalived)"
    if ! pid_alive "$pid" && ! pid_alive "$vpid"; then
        echo "lab: keepalived is not running on $h" >&2
        return 0
    fi
    if [[ $sig == KILL ]]; then
        # Both at once, like a crashed node: no priority-0 advert, VIP left in place.
        kill -KILL "$pid" "$vpid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    # A new keepalived refuses to start while the old pid lives.
    for ((i = 0; i < 200; i++)); do
        pid_alive "$pid" || pid_alive "$vpid" || break
        sleep 0.05
    done
    if pid_alive "$pid" || pid_alive "$vpid"; then
        echo "lab: keepalived on $h ignored SIG$sig for 10 s: SIGKILL" >&2
        kill -KILL "$pid" "$vpid" 2>/dev/null || true
    fi
    if [[ $sig == KILL ]]; then
        # keepalived had no chance to say so itself.
        tl "$h" vrrp STOPPED "(killed)"
    fi
    rm -f "$d/keepalived.pid" "$d/vrrp.pid"
}

vrrp_state() {
    local h=$1 pid
    pid=$(keepalived_pid "$h")
    if ! pid_alive "$pid"; then
        echo STOPPED
        return
    fi
    # Last transition the follower saw since this keepalived started.
    local st
    # keepalived logs no "Entering FAULT STATE" when an instance starts in
    # FAULT (check already failing): its notify hook says so.
    st=$(awk -v h="$h" '
        $2 != h { next }
        $3 == "vrrp" { s = $4 }
        $3 == "notify-start" && $4 == "fault" { s = "FAULT" }
        $3 == "action" && $4 == "start-keepalived" { s = "STARTING" }
        END { print s }' "$WORKDIR/timeline")
    echo "${st:-STARTING}"
}

has_vip() {
    ip -n "$(host_ns "$1")" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"
}

# ---------------------------------------------------------------------------
# up / down
# ---------------------------------------------------------------------------

# keepalived refuses scripts whose path a non-root user could change: every
# directory from / down to the wrappers must be root-owned and not writable by
# others (sticky directories like /tmp are fine).
check_path_secure() {
    local p=$1 cur=""
    local part owner mode
    IFS=/ read -r -a parts <<<"${p#/}"
    for part in "" "${parts[@]}"; do
        cur="${cur%/}/$part"
        [[ -e $cur ]] || continue
        read -r owner mode < <(stat -L -c '%u %a' "$cur")
        if [[ $owner != 0 ]]; then die "$cur is not owned by root: keepalived would refuse the lab's scripts"; fi
        # group/other writable without the sticky bit
        if (((8#$mode & 8#022) != 0 && (8#$mode & 8#1000) == 0)); then
            die "$cur is writable by non-root: keepalived would refuse the lab's scripts"
        fi
    done
}

write_wrappers() {
    local h=$1 d="$WORKDIR/$1"
    mkdir -p "$d/bin" "$d/state" "$d/notify-inflight"
    local envlines
    envlines=$(
        server_env "$h"
        printf 'export %s=%q\n' \
            LIZARDFS_HA_STATE_DIR "$d/state" \
            LIZARDFS_HA_LOG_FILE "$d/lizardfs-ha.log" \
            LIZARDFS_HA_SYSLOG 0 \
            LIZARDFS_HA_SERVICE_MANAGER direct \
            LIZARDFS_HA_PEERS "$(for p in $(hosts); do [[ $p == "$h" ]] || printf '%s:%s ' "$(host_ip "$p")" "$ADMIN_PORT"; done)" \
            LIZARDFS_HA_DEADLINE "${LAB_NOTIFY_DEADLINE:-20}"
    )
    printf '%s\n' "$envlines" >"$d/env"

    # The notify hook keepalived runs: record start and end in the timeline,
    # run the real CLI in between (the bundle, as the .deb ships it: ~0.1 s
    # less start-up than bin/). Not exec: the end must be recorded too.
    cat >"$d/bin/lizardfs-ha" <<EOF
#!/bin/bash
# lab notify wrapper for $h (generated by lab.sh): env, timeline, lizardfs-ha.
$envlines
tl() { printf '%s %s %s\n' "\$EPOCHREALTIME" $h "\$*" >>$(printf %q "$WORKDIR/timeline"); }
if [[ \${1:-} == fifo ]]; then
    # LAB_FIFO=1: the resident reader keepalived starts itself; it lives as
    # long as keepalived, so it is not an in-flight hook.
    tl fifo-reader-start "\$*"
    exec node $(printf %q "$REPO/dist/lizardfs-ha.cjs") "\$@"
fi
inflight=$(printf %q "$d/notify-inflight")/\$\$
: >"\$inflight"
trap 'rm -f "\$inflight"' EXIT
tl notify-start "\${2:-?}" "\$*"
# keepalived SIGTERMs the hook's process group when it stops.
trap 'tl notify-signal "\${2:-?}" TERM' TERM
node $(printf %q "$REPO/dist/lizardfs-ha.cjs") "\$@"
rc=\$?
tl notify-end "\${2:-?}" "rc=\$rc"
exit \$rc
EOF
    # The track check keepalived runs every second: the shipped script, with
    # this host's admin tool. The fake admin tool is a node process (~0.1 s,
    # much more while a promotion spawns others on a 2-core machine), where
    # the real one answers in milliseconds: the lab gives each probe
    # LAB_CHECK_TIMEOUT seconds (keepalived's timeout) and the admin call
    # 0.5 s less, so that a slow fake does not fake a failure.
    cat >"$d/bin/lizardfs-ha-check" <<EOF
#!/bin/sh
# lab track check for $h (generated by lab.sh)
$envlines
export LIZARDFS_HA_CHECK_TIMEOUT=$(awk -v t="$CHECK_TIMEOUT" 'BEGIN { print t - 0.5 }')
exec $(printf %q "$REPO/keepalived/lizardfs-ha-check") "\$@"
EOF
    chmod 0755 "$d/bin/lizardfs-ha" "$d/bin/lizardfs-ha-check"
}

render_conf() {
    local h=$1 i=${1#h} d="$WORKDIR/$1"
    local peers=() p
    for p in $(hosts); do [[ $p == "$h" ]] || peers+=("$(host_ip "$p")"); done
    local json
    json=$(printf '{"nodeName":"lab-%s","nodeAddress":"%s","peers":[%s],"vip":"%s","vipPrefix":%s,"interface":"eth0","priority":%s,"virtualRouterId":%s,"advertInt":%s,"instanceName":"VI_LIZARDFS","lizardfsHaPath":"%s","checkScriptPath":"%s","adminIp":"%s","adminPort":%s,"check":{"timeout":%s,"fall":%s}}' \
        "$h" "$(host_ip "$h")" "$(printf '"%s",' "${peers[@]}" | sed 's/,$//')" "$VIP" "$VIP_PREFIX" \
        "$((${LAB_PRIORITY_TOP:-110} - 10 * i))" "$VRID" "${LAB_ADVERT_INT:-1}" "$d/bin/lizardfs-ha" "$d/bin/lizardfs-ha-check" \
        "$(host_ip "$h")" "$ADMIN_PORT" "$CHECK_TIMEOUT" "${LAB_CHECK_FALL:-2}")
    # LAB_FIFO=1: events through keepalived's notify FIFO to one resident reader.
    if [[ ${LAB_FIFO:-0} == 1 ]]; then json="${json%\}},\"fifo\":{\"path\":\"$d/notify.fifo\"}}"; fi
    # LAB_TRACK_FILE=1 (with LAB_FIFO=1): the reader also watches the server for keepalived's track_file.
    if [[ ${LAB_TRACK_FILE:-0} == 1 ]]; then json="${json%\}},\"trackFile\":{\"path\":\"$d/server.track\"}}"; fi
    node "$LAB_DIR/lib/render-conf.mjs" "$json" >"$d/keepalived.conf"
    # Same acceptance test as the shipped configs: inside the host's namespace.
    local out
    if ! out=$(ip netns exec "$(host_ns "$h")" keepalived -t -f "$d/keepalived.conf" 2>&1); then
        die "keepalived -t rejects $d/keepalived.conf: $out"
    fi
}

make_net() {
    local br h
    br=$(br_ns)
    ip netns add "$br"
    ip -n "$br" link set lo up
    ip -n "$br" link add br0 type bridge
    ip -n "$br" link set br0 up
    for h in $(hosts); do
        local ns
        ns=$(host_ns "$h")
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        # Both ends created from the bridge's namespace: the root namespace
        # never sees them.
        ip -n "$br" link add "v$h" type veth peer name eth0 netns "$ns"
        ip -n "$br" link set "v$h" master br0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$(host_ip "$h")/24" dev eth0
        ip -n "$ns" link set eth0 up
    done
}

# The client host: one more namespace on the bridge, no keepalived.
make_client_net() {
    local ns br
    ns=$(client_ns)
    br=$(br_ns)
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$br" link add vc1 type veth peer name eth0 netns "$ns"
    ip -n "$br" link set vc1 master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$(client_ip)/24" dev eth0
    ip -n "$ns" link set eth0 up
}

cmd_up() {
    [[ $# -eq 2 ]] || die "usage: lab.sh up N WORKDIR"
    N=$1
    # One host cannot fail over: its own start-up BACKUP would demote its
    # only server and leave nobody eligible.
    [[ $N =~ ^[0-9]+$ ]] && ((N >= 2 && N <= 9)) || die "N must be 2-9"
    [[ $(id -u) == 0 ]] || die "needs root (network namespaces, keepalived)"
    command -v keepalived >/dev/null || die "keepalived is not installed (apt-get install -y keepalived)"
    command -v ip >/dev/null || die "iproute2 is not installed"
    command -v node >/dev/null || die "node is not installed"
    [[ -f "$REPO/dist/keepalived/render.js" && -f "$REPO/dist/cli/main.js" && -f "$REPO/dist/lizardfs-ha.cjs" ]] ||
        die "lizardfs-ha is not built: cd $REPO && npm run build"

    mkdir -p "$2"
    WORKDIR=$(readlink -f "$2")
    if [[ -f "$WORKDIR/lab.env" ]]; then
        # shellcheck disable=SC1091
        local old
        old=$(. "$WORKDIR/lab.env" && echo "$NS_PREFIX")
        if ip netns list | grep -q "^$old-"; then die "a lab is already up in $WORKDIR: lab.sh down $WORKDIR first"; fi
    fi
    chmod 0755 "$WORKDIR"
    check_path_secure "$WORKDIR"

    LAB_SERVER=${LAB_SERVER:-fake}
    [[ -f "$LAB_DIR/lib/server-$LAB_SERVER.sh" ]] || die "no server backend lab/lib/server-$LAB_SERVER.sh"
    local id
    id=$(printf '%04x%02x' $((RANDOM)) $(($$ % 256)))
    NS_PREFIX="lfsha-$id"
    cat >"$WORKDIR/lab.env" <<EOF
N=$N
NS_PREFIX=$NS_PREFIX
LAB_SERVER=$LAB_SERVER
LAB_CLIENT=${LAB_CLIENT:-0}
EOF
    LAB_CLIENT=${LAB_CLIENT:-0}
    # shellcheck disable=SC1090
    . "$LAB_DIR/lib/server-$LAB_SERVER.sh"
    server_backend_check || die "server backend $LAB_SERVER is not usable"
    if [[ $LAB_CLIENT == 1 ]] && ! declare -F client_start >/dev/null; then
        die "LAB_CLIENT=1: the $LAB_SERVER backend has no client host (LAB_SERVER=saunafs has)"
    fi

    : >"$WORKDIR/timeline"
    tl lab up "$N hosts, VIP $VIP, namespaces $NS_PREFIX-*"
    # Anything failing from here on (set -e, die): take down what was built.
    trap 'echo "lab: up failed, tearing down" >&2; "$LAB_SH" down "$WORKDIR" >&2 || true' EXIT

    make_net
    if [[ $LAB_CLIENT == 1 ]]; then
        make_client_net
        client_setup
    fi
    local h
    for h in $(hosts); do
        server_setup "$h"
        write_wrappers "$h"
        render_conf "$h"
    done
    # Bootstrap: keepalived must find the servers in a state it can elect
    # from. Every keepalived instance starts in BACKUP and lizardfs-ha makes
    # the server of a BACKUP node a shadow, so a master running when
    # keepalived starts is demoted anyway (and races the election). Instead:
    # the last host creates the metadata as master, the others sync from it
    # as shadows, then it is restarted as a shadow too (version 0 in RAM
    # until it resyncs: not eligible). keepalived then elects h1, the
    # highest-priority synced shadow, and lizardfs-ha promotes it.
    local first_master
    first_master=$(hosts | tail -n 1)
    # Real shadows (LAB_SERVER=saunafs) follow MASTER_HOST = the VIP: it sits
    # on the bootstrap master until keepalived takes over (the fakes ignore it).
    ip -n "$(host_ns "$first_master")" addr add "$VIP/$VIP_PREFIX" dev eth0
    server_ctl start "$first_master" master
    tl "$first_master" action "server started as master (bootstrap: creates the metadata)"
    for h in $(hosts); do
        [[ $h == "$first_master" ]] && continue
        server_ctl start "$h" shadow
        tl "$h" action "server started as shadow"
    done
    for h in $(hosts); do
        [[ $h == "$first_master" ]] && continue
        local i
        for ((i = 0; i < 100; i++)); do
            [[ $(server_ctl status "$h" 2>/dev/null) == shadow$'\t'connected$'\t'[1-9]* ]] && break
            sleep 0.1
        done
        ((i < 100)) || die "the shadow on $h did not sync from $first_master"
    done
    # Stop before the VIP goes: a master whose address vanishes under its
    # connections can hang on SIGTERM; and a shadow must not find its own
    # address behind MASTER_HOST.
    server_ctl stop "$first_master"
    ip -n "$(host_ns "$first_master")" addr del "$VIP/$VIP_PREFIX" dev eth0
    server_ctl start "$first_master" shadow
    tl "$first_master" action "server restarted as shadow (bootstrap done)"
    tl lab mark "shadows synced; starting keepalived"
    for h in $(hosts); do start_keepalived "$h"; done
    trap - EXIT

    if wait_settled "${LAB_UP_WAIT:-30}" >/dev/null; then
        echo "lab: up in $WORKDIR; settled"
    else
        echo "lab: up in $WORKDIR, but not settled after ${LAB_UP_WAIT:-30} s" >&2
    fi
    if [[ $LAB_CLIENT == 1 ]]; then
        tl c1 action "client start (chunkserver, mount of $VIP)"
        if ! client_start; then
            echo "lab: the client host did not come up, tearing down" >&2
            "$LAB_SH" down "$WORKDIR" >&2 || true
            exit 1
        fi
        tl c1 action "client mounted: $(client_ctl path)"
    fi
    cmd_roles
}

cmd_down() {
    [[ $# -eq 1 ]] || die "usage: lab.sh down WORKDIR"
    [[ -d $1 ]] || return 0
    WORKDIR=$(readlink -f "$1")
    [[ -f "$WORKDIR/lab.env" ]] || return 0
    load_lab "$WORKDIR"
    [[ $(id -u) == 0 ]] || die "needs root"
    local h ns pid pids=()
    # keepalived first, politely (it removes its VIP), then everything else.
    for h in $(hosts); do
        pid=$(keepalived_pid "$h")
        if pid_alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    local i
    for ((i = 0; i < 60; i++)); do
        local left=0
        for pid in "${pids[@]}"; do pid_alive "$pid" && left=1; done
        ((left == 0)) && break
        sleep 0.05
    done
    # Every process still inside one of the lab's namespaces: notify hooks
    # in flight, servers, keepalived that ignored TERM.
    for ns in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX-" || true); do
        local nspids
        nspids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [[ -n $nspids ]]; then
            # shellcheck disable=SC2086
            kill -KILL $nspids 2>/dev/null || true
        fi
    done
    server_cleanup || true
    # The log followers and runners live in the root namespace.
    for h in $(hosts); do
        pid=$(pid_of "$WORKDIR/$h/keepalived-runner.pid")
        if pid_alive "$pid"; then
            pkill -KILL -s "$pid" 2>/dev/null || true # its own session (setsid)
        fi
        rm -f "$WORKDIR/$h/keepalived.pid" "$WORKDIR/$h/vrrp.pid" "$WORKDIR/$h/keepalived-runner.pid"
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX-" || true); do
        ip netns del "$ns" 2>/dev/null || true
    done
    if [[ -f "$WORKDIR/timeline" ]] && ! grep -q ' lab down$' <(tail -n 1 "$WORKDIR/timeline"); then
        tl lab down
    fi
}

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

wait_master() {
    local secs=${1:-15} deadline masters h
    deadline=$(($(date +%s) + secs))
    while :; do
        masters=()
        for h in $(hosts); do [[ $(vrrp_state "$h") == MASTER ]] && masters+=("$h"); done
        if ((${#masters[@]} == 1)); then
            echo "${masters[0]}"
            return 0
        fi
        (($(date +%s) >= deadline)) && return 1
        sleep 0.2
    done
}

notify_inflight() {
    local f n=0
    for f in "$WORKDIR/$1/notify-inflight"/*; do
        [[ -e $f ]] || continue
        if pid_alive "${f##*/}"; then n=$((n + 1)); else rm -f "$f"; fi
    done
    echo "$n"
}

# One VRRP MASTER whose server is master running, every other server a
# connected shadow with metadata whose keepalived (if running) is BACKUP, and
# no notify hook running anywhere. Prints the master's name.
settled() {
    local h m="" st
    for h in $(hosts); do
        [[ $(notify_inflight "$h") == 0 ]] || return 1
        case $(vrrp_state "$h") in
        MASTER)
            [[ -z $m ]] || return 1
            m=$h
            ;;
        BACKUP | STOPPED) ;;
        *) return 1 ;;
        esac
    done
    [[ -n $m ]] || return 1
    for h in $(hosts); do
        st=$(server_ctl status "$h" 2>/dev/null) || return 1
        if [[ $h == "$m" ]]; then
            [[ $st == master$'\t'running$'\t'[1-9]* ]] || return 1
        else
            [[ $st == shadow$'\t'connected$'\t'[1-9]* ]] || return 1
        fi
    done
    echo "$m"
}

wait_settled() {
    local secs=${1:-30} deadline
    deadline=$(($(date +%s) + secs))
    while :; do
        settled && return 0
        (($(date +%s) >= deadline)) && return 1
        sleep 0.3
    done
}

cmd_roles() {
    local h st vip srv
    for h in $(hosts); do
        st=$(vrrp_state "$h")
        vip=$(has_vip "$h" && echo "VIP" || echo "-")
        srv=$(server_ctl status "$h" 2>&1 | tr '\t\n' '  ' | sed 's/ *$//') || true
        printf '%-3s %-8s %-3s server: %s\n' "$h" "$st" "$vip" "$srv"
    done
    if [[ $LAB_CLIENT == 1 ]]; then client_ctl status || true; fi
}

# sample-roles SECS [INTERVAL]: see the header.
cmd_sample_roles() {
    local secs=${1:-10} interval=${2:-0.1} end t h st line tmp left
    [[ $secs =~ ^[0-9]+$ ]] || die "sample-roles: SECS must be whole seconds"
    # Microseconds, in bash: no process per loop beyond the probes.
    end=$((${EPOCHREALTIME/./} + secs * 1000000))
    tmp=$(mktemp -d)
    # Usually ended by a signal (the caller kills it): clean up then too.
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 143' TERM INT
    local step next all
    # Per probe (backends that honour it): a server that does not answer
    # within this is sampled as "down" instead of stalling every host's sample.
    export LAB_STATUS_TIMEOUT=${LAB_STATUS_TIMEOUT:-0.5}
    step=$(awk -v i="$interval" 'BEGIN { printf "%d", i * 1000000 }')
    all=$(hosts)
    while ((${EPOCHREALTIME/./} < end)); do
        # The lab went down under us (lab.sh down): nothing left to sample.
        [[ -e /run/netns/$(br_ns) ]] || break
        t=$EPOCHREALTIME
        next=$((${t/./} + step))
        for h in $all; do
            (server_ctl status "$h" >"$tmp/$h" 2>/dev/null || : >"$tmp/$h") &
        done
        wait
        line=$t
        for h in $all; do
            st=""
            IFS= read -r st <"$tmp/$h" || true
            st=${st//$'\t'/\/}
            line+=" $h=${st:-down}"
        done
        echo "$line"
        # Start to start: sleep only what is left of the interval.
        left=$((next - ${EPOCHREALTIME/./}))
        if ((left > 0)); then sleep "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"; fi
    done
    rm -rf "$tmp"
}

# client-write NAME [KIB] / client-read NAME: plain file I/O on the mount,
# each bounded (a FUSE call blocks while no master answers).
client_io() {
    local op=$1 name=${2:-} kib=${3:-256} mnt limit=${LAB_CLIENT_TIMEOUT:-30}
    [[ $LAB_CLIENT == 1 ]] || die "this lab has no client host (LAB_CLIENT=1 at up)"
    [[ -n $name && $name != */* && $name != .* ]] || die "client-$op: give a plain file name"
    mnt=$(client_ctl path)
    case $op in
    write)
        [[ $kib =~ ^[0-9]+$ ]] || die "client-write: KIB must be a number"
        local src
        src=$(mktemp)
        head -c "$((kib * 1024))" /dev/urandom >"$src"
        if ! timeout -k 2 "$limit" dd if="$src" of="$mnt/$name" bs=64k conv=fsync status=none; then
            rm -f "$src"
            die "client-write $name: failed or took over $limit s"
        fi
        sha256sum <"$src" | awk '{ print $1 }'
        rm -f "$src"
        ;;
    read)
        local out
        out=$(timeout -k 2 "$limit" sha256sum "$mnt/$name") || die "client-read $name: failed or took over $limit s"
        echo "${out%% *}"
        ;;
    esac
}

cmd_timeline() {
    local follow="" since=0
    while [[ $# -gt 0 ]]; do
        case $1 in
        -f) follow=1 ;;
        --since) since=$2; shift ;;
        *) die "usage: lab.sh timeline [WORKDIR] [-f] [--since EPOCH_SECONDS]" ;;
        esac
        shift
    done
    local t0
    t0=$(awk 'NR == 1 { print $1; exit }' "$WORKDIR/timeline")
    local fmt='$1 >= since { printf "%+9.3fs  %-4s %-14s", $1 - t0, $2, $3; for (i = 4; i <= NF; i++) printf " %s", $i; printf "\n"; fflush() }'
    if [[ -n $follow ]]; then
        # mawk (Debian's awk) reads a pipe in blocks unless told otherwise.
        local interactive=()
        if awk -W version 2>&1 | grep -q mawk; then interactive=(-W interactive); fi
        tail -n +1 -f "$WORKDIR/timeline" | awk "${interactive[@]}" -v t0="$t0" -v since="$since" "$fmt"
    else
        sort -s -n -k1,1 "$WORKDIR/timeline" | awk -v t0="$t0" -v since="$since" "$fmt"
    fi
}

main() {
    local cmd=${1:-}
    [[ -n $cmd ]] || { sed -n '2,/^$/p' "$LAB_SH" | sed 's/^# \{0,1\}//'; exit 2; }
    shift
    case $cmd in
    up) cmd_up "$@"; return ;;
    down) cmd_down "$@"; return ;;
    -h | --help | help) sed -n '2,/^$/p' "$LAB_SH" | sed 's/^# \{0,1\}//'; return ;;
    esac
    # Every other command: [WORKDIR] first, or $LFSHA_LAB.
    if [[ $# -gt 0 && -f "$1/lab.env" ]]; then
        load_lab "$1"
        shift
    elif [[ -n ${LFSHA_LAB:-} ]]; then
        load_lab "$LFSHA_LAB"
    else
        die "$cmd: give the lab's WORKDIR first or set LFSHA_LAB"
    fi
    case $cmd in
    exec)
        [[ $# -ge 2 ]] || die "usage: lab.sh exec [WORKDIR] HOST CMD..."
        valid_host "$1"
        local h=$1
        shift
        # shellcheck disable=SC1090
        exec ip netns exec "$(host_ns "$h")" bash -c '. "$1"; shift; exec "$@"' lab-exec "$WORKDIR/$h/env" "$@"
        ;;
    kill-server)
        valid_host "$1"
        tl "$1" action kill-server
        server_ctl crash "$1"
        ;;
    start-server)
        valid_host "$1"
        tl "$1" action "start-server ${2:-}"
        server_ctl start "$1" "${2:-}"
        ;;
    restart-server)
        valid_host "$1"
        tl "$1" action "restart-server ${2:-}"
        server_ctl restart "$1" "${2:-}"
        ;;
    server-status) valid_host "$1"; server_ctl status "$1" ;;
    server-show) valid_host "$1"; server_ctl show "$1" ;;
    stop-keepalived) valid_host "$1"; stop_keepalived "$1" TERM ;;
    kill-keepalived) valid_host "$1"; stop_keepalived "$1" KILL ;;
    start-keepalived) valid_host "$1"; start_keepalived "$1" ;;
    isolate)
        valid_host "$1"
        tl "$1" action isolate
        ip -n "$(br_ns)" link set "v$1" down
        ;;
    rejoin)
        valid_host "$1"
        tl "$1" action rejoin
        ip -n "$(br_ns)" link set "v$1" up
        ;;
    vrrp-state) valid_host "$1"; vrrp_state "$1" ;;
    roles) cmd_roles ;;
    wait-master) wait_master "${1:-15}" ;;
    wait-settled) wait_settled "${1:-30}" ;;
    settled) settled ;;
    mark) tl lab mark "$*" ;;
    timeline) cmd_timeline "$@" ;;
    vip) for h in $(hosts); do if has_vip "$h"; then echo "$h"; fi; done ;;
    hosts) hosts ;;
    sample-roles) cmd_sample_roles "$@" ;;
    client-path) [[ $LAB_CLIENT == 1 ]] || die "this lab has no client host"; client_ctl path ;;
    client-status) [[ $LAB_CLIENT == 1 ]] || die "this lab has no client host"; client_ctl status ;;
    client-write) client_io write "$@" ;;
    client-read) client_io read "$@" ;;
    *) die "unknown command $cmd (lab.sh --help)" ;;
    esac
}

main "$@"
