# shellcheck shell=bash
# Metadata-server backend of lab.sh: the REAL SaunaFS 5.8 servers from the
# Debian sid chroot made by lab/saunafs/provision.sh (sourced by lab.sh; bash).
# Select with LAB_SERVER=saunafs. Same interface as lab/lib/server-fake.sh
# (server_backend_check, server_setup, server_env, server_ctl, server_cleanup),
# plus the client host's functions (LAB_CLIENT=1):
#   client_setup                    configs and directories of the client host
#   client_start                    sfschunkserver + FUSE mount (sfsmount) of the VIP
#   client_ctl path|status|stop     mount point (as seen from the root
#                                   namespace) | chunkserver/mount state | unmount
#
# Layout. The chroot itself is never modified beyond empty mount-point
# directories: each lab gets its own view of it,
#   /run/lizardfs-ha-lab/<NS_PREFIX>/root    bind mount of the chroot (private)
#     .../root/proc, dev, dev/pts            lab/saunafs/chroot-mounts.sh
#     .../root<WORKDIR>                      bind mount of WORKDIR
# so two labs (a test and the demo) can run at once, and tearing one down
# cannot unmount what the other uses. Because WORKDIR appears at the SAME
# path inside the chroot, every path in the configs (sfsmaster.cfg,
# DATA_PATH, ...) is valid both for lizardfs-ha, which reads the config on the
# host, and for sfsmaster, which runs in the chroot: lizardfs-ha reads
# --config on the host and passes the same string to `chroot DIR sfsmaster
# -c`, so a config that exists only inside the chroot is not found (exit 2).
# The root view lives outside WORKDIR on purpose: an `rm -rf WORKDIR` must
# never walk into a bind mount of the chroot or of /dev.
#
# Processes: every server runs daemonised in its host's network namespace as
#   ip netns exec NS chroot ROOT sfsmaster -c WORKDIR/hN/sfsmaster.cfg ...
# and the notify hooks run exactly that through LIZARDFS_HA_EXEC_PREFIX
# ("chroot ROOT"; ip netns exec is inherited from keepalived). Daemons that
# exit stay as zombies here (pid 1 does not reap): process checks look at the
# state, not only at the pid.
#
# The shipped track check (keepalived/lizardfs-ha-check) knows
# LIZARDFS_HA_ADMIN_BIN but not LIZARDFS_HA_EXEC_PREFIX, so for it PATH starts
# with RUN/bin, where `saunafs-admin` is a wrapper `chroot ROOT saunafs-admin`
# (likewise sfsmaster, sfsmetarestore: handy for `lab.sh exec`). That
# directory does not exist inside the chroot, so `chroot ROOT saunafs-admin`
# run by lizardfs-ha still finds the real /usr/bin/saunafs-admin.
#
# Globals from lab.sh: WORKDIR, REPO, LAB_DIR, N, NS_PREFIX, VIP, host_ip,
# host_ns.

SAUNAFS_CHROOT=$(realpath -m -- "${SAUNAFS_CHROOT:-/var/lib/lizardfs-ha-lab/sid}")
SFS_RUN=/run/lizardfs-ha-lab/$NS_PREFIX
SFS_ROOT=$SFS_RUN/root
SFS_BIN=$SFS_RUN/bin
SERVER_PORT=9421
ADMIN_PASSWORD=lab-secret
SFS_UID=101 # the chroot's saunafs user, looked up in server_setup

SFS_CLIENT_DIR=$WORKDIR/c1

# shellcheck source-path=SCRIPTDIR source=../saunafs/chroot-mounts.sh
. "$LAB_DIR/saunafs/chroot-mounts.sh"

