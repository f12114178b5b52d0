#!/bin/sh
# /usr/sbin/lizardfs-ha: runs the bundled program with the packaged Node.js.
#
# A wrapper, not a symlink to the .cjs file: that file starts with `#!/usr/bin/env node`, which takes
# the first `node` on PATH. keepalived runs this hook as root, so the interpreter must be a fixed,
# root-owned path: /usr/bin/node, from the nodejs package this package depends on. (keepalived's
# script security checks this file and its directories; it cannot check what a PATH lookup finds.)
exec /usr/bin/node /usr/lib/lizardfs-ha/lizardfs-ha.cjs "$@"
