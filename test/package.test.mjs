// Packaging: the single-file bundle, the man pages and bash completion generated from buildProgram(),
// and the .deb (built with dpkg-deb, installed with dpkg into a scratch root, run, checked with
// keepalived -t). Everything is built into temp dirs here, from the current tree: the test does not
// trust (or disturb) dist/lizardfs-ha.cjs, dist/man or dist/*.deb. Needs the tsc build (npm test does
// it first) for bin/lizardfs-ha.js and for gen-docs, which imports dist/cli/program.js.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'lizardfs-ha.js');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const CHECK_SCRIPT = path.join(ROOT, 'keepalived', 'lizardfs-ha-check');
const run = promisify(execFile);

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = process.getuid?.() === 0;
const tscBuilt = fs.existsSync(path.join(ROOT, 'dist', 'cli', 'program.js'));
const NO_TSC = tscBuilt ? false : 'dist/cli/program.js missing: run `npm run build` first (npm test does)';

/** An environment without the caller's LIZARDFS_HA_* (or CA-bundle noise), no colour, no syslog. */
function cleanEnv(extra = {}) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', NO_COLOR: '1', LIZARDFS_HA_SYSLOG: '0' };
  return { ...env, ...extra };
}

let work; // temp dir: bundle, trace bundle, man/, completion/
let bundle;

before(() => {
  if (!tscBuilt) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lzha-pkg-'));
  bundle = path.join(work, 'lizardfs-ha.cjs');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs'), '--outfile', bundle], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-docs.mjs'), '--out', work], { stdio: ['ignore', 'ignore', 'pipe'] });
});
after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function program() {
  const { buildProgram } = await import(pathToFileURL(path.join(ROOT, 'dist', 'cli', 'program.js')).href);
  return buildProgram({});
}

// ---- bundle ------------------------------------------------------------------------------------