server_backend_check() {
    [[ $(id -u) == 0 ]] || { echo "lab: the saunafs backend needs root" >&2; return 1; }
    if [[ ! -f "$SAUNAFS_CHROOT/.lizardfs-ha-lab.complete" ]] || ! chroot "$SAUNAFS_CHROOT" sfsmaster -v >/dev/null 2>&1; then
        echo "lab: no usable SaunaFS chroot at $SAUNAFS_CHROOT: run bash $LAB_DIR/saunafs/provision.sh" >&2
        return 1
    fi
    local b
    for b in chroot nsenter timeout mountpoint; do
        command -v "$b" >/dev/null || { echo "lab: $b is not installed" >&2; return 1; }
    done
    [[ -c /dev/fuse ]] || { [[ ${LAB_CLIENT:-0} != 1 ]] || { echo "lab: /dev/fuse missing (the client host needs FUSE)" >&2; return 1; }; }
}

# The lab's private view of the chroot (idempotent).
_sfs_root_up() {
    mountpoint -q "$SFS_ROOT" && mountpoint -q "$SFS_ROOT$WORKDIR" && return 0
    mkdir -p "$SFS_ROOT" "$SFS_BIN"
    chmod 0755 /run/lizardfs-ha-lab "$SFS_RUN" "$SFS_BIN"
    if ! mountpoint -q "$SFS_ROOT"; then
        mount --bind "$SAUNAFS_CHROOT" "$SFS_ROOT"
        # Private: what is mounted below must show neither in the chroot's own
        # path nor in another lab's view.
        mount --make-private "$SFS_ROOT"
    fi
    chroot_mount "$SFS_ROOT"
    mkdir -p "$SFS_ROOT$WORKDIR"
    mount --bind "$WORKDIR" "$SFS_ROOT$WORKDIR"
    mount --make-private "$SFS_ROOT$WORKDIR"
    local b dir
    for b in sfsmaster sfsmetarestore saunafs-admin sfschunkserver sfsmount; do
        dir=/usr/sbin
        [[ -x "$SFS_ROOT$dir/$b" ]] || dir=/usr/bin
        printf '#!/bin/sh\n# %s of the SaunaFS chroot (lab %s)\nexec chroot %s %s "$@"\n' \
            "$b" "$NS_PREFIX" "$SFS_ROOT" "$dir/$b" >"$SFS_BIN/$b"
        chmod 0755 "$SFS_BIN/$b"
    done
}

# Runs a command in the chroot as host H would (its network namespace).
_sfs() {
    local h=$1
    shift
    ip netns exec "$(host_ns "$h")" chroot "$SFS_ROOT" "$@"
}

server_setup() {
    local h=$1 d="$WORKDIR/$1"
    _sfs_root_up
    SFS_UID=$(chroot "$SFS_ROOT" id -u saunafs)
    mkdir -p "$d/data"
    chown "$SFS_UID:$SFS_UID" "$d/data"
    chmod 0750 "$d/data"
    printf '* / rw,alldirs,maproot=0,ignoregid\n* . rw\n' >"$d/sfsexports.cfg"
    cat >"$d/sfsmaster.cfg" <<EOF
# lab $h: real sfsmaster (SaunaFS 5.8, sid chroot), managed by lizardfs-ha.
# The same path inside the chroot (bind mount), see lab/lib/server-saunafs.sh.
PERSONALITY = ha-cluster-managed
ADMIN_PASSWORD = $ADMIN_PASSWORD
WORKING_USER = saunafs
WORKING_GROUP = saunafs
DATA_PATH = $d/data
EXPORTS_FILENAME = $d/sfsexports.cfg
MASTER_HOST = $VIP
MASTER_PORT = 9419
MASTER_RECONNECTION_DELAY = 1
MATOCL_LISTEN_PORT = $SERVER_PORT
NICE_LEVEL = 0
EOF
    # Readable by the server's user (a reload re-reads it after setuid), not by others.
    chown "0:$SFS_UID" "$d/sfsmaster.cfg"
    chmod 0640 "$d/sfsmaster.cfg"
}

server_env() {
    local h=$1
    printf 'export %s=%q\n' \
        PATH "$SFS_BIN:$PATH" \
        LIZARDFS_HA_FLAVOR saunafs \
        LIZARDFS_HA_EXEC_PREFIX "chroot $SFS_ROOT" \
        LIZARDFS_HA_CONFIG "$WORKDIR/$h/sfsmaster.cfg"
}

