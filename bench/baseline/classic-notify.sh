#!/bin/bash
# The classic keepalived notify script for LizardFS, as found in the field: the baseline of
# bench/cost.mjs. One status call and a string match; when the role differs it restarts the server
# with a binary that does not exist and options real LizardFS refuses (see the README). Only its
# nothing-to-do path is ever run here: its cost is what every keepalived event pays.
STATE=$1 IP=$2 PORT=$3
personality=$(lizardfs-admin metadataserver-status "$IP" "$PORT" | grep personality | awk '{print $2}')
case "$STATE" in
master) [ "$personality" = master ] || lizardfs-master -o initial-personality=master restart ;;
backup | fault) [ "$personality" = shadow ] || lizardfs-master -o initial-personality=shadow restart ;;
esac
exit 0
