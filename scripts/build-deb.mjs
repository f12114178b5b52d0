#!/usr/bin/env node
// dist/lizardfs-ha_<version>-<revision>_all.deb with Debian's own dpkg-deb; no network.
//
// Input (from `npm run build`): the bundle dist/lizardfs-ha.cjs (CommonJS, whatever directory it is in), dist/man/*.8, dist/completion/lizardfs-ha.bash;
// keepalived/ (examples, track script, systemd unit) and packaging/ from the source tree.
//
//   /usr/sbin/lizardfs-ha                               sh wrapper: exec /usr/bin/node /usr/lib/lizardfs-ha/lizardfs-ha.cjs
//   /usr/lib/lizardfs-ha/lizardfs-ha.cjs                 the bundle (every runtime dependency inside)
//   /usr/lib/lizardfs-ha/lizardfs-ha-check              VRRP track script (if keepalived/lizardfs-ha-check exists)
//   /usr/sbin/lizardfs-ha-check                         -> ../lib/lizardfs-ha/lizardfs-ha-check (the path the examples use)
//   /lib/systemd/system/lizardfs-ha-master.service      not enabled: lizardfs-ha starts it in the role it chose
//   /usr/share/lizardfs-ha/keepalived/                  the keepalived/ tree (examples, README, snippet, unit)
//   /usr/share/man/man8/lizardfs-ha{,-check}.8.gz
//   /usr/share/bash-completion/completions/lizardfs-ha
//   /usr/share/doc/lizardfs-ha/{copyright,changelog.Debian.gz,README.md.gz}
//   /usr/share/lintian/overrides/lizardfs-ha           reasons in packaging/LINTIAN.md
//
// Everything root:root (dpkg-deb --root-owner-group), directories 0755, files 0644, programs 0755.
// Reproducible: mtimes clamped to SOURCE_DATE_EPOCH (else the last commit's time), gzip -n, sorted
// lists; two builds of the same tree give the same bytes (test/package.test.mjs checks).
//
// Usage: node scripts/build-deb.mjs [--from DIR] [--out DIR] [--keep-root]
//   DEB_REVISION (default 1), DEB_MAINTAINER ("Name <mail>"; default package.json author, else the
//   first commit's author), SOURCE_DATE_EPOCH.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    from: { type: 'string', default: path.join(root, 'dist') },
    out: { type: 'string', default: path.join(root, 'dist') },
    'keep-root': { type: 'boolean', default: false },
  },
});
const from = path.resolve(args.from);
const outDir = path.resolve(args.out);

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const NAME = pkg.name;
const revision = process.env.DEB_REVISION || '1';
const version = `${pkg.version}-${revision}`;