# The pid of H's live sfsmaster (from `sfsmaster test`), checked against
# /proc: the command must be sfsmaster and not a zombie. Empty if none.
_sfs_pid() {
    local h=$1 out pid st
    out=$(timeout -k 1 10 ip netns exec "$(host_ns "$h")" chroot "$SFS_ROOT" \
        sfsmaster -c "$WORKDIR/$h/sfsmaster.cfg" -o ha-cluster-managed test 2>/dev/null) || true
    pid=$(sed -n 's/^sfsmaster pid: \([0-9][0-9]*\)$/\1/p' <<<"$out" | head -n 1)
    [[ -n $pid && -r /proc/$pid/stat ]] || return 0
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sfsmaster ]] || return 0
    st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
    [[ $st != Z && $st != X && -n $st ]] || return 0
    echo "$pid"
}

# proc_gone PID: gone or zombie.
_sfs_gone() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [[ -z $st || $st == Z || $st == X ]]
}

_sfs_master() {
    # _sfs_master H ACTION ROLE [extra -o...]: sfsmaster with the lab's
    # options, bounded; startup log appended to hN/sfsmaster.out.
    local h=$1 action=$2 role=$3
    shift 3
    local cfg="$WORKDIR/$h/sfsmaster.cfg" args
    args=(-c "$cfg" -t 5 -o ha-cluster-managed)
    [[ -n $role ]] && args+=(-o "initial-personality=$role")
    args+=("$@" "$action")
    printf '=== %s sfsmaster %s\n' "$(date '+%T.%N')" "${args[*]}" >>"$WORKDIR/$h/sfsmaster.out"
    timeout -k 2 30 ip netns exec "$(host_ns "$h")" chroot "$SFS_ROOT" sfsmaster "${args[@]}" \
        </dev/null >>"$WORKDIR/$h/sfsmaster.out" 2>&1
}

server_ctl() {
    local action=$1 h=$2 arg=${3:-}
    local d="$WORKDIR/$h" pid i
    case $action in
    start | restart)
        [[ $arg == master || $arg == shadow ]] || { echo "lab: server $action needs master|shadow" >&2; return 2; }
        local extra=()
        if [[ $arg == master ]]; then
            # A master killed by SIGKILL leaves a stale lock: auto-recovery.
            extra=(-o auto-recovery)
            # The very first master of the lab creates the file system from
            # the packaged empty metadata (an operator's one-time step).
            if [[ ! -e "$d/data/metadata.sfs" ]] && ! compgen -G "$d/data/metadata.sfs.*" >/dev/null &&
                ! compgen -G "$d/data/changelog.sfs*" >/dev/null; then
                cp "$SFS_ROOT/var/lib/saunafs/metadata.sfs.empty" "$d/data/metadata.sfs"
                chown "$SFS_UID:$SFS_UID" "$d/data/metadata.sfs"
            fi
        fi
        if ! _sfs_master "$h" "$action" "$arg" "${extra[@]}"; then
            echo "lab: sfsmaster $action as $arg failed on $h; last lines of $d/sfsmaster.out:" >&2
            tail -n 5 "$d/sfsmaster.out" >&2
            return 1
        fi
        ;;
    crash)
        # SIGKILL of the real server process: stale locks stay, like a crash.
        pid=$(_sfs_pid "$h")
        [[ -n $pid ]] || { echo "lab: no running sfsmaster on $h" >&2; return 1; }
        kill -KILL "$pid"
        for ((i = 0; i < 100; i++)); do
            _sfs_gone "$pid" && return 0
            sleep 0.05
        done
        echo "lab: sfsmaster $pid on $h survived SIGKILL for 5 s" >&2
        return 1
        ;;
    stop)
        pid=$(_sfs_pid "$h")
        [[ -n $pid ]] || return 0
        _sfs_master "$h" stop "" || true
        for ((i = 0; i < 100; i++)); do
            _sfs_gone "$pid" && return 0
            sleep 0.05
        done
        echo "lab: sfsmaster $pid on $h did not stop: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        ;;
    status)
        # LAB_STATUS_TIMEOUT: sample-roles asks for a short one, so that a
        # server that does not answer (hung in shutdown) does not stall it.
        timeout -k 1 "${LAB_STATUS_TIMEOUT:-5}" ip netns exec "$(host_ns "$h")" chroot "$SFS_ROOT" \
            saunafs-admin metadataserver-status --porcelain "$(host_ip "$h")" "$SERVER_PORT"
        ;;
    show)
        # One JSON object: the process, the server's answer, the disk.
        local st alive=false out personality="" sstatus="" version=null disk=null
        pid=$(_sfs_pid "$h")
        [[ -n $pid ]] && alive=true
        if out=$(server_ctl status "$h" 2>/dev/null); then
            IFS=$'\t' read -r personality sstatus version <<<"$out"
            [[ $version =~ ^[0-9]+$ ]] || version=null
        fi
        st=$(timeout -k 1 10 ip netns exec "$(host_ns "$h")" chroot "$SFS_ROOT" \
            sfsmetarestore -g -d "$d/data" 2>/dev/null | tail -n 1) || true
        [[ $st =~ ^[0-9]+$ ]] && disk=$st
        printf '{"host":"%s","pid":%s,"running":%s,"personality":"%s","serverStatus":"%s","version":%s,"diskVersion":%s}\n' \
            "$h" "${pid:-null}" "$alive" "$personality" "$sstatus" "$version" "$disk"
        ;;
    *)
        echo "lab: unknown server action $action" >&2
        return 2
        ;;
    esac
}

