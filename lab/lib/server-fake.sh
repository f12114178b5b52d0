# Metadata-server backend of lab.sh: the fake LizardFS binaries of
# test/fixtures/bin (sourced by lab.sh; bash).
#
# A backend provides these functions; lab.sh calls nothing else, so another
# backend (real sfsmaster in a chroot) only has to provide the same set in
# lab/lib/server-<name>.sh and be selected with LAB_SERVER=<name>:
#   server_backend_check            exit non-zero with a message if unusable
#   server_setup HOST               one-time per-host files (config, data dir)
#   server_env HOST                 print `export VAR=value` lines: what the
#                                   check, the notify hooks and `lab.sh exec`
#                                   need to reach this host's server
#   server_ctl ACTION HOST [ARG]    start|restart master|shadow, crash, stop,
#                                   status (porcelain line), show
#   server_cleanup                  kill every server process of the lab
# Globals from lab.sh: WORKDIR, REPO, N, NS_PREFIX, host_ip HOST, host_ns HOST.

FAKE_BIN="$REPO/test/fixtures/bin"
FAKE_STATE="$WORKDIR/fake"
SERVER_PORT=9421
ADMIN_PASSWORD=lab-secret

server_backend_check() {
    local b
    for b in mfsmaster lizardfs-admin mfsmetarestore fake-lfs; do
        [[ -x "$FAKE_BIN/$b" ]] || { echo "lab: fake $b missing in $FAKE_BIN" >&2; return 1; }
    done
    [[ -f "$REPO/test/fixtures/fake-lizardfs.mjs" ]] ||
        { echo "lab: $REPO/test/fixtures/fake-lizardfs.mjs missing" >&2; return 1; }
}

server_setup() {
    local h=$1 d="$WORKDIR/$1"
    mkdir -p "$FAKE_STATE/addr" "$d/data"
    # The fake admin tool maps the IP it is asked about to a host name.
    printf '%s\n' "$h" >"$FAKE_STATE/addr/$(host_ip "$h")"
    cat >"$d/mfsmaster.cfg" <<EOF
# lab $h: the lines keepalived/mfsmaster.cfg.snippet asks for
PERSONALITY = ha-cluster-managed
ADMIN_PASSWORD = $ADMIN_PASSWORD
MASTER_HOST = $VIP
MASTER_RECONNECTION_DELAY = 1
MATOCL_LISTEN_PORT = $SERVER_PORT
DATA_PATH = $d/data
EOF
    chmod 600 "$d/mfsmaster.cfg"
}

server_env() {
    local h=$1
    printf 'export %s=%q\n' \
        FAKE_LFS_STATE "$FAKE_STATE" \
        FAKE_LFS_HOST "$h" \
        PATH "$FAKE_BIN:$PATH" \
        LIZARDFS_HA_CONFIG "$WORKDIR/$h/mfsmaster.cfg" \
        LIZARDFS_HA_MASTER_BIN "$FAKE_BIN/mfsmaster" \
        LIZARDFS_HA_ADMIN_BIN "$FAKE_BIN/lizardfs-admin" \
        LIZARDFS_HA_METARESTORE_BIN "$FAKE_BIN/mfsmetarestore"
}

# Runs a fake binary as host H would: inside its namespace, with its env.
_fake() {
    local h=$1
    shift
    ip netns exec "$(host_ns "$h")" env FAKE_LFS_STATE="$FAKE_STATE" FAKE_LFS_HOST="$h" "$@"
}

server_ctl() {
    local action=$1 h=$2 arg=${3:-}
    local cfg="$WORKDIR/$h/mfsmaster.cfg"
    case $action in
    start)
        # start master|shadow: what an operator does once before handing the
        # pair to keepalived (a real mfsmaster would fork a daemon here).
        [[ $arg == master || $arg == shadow ]] || { echo "lab: server start needs master|shadow" >&2; return 2; }
        _fake "$h" "$FAKE_BIN/mfsmaster" -c "$cfg" -o ha-cluster-managed -o "initial-personality=$arg" -o auto-recovery start
        # A fresh fake master holds an empty file system (version 1): give it
        # some history so versions mean something in the timeline.
        if [[ $arg == master ]]; then _fake "$h" "$FAKE_BIN/fake-lfs" write "$SERVER_PORT" 41; fi
        ;;
    restart)
        [[ $arg == master || $arg == shadow ]] || { echo "lab: server restart needs master|shadow" >&2; return 2; }
        _fake "$h" "$FAKE_BIN/mfsmaster" -c "$cfg" -t 5 -o ha-cluster-managed -o "initial-personality=$arg" -o auto-recovery restart
        ;;
    crash)
        # Dies like SIGKILL: process gone, stale lock left behind.
        _fake "$h" "$FAKE_BIN/fake-lfs" crash "$SERVER_PORT"
        ;;
    stop)
        _fake "$h" "$FAKE_BIN/mfsmaster" -c "$cfg" -o ha-cluster-managed -t 5 stop
        ;;
    status)
        # One porcelain line (personality, status, version), or the admin
        # tool's error: what the track check sees.
        _fake "$h" "$FAKE_BIN/lizardfs-admin" metadataserver-status --porcelain "$(host_ip "$h")" "$SERVER_PORT"
        ;;
    show)
        _fake "$h" "$FAKE_BIN/fake-lfs" show "$SERVER_PORT"
        ;;
    *)
        echo "lab: unknown server action $action" >&2
        return 2
        ;;
    esac
}

server_cleanup() {
    [[ -d "$FAKE_STATE/servers" ]] || return 0
    FAKE_LFS_STATE="$FAKE_STATE" "$FAKE_BIN/fake-lfs" cleanup || true
}
