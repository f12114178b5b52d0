#!/usr/bin/env bash
# Create (or reuse) a Debian sid chroot with the real SaunaFS 5.x servers, for lizardfs-ha's lab tests.
# SaunaFS needs a newer libc than Debian 12 has, hence sid in a chroot.
#
#   provision.sh [DIR]          DIR defaults to $SAUNAFS_CHROOT, then /var/lib/lizardfs-ha-lab/sid
#
# Exit: 0 ready; 3 the archive is unreachable or a download failed (prints one line
# "provision: SKIPPED: <reason>" so a test suite can report a skip); anything else is a real error.
#
# The chroot is built in DIR.partial and renamed to DIR only when complete, so DIR either does not
# exist or is usable. An interrupted build is resumed from after debootstrap when that step had
# finished (it is most of the time), otherwise thrown away.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=chroot-mounts.sh
. "$here/chroot-mounts.sh"

target=$(realpath -m -- "${1:-${SAUNAFS_CHROOT:-/var/lib/lizardfs-ha-lab/sid}}")
mirror=${SAUNAFS_MIRROR:-http://deb.debian.org/debian}
packages=(saunafs-master saunafs-adm saunafs-chunkserver saunafs-client)
partial=$target.partial
log=$target.provision.log
# Marker files live inside the chroot so they move with it on rename.
done_marker=.lizardfs-ha-lab.complete
boot_marker=.lizardfs-ha-lab.debootstrapped

say() { echo "[provision] $*"; }
die() { echo "provision: ERROR: $*" >&2; exit "${2:-1}"; }
skip() { echo "provision: SKIPPED: $*"; exit 3; }

case $target in
/ | *[[:space:]]*) die "refusing chroot directory '$target'" ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mount)"

# Usable = our completion marker AND the server binary actually runs (catches a chroot broken later).
is_complete() {
	[ -f "$1/$done_marker" ] && chroot "$1" sfsmaster -v >/dev/null 2>&1
}

# Two test runs starting at once must not build the same directory twice.
mkdir -p "$(dirname "$target")"
exec 9>"$target.lock"
flock 9

if is_complete "$target"; then
	say "reusing $target ($(chroot "$target" sfsmaster -v 2>&1 | head -n1))"
	exit 0
fi

# Traps can fire inside a step, where stdout/stderr point at the log: keep the real ones on 3 and 4.
exec 3>&1 4>&2
# Whatever happens below, no mount may outlive this script.
cleanup() {
	chroot_umount "$partial" 2>&4 || echo "provision: WARNING: mounts left under $partial" >&4
}
trap cleanup EXIT
# The message also ends a half-printed step line.
trap 'echo " interrupted" >&3; exit 130' INT
trap 'echo " terminated" >&3; exit 143' TERM

# Wipes a half-made tree. --one-file-system plus the mount check: a /dev bind left inside must never
# make rm delete the host's device nodes.
wipe() {
	chroot_umount "$1" || die "cannot unmount everything under $1; not deleting it"
	rm -rf --one-file-system -- "$1"
}

if [ -e "$target" ]; then
	# Only a chroot this script made gets rebuilt; anything else at that path is left alone. Rebuilt
	# from scratch: re-running apt would not restore a deleted or corrupted file.
	[ -f "$target/$boot_marker" ] || die "$target exists but was not made by $0; remove it or pick another directory"
	say "$target is broken (sfsmaster -v fails): rebuilding it"
	wipe "$target"
fi
if [ -e "$partial" ] && [ ! -f "$partial/$boot_marker" ]; then
	say "removing half-made $partial from an interrupted run"
	wipe "$partial"
fi

# Runs one step with its output in $log, and prints how long it took: the slow steps are network-bound
# and a test suite wants to see where its time went.
step() {
	local name=$1 t0 t1 rc=0
	shift
	printf '[provision] %s ... ' "$name"
	t0=${EPOCHREALTIME/./}
	echo "=== $name: $*" >>"$log"
	"$@" >>"$log" 2>&1 || rc=$?
	t1=${EPOCHREALTIME/./}
	printf '%s s%s\n' "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')" \
		"$([ "$rc" = 0 ] || echo " FAILED (exit $rc)")"
	return "$rc"
}

# Answers "was that failure the network?" so it can be reported as a skip, not as a bug.
mirror_reachable() {
	wget -q -T 10 -t 1 -O /dev/null "$mirror/dists/sid/Release"
}
download_failed() {
	echo "--- last lines of $log:" >&2
	tail -n 15 "$log" >&2
	mirror_reachable || skip "$mirror unreachable ($1)"
	skip "download failed: $1 (see $log)"
}

in_chroot() { DEBIAN_FRONTEND=noninteractive LC_ALL=C chroot "$partial" "$@"; }

: >"$log"
say "building $target (log: $log)"

if [ ! -f "$partial/$boot_marker" ]; then
	step "checking $mirror" mirror_reachable || skip "$mirror unreachable"
	mkdir -p "$partial"
	if ! step "debootstrap sid" debootstrap --variant=minbase sid "$partial" "$mirror"; then
		chroot_umount "$partial" || true
		# debootstrap logs "Couldn't download" / "Failed getting release" for network trouble.
		if grep -qiE "couldn't download|failed getting|couldn't retrieve|unable to fetch" \
			"$log" "$partial/debootstrap/debootstrap.log" 2>/dev/null || ! mirror_reachable; then
			download_failed "debootstrap"
		fi
		die "debootstrap failed (see $log)" 1
	fi
	touch "$partial/$boot_marker"
else
	say "resuming after debootstrap in $partial"
fi

# Chained with &&: step runs it in an "||" context, where errexit does not apply.
configure() {
	# Package installs must not start daemons in the chroot (nor on the host).
	printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d" &&
		chmod 755 "$partial/usr/sbin/policy-rc.d" &&
		# sid's Release files are reported expired here; keep later apt runs in the chroot working.
		echo 'Acquire::Check-Valid-Until "false";' >"$partial/etc/apt/apt.conf.d/99lizardfs-ha-lab" &&
		cp -L /etc/resolv.conf "$partial/etc/resolv.conf" &&
		chroot_mount "$partial"
}
step "configure chroot" configure || die "configuring the chroot failed (see $log)"

step "apt-get update" in_chroot apt-get -o Acquire::Check-Valid-Until=false \
	-o APT::Update::Error-Mode=any update || download_failed "apt-get update"
# Download separately from install so a network failure (skip) is told apart from a broken package.
step "download ${packages[*]}" in_chroot apt-get install -y --download-only "${packages[@]}" ||
	download_failed "apt-get install --download-only"
step "install ${packages[*]}" in_chroot apt-get install -y "${packages[@]}" ||
	die "installing ${packages[*]} failed (see $log)"
in_chroot apt-get clean >>"$log" 2>&1 || true

chroot_umount "$partial" || die "cannot unmount everything under $partial"
chroot "$partial" sfsmaster -v >>"$log" 2>&1 || die "sfsmaster does not run in the chroot (see $log)"
touch "$partial/$done_marker"
mv -T -- "$partial" "$target"
say "ready: $target ($(chroot "$target" sfsmaster -v 2>&1 | head -n1))"
