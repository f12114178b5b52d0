#!/usr/bin/env bash
# Mount / unmount what a chroot needs to run SaunaFS: proc (sfsmaster and package scripts read it),
# /dev (for /dev/fuse, /dev/null) and /dev/pts.
#
#   chroot-mounts.sh mount DIR     # idempotent: mounts only what is missing
#   chroot-mounts.sh umount DIR    # idempotent: unmounts EVERYTHING under DIR, deepest first
#   chroot-mounts.sh list DIR      # prints mount points under DIR (empty = clean)
#
# Can also be sourced: it then only defines chroot_mount, chroot_umount, chroot_mounts_under.

# Mount points under DIR (DIR included), one a line, in mount order. Read from mountinfo rather than
# from a list of what we mounted, so leftovers of an interrupted run or of debootstrap (which mounts
# proc/sys itself) are found too.
chroot_mounts_under() {
	local dir
	dir=$(realpath -m -- "$1")
	# Field 5 is the mount point; octal escapes (\040 for a space) never match our paths, which is
	# why chroot_mount refuses a DIR containing whitespace.
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

chroot_mount() {
	local dir
	dir=$(realpath -e -- "$1") || { echo "chroot-mounts: no such directory: $1" >&2; return 1; }
	case $dir in
	/ | *[[:space:]]*) echo "chroot-mounts: refusing to work on '$dir'" >&2; return 1 ;;
	esac
	# Explicit "|| return": callers may run this where errexit is off (in an "if" or "||").
	mkdir -p "$dir/proc" "$dir/dev" || return
	if ! mountpoint -q "$dir/proc"; then
		mount -t proc proc "$dir/proc" || return
	fi
	if ! mountpoint -q "$dir/dev"; then
		# On hosts with shared propagation (systemd) the bind would join /dev's peer group and the
		# dev/pts mount below would propagate back onto the host's /dev/pts. Private stops that.
		mount --bind /dev "$dir/dev" && mount --make-private "$dir/dev" || return
	fi
	# Non-recursive bind above, so the host's /dev/pts is not inside it: bind it explicitly (apt
	# and anything wanting a pty need it).
	mkdir -p "$dir/dev/pts" || return
	if ! mountpoint -q "$dir/dev/pts"; then
		mount --bind /dev/pts "$dir/dev/pts" && mount --make-private "$dir/dev/pts" || return
	fi
}

chroot_umount() {
	local dir mp left
	dir=$(realpath -m -- "$1")
	[ "$dir" = / ] && { echo "chroot-mounts: refusing to unmount /" >&2; return 1; }
	# Reverse mount order = children before parents. Lazy unmount as a fallback so a process still
	# sitting in the chroot cannot make us leave a mount behind.
	while read -r mp; do
		[ -n "$mp" ] || continue
		umount -- "$mp" 2>/dev/null || umount -l -- "$mp"
	done < <(chroot_mounts_under "$dir" | tac)
	left=$(chroot_mounts_under "$dir")
	if [ -n "$left" ]; then
		echo "chroot-mounts: still mounted under $dir:" "$left" >&2
		return 1
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case ${1:-}:${2:-} in
	mount:?*) chroot_mount "$2" ;;
	umount:?*) chroot_umount "$2" ;;
	list:?*) chroot_mounts_under "$2" ;;
	*) echo "usage: $0 mount|umount|list DIR" >&2; exit 2 ;;
	esac
fi
