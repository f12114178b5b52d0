#!/bin/bash
# keepalived-follow.sh HOST LOGFILE TIMELINE: reads keepalived's console log
# on stdin (its own timestamps have 1 s resolution), writes every line to
# LOGFILE prefixed with the time it was read (microseconds), and appends the
# events worth a timeline line to TIMELINE. Exits when keepalived does (EOF).
h=$1 log=$2 timeline=$3
tl() { printf '%s %s %s\n' "$t" "$h" "$*" >>"$timeline"; }
while IFS= read -r line; do
    t=$EPOCHREALTIME
    printf '%s %s\n' "$t" "$line" >>"$log"
    case $line in
    *"Entering MASTER STATE"*) tl vrrp MASTER ;;
    *"Entering BACKUP STATE"*) tl vrrp BACKUP "${line##*STATE}" ;;
    *"Entering FAULT STATE"*) tl vrrp FAULT "${line##*STATE}" ;;
    *"Script \`"*"\` now returning "*) tl check "returns ${line##*now returning }" ;;
    *"VRRP_Script("*") succeeded"*) tl check ok ;;
    *"VRRP_Script("*") failed"*) tl check failed "${line##*failed }" ;;
    *": Stopping"|*": Stopping Keepalived"*) tl vrrp STOPPING ;;
    *"Stopped Keepalived"*) tl vrrp STOPPED ;;
    *"sent 0 priority"*) tl advert "priority 0 (giving up the VIP)" ;;
    *"daemon is already running"*|*"SECURITY VIOLATION"*|*"not executable"*|*"insecure"*|*"not found/accessible"*) tl keepalived-error "${line#*: }" ;;
    esac
done