# ---------------------------------------------------------------------------
# The client host c1: one chunkserver and one FUSE client, both reaching the
# cluster through the VIP only.
# ---------------------------------------------------------------------------

client_mountpoint() { echo "$SFS_ROOT$SFS_CLIENT_DIR/mnt"; }
# Is PATH a mount point? Read from mountinfo: mountpoint(1) stats the path,
# which blocks or fails on a FUSE mount whose master is away.
_mounted() { awk -v p="$1" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo; }

client_setup() {
    local d=$SFS_CLIENT_DIR
    _sfs_root_up
    SFS_UID=$(chroot "$SFS_ROOT" id -u saunafs)
    mkdir -p "$d/cs-data" "$d/hdd" "$d/mnt"
    chown "$SFS_UID:$SFS_UID" "$d/cs-data" "$d/hdd"
    printf '%s\n' "$d/hdd" >"$d/sfshdd.cfg"
    cat >"$d/sfschunkserver.cfg" <<EOF
# lab client host c1: one chunkserver following the master through the VIP.
WORKING_USER = saunafs
WORKING_GROUP = saunafs
DATA_PATH = $d/cs-data
MASTER_HOST = $VIP
MASTER_PORT = 9420
MASTER_RECONNECTION_DELAY = 1
HDD_CONF_FILENAME = $d/sfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 256MiB
HDD_TEST_FREQ = 60
NICE_LEVEL = 0
NR_OF_NETWORK_WORKERS = 1
NR_OF_HDD_WORKERS_PER_NETWORK_WORKER = 2
EOF
}

_client_pids() {
    # Live (non-zombie) processes named $1 in the client's network namespace.
    local p
    for p in $(ip netns pids "$(client_ns)" 2>/dev/null); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$1" ]] || continue
        _sfs_gone "$p" || echo "$p"
    done
}