describe('bundle', { skip: NO_TSC }, () => {
  test('one executable ESM file with a node shebang and no imports left but node builtins', () => {
    const text = fs.readFileSync(bundle, 'utf8');
    assert.equal(text.split('\n')[0], '#!/usr/bin/env node');
    assert.ok((fs.statSync(bundle).mode & 0o111) === 0o111, 'executable');
    const imports = [...text.matchAll(/^\s*import\s[^;]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\brequire\(['"]([^'"]+)['"]\)/g)].map((m) => m[1]);
    assert.deepEqual(imports.filter((s) => !s.startsWith('node:') && !['fs', 'path', 'os', 'util', 'events', 'child_process', 'process', 'tty', 'url', 'stream', 'buffer', 'string_decoder', 'timers', 'net', 'crypto'].includes(s)), []);
    // Runs from anywhere, without node_modules next to it.
    const copy = path.join(work, 'alone', 'x.js');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(bundle, copy);
    assert.equal(execFileSync(process.execPath, [copy, '--version'], { cwd: path.dirname(copy), env: cleanEnv(), encoding: 'utf8' }).trim(), PKG.version);
  });

  // Same argv, same environment: same exit code, stdout and stderr as the tsc build. Every case is
  // bad input or help, so nothing reaches a LizardFS binary.
  const CASES = [
    [],
    ['--help'],
    ['--version'],
    ['-V'],
    ['help', 'promote'],
    ['notify', '--help'],
    ['status', '--help'],
    ['notify'],
    ['notify', 'master'],
    ['notify', 'master', '127.0.0.1'],
    ['notify', 'bogus', '127.0.0.1', '9421'],
    ['notify', 'MASTER', '127.0.0.1', '99999'],
    ['notify', 'master', 'not_a_host!', '9421'],
    ['notify', 'master', '127.0.0.1', '9421', 'extra'],
    ['notify', 'INSTANCE', 'VI_1', 'SIDEWAYS'],
    ['notify', 'master', '127.0.0.1', '9421', '--timeout', 'soon'],
    ['notify', 'master', '127.0.0.1', '9421', '--peer', 'nohost'],
    ['notify', 'master', '127.0.0.1', '9421', '--bogus-flag'],
    ['promote', '--method', 'sideways'],
    ['status', '--flavor', 'moosefs'],
    ['history', '--lines', '0'],
    ['no-such-command'],
  ];
  test(`same behaviour as bin/lizardfs-ha.js (${CASES.length} argv: help, version, bad input)`, async () => {
    const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
    const env = cleanEnv({ LIZARDFS_HA_STATE_DIR: path.join(cwd, 'run') });
    const call = (file, argv) =>
      run(process.execPath, [file, ...argv], { cwd, env, encoding: 'utf8' }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const results = await Promise.all(CASES.map(async (argv) => [argv, await call(bundle, argv), await call(BIN, argv)]));
    for (const [argv, b, t] of results) {
      assert.deepEqual(b, t, `lizardfs-ha ${argv.join(' ')}`);
    }
    // And the cases mean something: help exits 0, bad input 2 with one line on stderr.
    const byArgs = new Map(results.map(([a, b]) => [a.join(' '), b]));
    assert.equal(byArgs.get('--version').stdout.trim(), PKG.version);
    assert.match(byArgs.get('--help').stdout, /Usage: lizardfs-ha/);
    assert.equal(byArgs.get('notify bogus 127.0.0.1 9421').code, 2);
    assert.match(byArgs.get('notify bogus 127.0.0.1 9421').stderr, /invalid state "bogus"/);
  });

  test('--version does not evaluate the engine or chalk (lazy imports stay lazy)', () => {
    // A bundle whose every module records itself when evaluated (scripts/bundle.mjs --trace).
    const traced = path.join(work, 'trace.js');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle.mjs'), '--trace', '--outfile', traced], { stdio: ['ignore', 'ignore', 'pipe'] });
    const hook = path.join(work, 'report-evaluated.mjs');
    fs.writeFileSync(hook, "process.on('exit', () => process.stderr.write(`\\nEVALUATED ${JSON.stringify(globalThis.__lzhaEvaluated ?? [])}\\n`));\n");
    const evaluated = (argv) => {
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, traced, ...argv], { env: cleanEnv(), encoding: 'utf8' });
      const m = /EVALUATED (.*)$/m.exec(r.stderr);
      assert.ok(m, r.stderr);
      return JSON.parse(m[1]);
    };
    const v = evaluated(['--version']);
    assert.ok(v.includes('src/cli/program.ts') && v.some((m) => m.startsWith('node_modules/commander/')), 'tracing works');
    const eager = v.filter((m) => /^src\/(engine\/(?!types)|exec\/|lizardfs\/(status|config|commands)|log\/|cli\/(output|history|fifo))|^node_modules\/(execa|chalk|cross-spawn)\//.test(m));
    assert.deepEqual(eager, [], 'modules evaluated for --version that only a command needs');
    // ... and the lazy path does load them when a command needs them.
    const h = evaluated(['history', '--state-dir', path.join(work, 'nohistory')]);
    assert.ok(h.includes('src/cli/history.ts'), 'history loads its module lazily');
  });
});

// ---- man page ----------------------------------------------------------------------------------

/** roff source -> plain text, enough to search: fonts, escapes and macro names out. */
function roffText(src) {
  return src
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\')
    .replace(/^\.(TP|PP|RS.*|RE|br|nf|fi|nh|ad.*)$/gm, '');
}
function manSections(src) {
  const out = new Map();
  let sh = null;
  let ss = null;
  for (const l of src.split('\n')) {
    let m;
    if ((m = /^\.SH\s+"?(.*?)"?$/.exec(l))) {
      sh = m[1];
      ss = null;
      out.set(sh, '');
      continue;
    }
    if ((m = /^\.SS\s+(.*)$/.exec(l))) {
      ss = roffText(m[1]);
      out.set(`${sh}/${ss}`, '');
      continue;
    }
    if (sh) out.set(sh, `${out.get(sh)}${l}\n`);
    if (sh && ss) out.set(`${sh}/${ss}`, `${out.get(`${sh}/${ss}`)}${l}\n`);
  }
  return out;
}

