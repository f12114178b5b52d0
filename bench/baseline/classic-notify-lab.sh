#!/bin/bash
# The classic keepalived notify script (bench/baseline/classic-notify.sh), with the least changes that
# make it work at all against the lab's real SaunaFS servers: the baseline of bench/failover.mjs.
#   classic-notify-lab.sh STATE IP PORT
# Fixed, and only this: the binaries are the real ones (saunafs-admin, sfsmaster; run in the lab's
# chroot through $LIZARDFS_HA_EXEC_PREFIX), `-c $LIZARDFS_HA_CONFIG` (the lab's config is not at the
# default path: without it sfsmaster finds no config), and `-o auto-recovery` when starting a master
# (a shadow restarted as master, or a server killed by SIGKILL, leaves changelogs newer than the
# metadata file / a stale lock: without it the server refuses to start). Kept as in the field: one
# human-format status call and a string match, restart-based promotion
# (`sfsmaster -o ha-cluster-managed -o initial-personality=master restart`), no timeouts, no
# verification, no peer check, output thrown away by keepalived.
STATE=$1 IP=$2 PORT=$3
P=${LIZARDFS_HA_EXEC_PREFIX:-}
CFG=${LIZARDFS_HA_CONFIG:-/etc/saunafs/sfsmaster.cfg}
personality=$($P saunafs-admin metadataserver-status "$IP" "$PORT" | grep personality | awk '{print $2}')
case "$STATE" in
master | MASTER) [ "$personality" = master ] || $P sfsmaster -c "$CFG" -o ha-cluster-managed -o initial-personality=master -o auto-recovery restart ;;
backup | fault | BACKUP | FAULT) [ "$personality" = shadow ] || $P sfsmaster -c "$CFG" -o ha-cluster-managed -o initial-personality=shadow restart ;;
esac
exit 0