client_start() {
    local d=$SFS_CLIENT_DIR mnt i
    mnt=$(client_mountpoint)
    printf '=== %s sfschunkserver start\n' "$(date '+%T.%N')" >>"$d/sfschunkserver.out"
    timeout -k 2 30 ip netns exec "$(client_ns)" chroot "$SFS_ROOT" \
        sfschunkserver -c "$d/sfschunkserver.cfg" start </dev/null >>"$d/sfschunkserver.out" 2>&1 ||
        { echo "lab: sfschunkserver did not start; see $d/sfschunkserver.out" >&2; return 1; }
    # The mount must be made in the ROOT mount namespace (ip netns exec would
    # give it a private one nobody else sees): nsenter joins the network only.
    # cachemode NEVER: reads go to the chunkserver, not the page cache, so a
    # read after a failover proves the data is served again.
    printf '=== %s sfsmount\n' "$(date '+%T.%N')" >>"$d/sfsmount.out"
    timeout -k 2 30 nsenter --net="/run/netns/$(client_ns)" chroot "$SFS_ROOT" \
        sfsmount -H "$VIP" -P "$SERVER_PORT" -o sfscachemode=NEVER -o sfsnice=0 "$d/mnt" \
        </dev/null >>"$d/sfsmount.out" 2>&1 ||
        { echo "lab: sfsmount failed; see $d/sfsmount.out" >&2; return 1; }
    for ((i = 0; i < 50; i++)); do
        _mounted "$mnt" && break
        sleep 0.1
    done
    _mounted "$mnt" || { echo "lab: $mnt is not mounted; see $d/sfsmount.out" >&2; return 1; }
    # Writing data needs the chunkserver registered with the master.
    local probe="$mnt/.lab-probe"
    for ((i = 0; i < 60; i++)); do
        # shellcheck disable=SC2016 # $1 is the inner shell's
        if timeout -k 1 10 sh -c 'printf lab >"$1" && sync "$1" && [ "$(cat "$1")" = lab ]' sh "$probe" 2>/dev/null; then
            rm -f "$probe"
            return 0
        fi
        sleep 0.5
    done
    echo "lab: the client cannot write through $mnt (chunkserver not registered?)" >&2
    return 1
}

client_ctl() {
    local mnt
    mnt=$(client_mountpoint)
    case $1 in
    path) echo "$mnt" ;;
    status)
        printf 'c1  sfschunkserver: %s  sfsmount: %s  %s\n' \
            "$(_client_pids sfschunkserver | tr '\n' ' ' | sed 's/ $//;s/^$/none/')" \
            "$(_client_pids sfsmount | tr '\n' ' ' | sed 's/ $//;s/^$/none/')" \
            "$(_mounted "$mnt" && echo "mounted on $mnt" || echo "not mounted")"
        ;;
    stop)
        # Unmount first (sfsmount exits with it), then the chunkserver.
        if _mounted "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
        local p
        for p in $(_client_pids sfsmount) $(_client_pids sfschunkserver); do kill -TERM "$p" 2>/dev/null || true; done
        sleep 0.3
        for p in $(_client_pids sfsmount) $(_client_pids sfschunkserver); do kill -KILL "$p" 2>/dev/null || true; done
        ;;
    *)
        echo "lab: unknown client action $1" >&2
        return 2
        ;;
    esac
}

# Everything of this lab: processes (lab.sh down has SIGKILLed what was in
# the namespaces already; this also covers a lab whose namespaces are gone),
# the FUSE mount, the chroot view, the empty mount-point directories.
server_cleanup() {
    local p
    [[ -d $SFS_RUN ]] || return 0
    if [[ -d $SFS_CLIENT_DIR ]]; then
        local mnt
        mnt=$(client_mountpoint)
        if _mounted "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt" || true; fi
    fi
    # Any process still rooted in this lab's view (a server whose namespace
    # was deleted under it, a stuck client).
    # By path: the chroot's inode is the same in every lab's view.
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$SFS_ROOT" ]] || continue
        _sfs_gone "${p#/proc/}" || kill -KILL "${p#/proc/}" 2>/dev/null || true
    done
    chroot_umount "$SFS_ROOT" || return 1
    # The mount points created in the chroot for WORKDIR: remove the empty
    # directories up to (not including) the chroot's top level.
    local dir="$SAUNAFS_CHROOT$WORKDIR"
    while [[ $dir != "$SAUNAFS_CHROOT" && $dir == "$SAUNAFS_CHROOT"/*/* ]]; do
        rmdir -- "$dir" 2>/dev/null || break
        dir=$(dirname -- "$dir")
    done
    [[ -z $(chroot_mounts_under "$SFS_RUN") ]] && rm -rf --one-file-system -- "$SFS_RUN"
}