const git = (...a) => {
  try {
    return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const epoch = Number(process.env.SOURCE_DATE_EPOCH || git('log', '-1', '--format=%ct') || Math.floor(Date.now() / 1000));
const commit = git('rev-parse', '--short=12', 'HEAD');

function maintainer() {
  if (process.env.DEB_MAINTAINER) return process.env.DEB_MAINTAINER;
  const a = pkg.author;
  if (typeof a === 'string' && /<[^>]+@[^>]+>/.test(a)) return a.replace(/\s*\(.*\)\s*$/, '');
  if (a && typeof a === 'object' && a.name && a.email) return `${a.name} <${a.email}>`;
  const first = git('log', '--reverse', '--format=%an <%ae>').split('\n')[0];
  if (first) return first;
  throw new Error('build-deb: no maintainer: set DEB_MAINTAINER="Name <mail>" or "author" in package.json');
}
const MAINTAINER = maintainer();

// ---- inputs ------------------------------------------------------------------------------------

const need = (p) => {
  if (!fs.existsSync(p)) throw new Error(`build-deb: missing ${path.relative(root, p)}: run \`npm run build\` first`);
  return p;
};
const bundle = need(path.join(from, `${NAME}.cjs`));
const manPages = fs.existsSync(path.join(from, 'man')) ? fs.readdirSync(path.join(from, 'man')).filter((f) => /\.8$/.test(f)).sort() : [];
if (!manPages.includes(`${NAME}.8`)) need(path.join(from, 'man', `${NAME}.8`));
const completion = need(path.join(from, 'completion', `${NAME}.bash`));
const keepalivedDir = need(path.join(root, 'keepalived'));
const checkScript = path.join(keepalivedDir, 'lizardfs-ha-check');
const unit = need(path.join(keepalivedDir, 'systemd', 'lizardfs-ha-master.service'));
const hasCheck = fs.existsSync(checkScript);
if (hasCheck && !manPages.includes('lizardfs-ha-check.8')) need(path.join(from, 'man', 'lizardfs-ha-check.8'));

// ---- staging tree ------------------------------------------------------------------------------

fs.mkdirSync(outDir, { recursive: true });
const stage = fs.mkdtempSync(path.join(outDir, '.deb-root-'));
fs.chmodSync(stage, 0o755);
const dest = (p) => path.join(stage, p.replace(/^\//, ''));
const mkdir = (p) => fs.mkdirSync(dest(p), { recursive: true, mode: 0o755 });
function install(src, to, mode) {
  mkdir(path.dirname(to));
  fs.copyFileSync(src, dest(to));
  fs.chmodSync(dest(to), mode);
}
function write(to, content, mode = 0o644) {
  mkdir(path.dirname(to));
  fs.writeFileSync(dest(to), content);
  fs.chmodSync(dest(to), mode);
}
function gzipTo(src, to) {
  // gzip -9n: no name, no timestamp in the header (reproducible; lintian checks).
  write(to, execFileSync('gzip', ['-9n', '-c', src]));
}
function symlink(target, at) {
  mkdir(path.dirname(at));
  fs.symlinkSync(target, dest(at));
}
function copyTree(src, to, skip) {
  for (const e of fs.readdirSync(src, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const s = path.join(src, e.name);
    if (skip(s)) continue;
    if (e.isDirectory()) copyTree(s, `${to}/${e.name}`, skip);
    else if (e.isFile()) install(s, `${to}/${e.name}`, 0o644);
  }
}

const LIB = `/usr/lib/${NAME}`;
const DOC = `/usr/share/doc/${NAME}`;
const SHARE = `/usr/share/${NAME}`;

install(bundle, `${LIB}/${NAME}.cjs`, 0o755);
install(path.join(root, 'packaging', `${NAME}.sh`), `/usr/sbin/${NAME}`, 0o755);
if (hasCheck) {
  install(checkScript, `${LIB}/lizardfs-ha-check`, 0o755);
  // The examples (and keepalived/README.md) name /usr/sbin/lizardfs-ha-check; keepalived resolves the
  // link and checks every directory of the real path, all root-owned 0755 here.
  symlink(`../lib/${NAME}/lizardfs-ha-check`, '/usr/sbin/lizardfs-ha-check');
}
install(unit, `/lib/systemd/system/${path.basename(unit)}`, 0o644);
// Examples: the keepalived/ tree as documentation (0644: nothing in it is run from there; the
// track script is installed above, and a second, executable copy would only invite using it).
copyTree(keepalivedDir, `${SHARE}/keepalived`, (p) => p === checkScript);
for (const m of manPages) gzipTo(path.join(from, 'man', m), `/usr/share/man/man8/${m}.gz`);
install(completion, `/usr/share/bash-completion/completions/${NAME}`, 0o644);
install(path.join(root, 'packaging', 'lintian-overrides'), `/usr/share/lintian/overrides/${NAME}`, 0o644);
if (fs.existsSync(path.join(root, 'README.md'))) gzipTo(path.join(root, 'README.md'), `${DOC}/README.md.gz`);
write(`${DOC}/copyright`, copyright());
write(`${DOC}/changelog.Debian`, changelog());
execFileSync('gzip', ['-9nf', dest(`${DOC}/changelog.Debian`)]);
fs.chmodSync(dest(`${DOC}/changelog.Debian.gz`), 0o644);

// ---- DEBIAN/ -----------------------------------------------------------------------------------

const files = walk(stage).filter((f) => !f.startsWith('DEBIAN/'));
// Installed-Size as dpkg-gencontrol counts it: KiB per file rounded up, 1 per directory and symlink.
let kib = 0;
for (const f of files) {
  const st = fs.lstatSync(path.join(stage, f));
  kib += st.isFile() ? Math.ceil(st.size / 1024) : 1;
}
const control = fs
  .readFileSync(path.join(root, 'packaging', 'control.in'), 'utf8')
  .replaceAll('@VERSION@', version)
  .replaceAll('@MAINTAINER@', MAINTAINER)
  .replaceAll('@INSTALLED_SIZE@', String(kib))
  .replaceAll('@HOMEPAGE@', pkg.homepage ? `Homepage: ${pkg.homepage}\n` : '');
mkdir('/DEBIAN');
write('/DEBIAN/control', control);
const md5 = files
  .filter((f) => fs.lstatSync(path.join(stage, f)).isFile())
  .map((f) => `${crypto.createHash('md5').update(fs.readFileSync(path.join(stage, f))).digest('hex')}  ${f}\n`)
  .join('');
write('/DEBIAN/md5sums', md5);

// Modes once more, whatever the umask did to directories; then clamp every mtime.
for (const f of ['', ...walk(stage)]) {
  const p = path.join(stage, f);
  const st = fs.lstatSync(p);
  if (st.isDirectory()) fs.chmodSync(p, 0o755);
}
for (const f of [...walk(stage).reverse(), '']) {
  const p = path.join(stage, f);
  if (fs.lstatSync(p).isSymbolicLink()) execFileSync('touch', ['-h', '-d', `@${epoch}`, p]);
  else fs.utimesSync(p, epoch, epoch);
}

const deb = path.join(outDir, `${NAME}_${version}_all.deb`);
execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
});
if (args['keep-root']) process.stderr.write(`build-deb: staging tree kept in ${stage}\n`);
else fs.rmSync(stage, { recursive: true, force: true });
process.stdout.write(`${deb}\n`);

// ---- helpers -----------------------------------------------------------------------------------

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

function debDate(sec) {
  // RFC 5322, as `date -R`, in UTC.
  const d = new Date(sec * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n) => String(n).padStart(2, '0');
  return `${day}, ${p(d.getUTCDate())} ${mon} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function changelog() {
  return `${NAME} (${version}) unstable; urgency=medium

  * Release ${pkg.version}${commit ? ` (git ${commit})` : ''}: single-file build of lizardfs-ha
    for Node.js 20, with its man pages, bash completion, keepalived examples
    and systemd unit.

 -- ${MAINTAINER}  ${debDate(epoch)}
`;
}

/** debian/copyright (DEP-5): the project, then every npm package bundled into lizardfs-ha.cjs. */
function copyright() {
  const spdxToDep5 = { MIT: 'Expat', ISC: 'ISC', 'Apache-2.0': 'Apache-2.0', 'GPL-3.0-only': 'GPL-3', 'GPL-3.0-or-later': 'GPL-3+' };
  const dep5 = (spdx) => {
    const d = spdxToDep5[spdx];
    if (!d) throw new Error(`build-deb: no DEP-5 name for licence ${spdx}: add it to copyright() in scripts/build-deb.mjs`);
    return d;
  };
  // Which packages are in the bundle: esbuild marks each module's code with `// node_modules/<pkg>/<file>`.
  const bundled = [...new Set([...fs.readFileSync(bundle, 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/\n]+\/)?[^/\n]+)\//gm)].map((m) => m[1]))].sort();
  const stanzas = [];
  const used = new Set([dep5(pkg.license)]);
  const holder = git('log', '--reverse', '--format=%an <%ae>').split('\n')[0] || MAINTAINER;
  const year = new Date(epoch * 1000).getUTCFullYear();
  stanzas.push(`Files: *\nCopyright: ${year} ${holder}\nLicense: ${dep5(pkg.license)}`);
  for (const name of bundled) {
    const dir = path.join(root, 'node_modules', name);
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const licFile = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = licFile ? fs.readFileSync(path.join(dir, licFile), 'utf8') : '';
    const notices = [...text.matchAll(/^\s*Copyright\s+(?:\(c\)|©)\s*(.+)$/gim)].map((m) => m[1].trim());
    const author = typeof p.author === 'string' ? p.author : p.author?.name ? `${p.author.name}${p.author.email ? ` <${p.author.email}>` : ''}` : '';
    const who = notices.length ? notices : [author || `the ${name} authors`];
    const lic = dep5(p.license);
    used.add(lic);
    stanzas.push(
      `Files: node_modules/${name}/*\nCopyright: ${who.join('\n ')}\nLicense: ${lic}\nComment: ${name} ${p.version}, bundled into /usr/lib/${NAME}/${NAME}.cjs.`,
    );
  }
  const texts = {
    'GPL-3': `License: GPL-3
 This program is free software: you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation, version 3 of the License.
 .
 This program is distributed in the hope that it will be useful,
 but WITHOUT ANY WARRANTY; without even the implied warranty of
 MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the
 GNU General Public License for more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 3 can be found in "/usr/share/common-licenses/GPL-3".`,
    'Apache-2.0': `License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License");
 you may not use this file except in compliance with the License.
 You may obtain a copy of the License at
 .
 https://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS,
 WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 See the License for the specific language governing permissions and
 limitations under the License.
 .
 On Debian systems, the complete text of the Apache License, Version 2.0
 can be found in "/usr/share/common-licenses/Apache-2.0".`,
    Expat: `License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.`,
    ISC: `License: ISC
 Permission to use, copy, modify, and/or distribute this software for any
 purpose with or without fee is hereby granted, provided that the above
 copyright notice and this permission notice appear in all copies.
 .
 THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.`,
  };
  const header = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ${NAME}
${pkg.homepage ? `Source: ${pkg.homepage}\n` : ''}Comment: /usr/lib/${NAME}/${NAME}.cjs is a single-file build (esbuild) of
 ${NAME} and the npm packages listed below; their licence notices are also
 kept at the end of that file.`;
  return `${[header, ...stanzas, ...[...used].sort().map((l) => texts[l])].join('\n\n')}\n`;
}