describe('man page', { skip: NO_TSC }, () => {
  const man = () => fs.readFileSync(path.join(work, 'man', 'lizardfs-ha.8'), 'utf8');

  test('has the sections an operator looks for, in ASCII', () => {
    const src = man();
    const sections = [...manSections(src).keys()].filter((k) => !k.includes('/'));
    for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO']) {
      assert.ok(sections.includes(s), `section ${s} in ${sections.join(', ')}`);
    }
    assert.match(src, new RegExp(`^\\.TH LIZARDFS\\\\-HA 8 "\\d{4}-\\d\\d-\\d\\d" "lizardfs-ha ${PKG.version.replace(/\./g, '\\.')}"`, 'm'));
    assert.doesNotMatch(src, /[^\x00-\x7f]/, 'non-ASCII byte in the roff source');
  });

  test('every command, argument and option of buildProgram() is documented', async () => {
    const p = await program();
    const sec = manSections(man());
    const commandsText = roffText(sec.get('COMMANDS'));
    const synopsis = roffText(sec.get('SYNOPSIS'));
    const groups = [...sec.keys()].filter((k) => k.startsWith('OPTIONS/'));
    for (const o of p.options) assert.ok(roffText(sec.get('OPTIONS/Global options')).includes(o.flags), `global ${o.flags}`);
    for (const cmd of p.commands) {
      assert.match(commandsText, new RegExp(`^${cmd.name()}\\b`, 'm'), `command ${cmd.name()} in COMMANDS`);
      assert.match(synopsis, new RegExp(`^lizardfs-ha ${cmd.name()} \\[options\\]`, 'm'), `command ${cmd.name()} in SYNOPSIS`);
      for (const a of cmd.registeredArguments) {
        // A variadic argument whose description is a usage (`<state> <ip> <port>`) is shown as that usage.
        const shown = a.variadic && /^<[^>]+>/.test(a.description) ? a.description.replace(/[<>[\]]/g, '') : a.name();
        assert.match(commandsText, new RegExp(`^${cmd.name()} .*${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'), `${cmd.name()} argument ${a.name()}`);
      }
      // Each option in an "Options of ..." group that names this command (or every command).
      const mine = groups.filter((g) => g === 'OPTIONS/Options of every command' || g.replace(/^OPTIONS\/Options of /, '').split(', ').includes(cmd.name()));
      assert.ok(mine.length > 0, `an options group for ${cmd.name()}`);
      const text = mine.map((g) => roffText(sec.get(g))).join('\n');
      for (const o of cmd.options) {
        const term = o.flags.replace(/\s*[<[].*$/, '');
        assert.ok(text.split('\n').some((l) => l.startsWith(term)), `${cmd.name()} ${o.flags}`);
        assert.ok(text.includes(o.description.split('\n')[0]), `${cmd.name()} ${o.flags}: its description`);
      }
    }
  });

  test('ENVIRONMENT lists every LIZARDFS_HA_* variable; EXIT STATUS lists 0-4', async () => {
    const { ENV } = await import(pathToFileURL(path.join(ROOT, 'dist', 'cli', 'options.js')).href);
    const p = await program();
    const sec = manSections(man());
    const env = roffText(sec.get('ENVIRONMENT'));
    const named = new Set(Object.values(ENV));
    for (const c of p.commands) {
      for (const t of [c.description(), ...c.options.map((o) => o.description)]) for (const m of t.matchAll(/LIZARDFS_HA_[A-Z0-9_]+/g)) named.add(m[0]);
    }
    for (const v of named) assert.match(env, new RegExp(`^${v}$`, 'm'), v);
    const exit = roffText(sec.get('EXIT STATUS'));
    for (const code of [0, 1, 2, 3, 4]) assert.match(exit, new RegExp(`^${code}$`, 'm'), `exit ${code}`);
    assert.match(exit, /superseded/);
    const files = roffText(sec.get('FILES'));
    for (const f of ['/etc/mfs/mfsmaster.cfg', '/run/lizardfs-ha/', '/run/lizardfs-ha/master.env', '/usr/share/lizardfs-ha/keepalived/', 'history.jsonl']) assert.ok(files.includes(f), f);
  });

  test('renders without a warning (groff -ww; man -l)', { skip: have('groff') ? false : 'groff not installed (apt-get install groff-base)' }, () => {
    const pages = fs.readdirSync(path.join(work, 'man')).filter((f) => f.endsWith('.8'));
    assert.ok(pages.includes('lizardfs-ha.8'));
    if (fs.existsSync(CHECK_SCRIPT)) assert.ok(pages.includes('lizardfs-ha-check.8'), 'lizardfs-ha-check.8 from the script header');
    for (const p of pages) {
      const file = path.join(work, 'man', p);
      const g = spawnSync('groff', ['-ww', '-z', '-man', '-Tutf8', file], { encoding: 'utf8' });
      assert.equal(g.status, 0, g.stderr);
      assert.equal(g.stderr, '', `${p}: groff warnings`);
      if (have('man')) {
        const m = spawnSync('man', ['--warnings', '-l', file], { encoding: 'utf8', env: { ...cleanEnv(), MANWIDTH: '80', MAN_KEEP_FORMATTING: '0', PAGER: 'cat' } });
        assert.equal(m.status, 0, m.stderr);
        assert.equal(m.stderr, '', `${p}: man -l warnings`);
        assert.match(m.stdout.replace(/.\x08/g, ''), /^NAME$/m);
      }
    }
  });
});

// ---- bash completion ---------------------------------------------------------------------------

describe('bash completion', { skip: NO_TSC || (have('bash') ? false : 'bash not installed') }, () => {
  const script = () => path.join(work, 'completion', 'lizardfs-ha.bash');
  /** COMPREPLY for the command line `words`, the last word being completed. */
  function complete(words, cwd = work) {
    const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
    const code = `source ${q(script())}; COMP_WORDS=(${words.map(q).join(' ')}); COMP_CWORD=${words.length - 1}; _lizardfs_ha; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', code], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  test('is registered for lizardfs-ha and parses in bash -n', () => {
    assert.equal(spawnSync('bash', ['-n', script()]).status, 0);
    assert.match(fs.readFileSync(script(), 'utf8'), /^complete -F _lizardfs_ha lizardfs-ha$/m);
  });

  test('every command and every option of buildProgram() completes', async () => {
    const p = await program();
    const top = complete(['lizardfs-ha', '']);
    for (const c of p.commands) assert.ok(top.includes(c.name()), `command ${c.name()}`);
    for (const o of p.options) for (const f of [o.short, o.long].filter(Boolean)) assert.ok(top.includes(f), f);
    for (const c of p.commands) {
      const got = complete(['lizardfs-ha', c.name(), '-']);
      for (const o of c.options) for (const f of [o.short, o.long].filter(Boolean)) assert.ok(got.includes(f), `${c.name()} ${f}`);
      assert.ok(got.includes('--help'), `${c.name()} --help`);
    }
  });

  test('completes prefixes, notify states, enumerated values, files and directories', () => {
    const dir = fs.mkdtempSync(path.join(work, 'comp-'));
    fs.writeFileSync(path.join(dir, 'mfsmaster.cfg'), '');
    fs.writeFileSync(path.join(dir, 'mfs.log'), '');
    fs.mkdirSync(path.join(dir, 'mfs-state'));
    assert.deepEqual(complete(['lizardfs-ha', 'no']), ['notify']);
    assert.deepEqual(complete(['lizardfs-ha', 'pro']), ['promote']);
    assert.deepEqual(complete(['lizardfs-ha', 'notify', '']), ['GROUP', 'INSTANCE', 'backup', 'fault', 'master', 'stop']);
    assert.deepEqual(complete(['lizardfs-ha', 'notify', 'ma']), ['master']);
    // An option's value is skipped when finding the positional word.
    assert.deepEqual(complete(['lizardfs-ha', 'notify', '--timeout', '5', 'f']), ['fault']);
    assert.deepEqual(complete(['lizardfs-ha', 'notify', 'master', '127.0.0.1', '9421', '--dry']), ['--dry-run']);
    assert.deepEqual(complete(['lizardfs-ha', 'notify', '--flavor', '']), ['lizardfs', 'saunafs']);
    assert.deepEqual(complete(['lizardfs-ha', 'promote', '--method', 'a']), ['admin', 'auto']);
    assert.deepEqual(complete(['lizardfs-ha', 'demote', '--service-manager', '']), ['auto', 'direct', 'systemd']);
    assert.deepEqual(complete(['lizardfs-ha', 'status', '--config', `${dir}/mfs`]), [`${dir}/mfs-state`, `${dir}/mfs.log`, `${dir}/mfsmaster.cfg`]);
    assert.deepEqual(complete(['lizardfs-ha', 'notify', '--log-file', 'mfs.'], dir), ['mfs.log']);
    // --config=<TAB>: bash splits the word at "=" (COMP_WORDBREAKS).
    assert.deepEqual(complete(['lizardfs-ha', 'check', '--config', '=', 'mfsm'], dir), ['mfsmaster.cfg']);
    assert.deepEqual(complete(['lizardfs-ha', 'check', '--config', '='], dir), ['mfs-state', 'mfs.log', 'mfsmaster.cfg']);
    assert.deepEqual(complete(['lizardfs-ha', 'history', '--state-dir', 'mfs'], dir), ['mfs-state']);
    assert.deepEqual(complete(['lizardfs-ha', 'promote', '--peer', '']), []);
    assert.deepEqual(complete(['lizardfs-ha', 'help', 'st']), ['status']);
  });
});

// ---- .deb --------------------------------------------------------------------------------------

function debSkip() {
  if (NO_TSC) return NO_TSC;
  if (!isRoot) return 'needs root: dpkg --root installs root-owned files, keepalived -t and chroot need root';
  for (const c of ['dpkg-deb', 'dpkg', 'gzip']) if (!have(c)) return `${c} not installed`;
  return false;
}

/** true when no non-root user can modify p or any directory above it (keepalived's script security rule). */
function secureForKeepalived(p) {
  for (let d = fs.realpathSync(p); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if (st.uid !== 0 || (st.mode & 0o002) !== 0) return false; // keepalived trusts group root, see below
    if (d === '/') return true;
  }
}

describe('.deb', { skip: debSkip() }, () => {
  let out; // build output
  let deb;
  let inst; // the scratch root dpkg installs into

  before(() => {
    if (debSkip()) return;
    out = fs.mkdtempSync(path.join(work, 'deb-'));
    deb = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-deb.mjs'), '--from', work, '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    // The install root must sit below directories no non-root user can write, or keepalived -t
    // would (rightly) refuse the installed track script: the repo's dist/ normally, else /run.
    const base = [path.join(ROOT, 'dist'), '/run'].find((d) => fs.existsSync(d) && secureForKeepalived(d));
    assert.ok(base, 'no directory with root-only ancestors for the install root');
    inst = fs.mkdtempSync(path.join(base, '.lzha-deb-root-'));
    fs.chmodSync(inst, 0o755);
  });
  after(() => {
    if (inst) fs.rmSync(inst, { recursive: true, force: true });
  });

  test('file name, control fields, contents and modes', (t) => {
    assert.equal(path.basename(deb), `lizardfs-ha_${PKG.version}-1_all.deb`);
    const info = execFileSync('dpkg-deb', ['--field', deb], { encoding: 'utf8' });
    const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(info)?.[1];
    assert.equal(field('Package'), 'lizardfs-ha');
    assert.equal(field('Version'), `${PKG.version}-1`);
    assert.equal(field('Architecture'), 'all');
    assert.equal(field('Depends'), 'nodejs (>= 20)');
    assert.equal(field('Recommends'), 'keepalived');
    assert.equal(field('Section'), 'admin');
    assert.equal(field('Priority'), 'optional');
    assert.match(field('Maintainer') ?? '', /^.+ <[^>]+@[^>]+>$/);
    assert.match(field('Description') ?? '', /\S/);
    assert.match(execFileSync('dpkg-deb', ['--info', deb], { encoding: 'utf8' }), /md5sums/);

    // `drwxr-xr-x root/root 0 2026-11-25 21:59 ./usr/sbin/` lines.
    const entries = execFileSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => {
        const m = /^(\S+) (\S+)\s+\d+ \S+ \S+ \.(\/\S*)(?: -> (\S+))?$/.exec(l);
        assert.ok(m, l);
        return { mode: m[1], owner: m[2], path: m[3].replace(/(.)\/$/, '$1'), target: m[4] };
      });
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const e of entries) assert.equal(e.owner, 'root/root', e.path);
    const exec = ['/usr/sbin/lizardfs-ha', '/usr/lib/lizardfs-ha/lizardfs-ha.cjs'];
    const want = [
      ...exec,
      '/lib/systemd/system/lizardfs-ha-master.service',
      '/usr/share/man/man8/lizardfs-ha.8.gz',
      '/usr/share/bash-completion/completions/lizardfs-ha',
      '/usr/share/doc/lizardfs-ha/copyright',
      '/usr/share/doc/lizardfs-ha/changelog.Debian.gz',
      '/usr/share/lizardfs-ha/keepalived/two-node/mfs-master1.conf',
      '/usr/share/lizardfs-ha/keepalived/systemd/lizardfs-ha-master.service',
    ];
    if (fs.existsSync(CHECK_SCRIPT)) {
      want.push('/usr/lib/lizardfs-ha/lizardfs-ha-check', '/usr/sbin/lizardfs-ha-check', '/usr/share/man/man8/lizardfs-ha-check.8.gz');
      exec.push('/usr/lib/lizardfs-ha/lizardfs-ha-check');
      assert.equal(byPath.get('/usr/sbin/lizardfs-ha-check')?.target, '../lib/lizardfs-ha/lizardfs-ha-check');
    } else {
      t.diagnostic('keepalived/lizardfs-ha-check not in the tree yet: its paths are not checked');
    }
    for (const p of want) assert.ok(byPath.has(p), `${p} in the package`);
    // Every example of keepalived/ is there.
    const examples = execFileSync('find', ['keepalived', '-type', 'f'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    for (const f of examples.filter((f) => f !== 'keepalived/lizardfs-ha-check')) assert.ok(byPath.has(`/usr/share/lizardfs-ha/${f}`), f);
    for (const e of entries) {
      if (e.mode.startsWith('l')) continue;
      const wantMode = e.mode.startsWith('d') || exec.includes(e.path) ? 'rwxr-xr-x' : 'rw-r--r--';
      assert.equal(e.mode.slice(1), wantMode, e.path);
    }
  });

  test('is reproducible: a second build is byte-identical', () => {
    const again = fs.mkdtempSync(path.join(work, 'deb2-'));
    const deb2 = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-deb.mjs'), '--from', work, '--out', again], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const sha = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    assert.equal(sha(deb2), sha(deb));
  });

  // Installed with dpkg into a scratch root, not into this machine and not into a debootstrapped
  // Debian: a debootstrap costs minutes and the network, and Debian 12's own nodejs is 18, so
  // `Depends: nodejs (>= 20)` cannot be met from the archive there anyway (production nodes get
  // Node 20 from NodeSource or Debian 13). --force-depends stands in for that; the program is then
  // run by this machine's Node 20, first directly, then through the installed /usr/sbin wrapper in
  // a chroot of the scratch root that holds nothing but /usr/bin/node, /bin/sh and their libraries.
  test('installs with dpkg --root; files root-owned, none group/world-writable; runs', async (t) => {
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) fs.mkdirSync(path.join(inst, d), { recursive: true });
    fs.writeFileSync(path.join(inst, 'var/lib/dpkg/status'), '');
    const r = spawnSync('dpkg', ['--root', inst, '--force-depends', '--force-not-root', '--log=/dev/null', '-i', deb], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const status = execFileSync('dpkg-query', ['--admindir', path.join(inst, 'var/lib/dpkg'), '-W', '-f', '${Status} ${Version}', 'lizardfs-ha'], { encoding: 'utf8' });
    assert.equal(status, `install ok installed ${PKG.version}-1`);

    const listed = fs.readFileSync(path.join(inst, 'var/lib/dpkg/info/lizardfs-ha.list'), 'utf8').trim().split('\n');
    for (const p of listed) {
      const st = fs.lstatSync(path.join(inst, p));
      assert.equal(`${st.uid}:${st.gid}`, '0:0', `${p} owner`);
      if (!st.isSymbolicLink()) assert.equal(st.mode & 0o022, 0, `${p} is group/world-writable (${(st.mode & 0o777).toString(8)})`);
    }

    const version = execFileSync(process.execPath, [path.join(inst, 'usr/lib/lizardfs-ha/lizardfs-ha.cjs'), '--version'], { env: cleanEnv(), encoding: 'utf8' });
    assert.equal(version.trim(), PKG.version);
    const wrapper = fs.readFileSync(path.join(inst, 'usr/sbin/lizardfs-ha'), 'utf8');
    assert.match(wrapper, /^#!\/bin\/sh\n/);
    assert.match(wrapper, /^exec \/usr\/bin\/node \/usr\/lib\/lizardfs-ha\/lizardfs-ha\.cjs "\$@"$/m);
    assert.equal(spawnSync('sh', ['-n', path.join(inst, 'usr/sbin/lizardfs-ha')]).status, 0);

    // man finds the installed pages by name in the scratch root's man tree.
    if (have('man')) {
      const m = spawnSync('man', ['-M', path.join(inst, 'usr/share/man'), '-w', 'lizardfs-ha'], { encoding: 'utf8' });
      assert.equal(m.stdout.trim(), path.join(inst, 'usr/share/man/man8/lizardfs-ha.8.gz'), m.stderr);
    }

    const chroot = chrootRunner(inst);
    if (typeof chroot === 'string') {
      t.diagnostic(`wrapper not run in a chroot: ${chroot}`);
      return;
    }
    const v = chroot(['/usr/sbin/lizardfs-ha', '--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), PKG.version);
    const bad = chroot(['/usr/sbin/lizardfs-ha', 'notify', 'sideways', '127.0.0.1', '9421']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /invalid state "sideways"/);
  });

  // What `keepalived -t` (2.2.x) checks, found out by trying: a vrrp_script that is missing, or
  // that a non-root user could change (the file or any directory on its resolved path writable by
  // others, or not owned by root), disables the script and exits 5. It does not look at notify_*
  // scripts at all (a missing /usr/sbin/lizardfs-ha passes -t and shows only when keepalived
  // starts). So: the installed examples, their /usr/sbin paths pointed into the scratch root, must
  // pass -t in a network namespace with an interface named eth0; two negative controls show that
  // the pass means something; and the notify paths are checked here the way keepalived checks
  // them at run time.
  test('installed keepalived examples pass keepalived -t with the installed scripts', { skip: have('keepalived') ? (have('unshare') && have('ip') ? false : 'unshare/ip (util-linux, iproute2) not installed') : 'keepalived not installed' }, (t) => {
    if (!fs.existsSync(path.join(inst, 'usr/sbin/lizardfs-ha'))) t.skip('the install test did not run');
    if (!fs.existsSync(CHECK_SCRIPT)) return t.skip('keepalived/lizardfs-ha-check not in the tree yet: the examples name it, keepalived -t would exit 5');
    const examplesDir = path.join(inst, 'usr/share/lizardfs-ha/keepalived');
    const confs = execFileSync('find', [examplesDir, '-name', '*.conf'], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.ok(confs.length >= 2, 'examples');
    const ktest = (conf) => {
      // A private network namespace with an "eth0" (one end of a veth pair): the examples' interface.
      const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link add v0 type veth peer name eth0 && ip link set eth0 up && exec keepalived -t -f "$1"', 'sh', conf], { encoding: 'utf8' });
      return r;
    };
    const rewrite = (conf, to, edit = (s) => s) => {
      fs.writeFileSync(to, edit(fs.readFileSync(conf, 'utf8').replaceAll('"/usr/sbin/', `"${inst}/usr/sbin/`).replace(/(\s)\/usr\/sbin\/lizardfs-ha-check/g, `$1${inst}/usr/sbin/lizardfs-ha-check`)));
      return to;
    };
    const tmp = fs.mkdtempSync(path.join(work, 'kconf-'));
    for (const conf of confs) {
      const rel = path.relative(examplesDir, conf);
      const c = rewrite(conf, path.join(tmp, rel.replace(/\//g, '_')));
      assert.ok(fs.readFileSync(c, 'utf8').includes(`${inst}/usr/sbin/lizardfs-ha-check`), `${rel} names the track script`);
      const r = ktest(c);
      assert.equal(r.status, 0, `${rel}: keepalived -t exit ${r.status}\n${r.stderr}`);
      // Every notify hook / FIFO reader the example runs exists in the package and is secure.
      for (const m of fs.readFileSync(c, 'utf8').matchAll(/^\s*(?:notify\w*|vrrp_notify_fifo_script)\s+"([^"\s]+)/gm)) {
        const prog = m[1];
        assert.ok(prog.startsWith(`${inst}/`), `${rel}: ${prog} is a packaged path`);
        const st = fs.statSync(prog);
        assert.ok(st.mode & 0o100, `${rel}: ${prog} executable`);
        assert.ok(secureForKeepalived(prog), `${rel}: ${prog} or a directory above it writable by a non-root user`);
      }
    }
    // Negative controls on the reference example.
    const ref = confs.find((c) => c.endsWith('two-node/mfs-master1.conf')) ?? confs[0];
    const missing = rewrite(ref, path.join(tmp, 'missing.conf'), (s) => s.replaceAll(`${inst}/usr/sbin/lizardfs-ha-check`, `${inst}/usr/sbin/no-such-check`));
    assert.equal(ktest(missing).status, 5, 'a missing track script fails keepalived -t');
    const lib = path.join(inst, 'usr/lib/lizardfs-ha');
    fs.chmodSync(lib, 0o757);
    try {
      const r = ktest(rewrite(ref, path.join(tmp, 'insecure.conf')));
      assert.equal(r.status, 5, 'a world-writable directory on the resolved path of /usr/sbin/lizardfs-ha-check fails keepalived -t');
      assert.match(r.stderr, /insecure/);
    } finally {
      fs.chmodSync(lib, 0o755);
    }
  });
});

/**
 * Run argv in a chroot of `dir` that has only /usr/bin/node, /bin/sh and their shared libraries
 * (read-only bind mounts in a private mount namespace: gone when the command exits). Returns a
 * runner, or a string saying why there is none.
 */
function chrootRunner(dir) {
  if (!have('unshare') || !have('chroot') || !have('ldd')) return 'unshare, chroot or ldd missing';
  const script = `set -eu
D=$1; shift
libs=$(ldd /usr/bin/node /bin/sh | awk '$2 == "=>" && $3 ~ /^\\// {print $3} $1 ~ /^\\// && $1 !~ /:$/ {print $1}' | sort -u)
for f in /usr/bin/node /bin/sh $libs; do
  mkdir -p "$D$(dirname "$f")"
  : > "$D$f"
  mount --bind -o ro "$(readlink -f "$f")" "$D$f"
done
exec chroot "$D" "$@"`;
  const go = (argv) =>
    spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, ...argv], {
      encoding: 'utf8',
      // keepalived runs hooks with a minimal environment; so does this.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LIZARDFS_HA_SYSLOG: '0' },
    });
  const probe = go(['/bin/sh', '-c', 'exit 0']);
  if (probe.status !== 0) return `unshare/mount failed: ${probe.stderr.trim()}`;
  return go;
}
