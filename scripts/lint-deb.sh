#!/usr/bin/env bash
# lintian on the .deb that `npm run deb` built: every tag level shown (info, pedantic, with
# explanations); fails on an error or warning that is not overridden (packaging/lintian-overrides,
# reasons in packaging/LINTIAN.md). Takes ~15-20 s on 2 cores, hence not part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v lintian >/dev/null; then
    echo "lint-deb: lintian is not installed: apt-get install -y --no-install-recommends lintian" >&2
    exit 2
fi
version=$(node -p "require('./package.json').version")
deb=dist/lizardfs-ha_${version}-${DEB_REVISION:-1}_all.deb
if [ ! -f "$deb" ]; then
    echo "lint-deb: $deb is missing: npm run deb" >&2
    exit 2
fi
start=$(date +%s%N)
# One run that shows everything, overrides included. Its exit status is not the verdict: lintian
# 2.116 exits 2 whenever --show-overrides prints an override, whatever --fail-on says. The
# verdict is whether an E: or W: line (not overridden: those are O:) came out.
out=$(lintian --info --display-info --pedantic --show-overrides "$deb" 2>&1) || true
printf '%s\n' "$out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
tags=$(printf '%s\n' "$out" | grep -E '^[EWIPXO]: ' | cut -c1 | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}')
echo "lint-deb: lintian $(lintian --version | awk '{print $2}') on $deb in ${ms} ms: ${tags:-no tags}" >&2
if printf '%s\n' "$out" | grep -qE '^[EW]: '; then
    echo "lint-deb: FAILED: errors or warnings above (fix them, or override with a reason in packaging/lintian-overrides and packaging/LINTIAN.md)" >&2
    exit 1
fi
