#!/usr/bin/env node
// bench/failover.mjs: failover time in the lab (lab/lab.sh), real keepalived, lizardfs-ha hooks.
//
//   node bench/failover.mjs [--runs 5] [--server saunafs|fake] [--rows shipped,fast,classic,kakill]
//
// Needs root. Per row, a fresh 2-host lab (plus the FUSE client host c1 with the real backend), then
// N failovers, each: SIGKILL the master host's metadata server (or, row kakill, its keepalived) and
// time, from the kill:
//   (a) VRRP MASTER on the peer   the timeline line of the peer's keepalived log follower
//   (b) promotion verified        first poll of the peer's server answering "master running"
//   (c) client read / write       first successful read of a file written before, and write (+fsync)
//                                 of a new file, through the FUSE mount of the VIP (real backend only)
// then waits until the lab settled again (old master resynced as shadow) before the next run.
// Rows:
//   shipped   lizardfs-ha, the renderer's defaults: advert_int 1, check interval 1, fall 2
//   fast      lizardfs-ha, keepalived/fast: vrrp_version 3, advert_int 0.5, check timeout 1, fall 1,
//             priorities 250/240 (LAB_ADVERT_INT, LAB_CHECK_TIMEOUT, LAB_CHECK_FALL, LAB_PRIORITY_TOP)
//   fastfifo  fast, events through keepalived's notify FIFO to one resident `lizardfs-ha fifo` reader
//             (LAB_FIFO=1), as keepalived/notify-fifo/ ships it: no Node start-up per event
//   fastwatch fastfifo, and the reader also watches the server's admin port for keepalived's
//             track_file (LAB_TRACK_FILE=1): FAULT the moment the server is gone, not at the next check
//   fastlow   the same with the lab's usual priorities 100/90: a backup that hears priority 0 from
//             the master waits Skew_Time = (256 - its priority) / 256 x advert_int before taking over
//             (RFC 5798), 0.32 s at 90 and 0.03 s at 240. Not in the default rows.
//   classic   baseline: bench/baseline/classic-notify-lab.sh as the notify hook (restart-based
//             promotion, no verification); shipped timers. The lab's generated wrappers are
//             rewritten after `up` (the bootstrap election still ran lizardfs-ha).
//   kakill    lizardfs-ha, shipped timers, keepalived SIGKILLed on the master instead of the server.
// Writes bench/out/failover-<stamp>.json, failover-latest.{json,md} and one timeline per row
// (bench/out/failover-timeline-<row>.txt, for bench/timeline-svg.mjs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = path.join(root, 'lab', 'lab.sh');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    server: { type: 'string', default: 'saunafs' },
    rows: { type: 'string', default: 'shipped,fast,fastfifo,fastwatch,classic,kakill' },
    out: { type: 'string', default: path.join(root, 'bench', 'out') },
    merge: { type: 'string' }, // an earlier failover-*.json: its rows not measured now join the table
  },
});
const runs = Number(args.runs);
const server = args.server;
if (!['saunafs', 'fake'].includes(server)) throw new Error('--server saunafs|fake');
if (process.getuid() !== 0) {
  console.error('failover.mjs needs root (the lab)');
  process.exit(2);
}
const client = server === 'saunafs';
const rowDefs = {
  shipped: { name: 'lizardfs-ha, shipped (advert 1 s, check 1 s, fall 2)', env: {}, kill: 'server' },
  fast: {
    name: 'lizardfs-ha, fast (keepalived/fast: VRRPv3, advert 0.5 s, check 1 s, fall 1, priorities 250/240)',
    env: { LAB_ADVERT_INT: '0.5', LAB_CHECK_TIMEOUT: '1', LAB_CHECK_FALL: '1', LAB_PRIORITY_TOP: '260' },
    kill: 'server',
  },
  fastfifo: {
    name: 'lizardfs-ha, fast + notify FIFO (keepalived/notify-fifo: one resident reader, no Node start-up per event)',
    env: { LAB_ADVERT_INT: '0.5', LAB_CHECK_TIMEOUT: '1', LAB_CHECK_FALL: '1', LAB_PRIORITY_TOP: '260', LAB_FIFO: '1' },
    kill: 'server',
  },
  fastwatch: {
    name: 'lizardfs-ha, fast + notify FIFO + the reader watching the server (track_file)',
    env: { LAB_ADVERT_INT: '0.5', LAB_CHECK_TIMEOUT: '1', LAB_CHECK_FALL: '1', LAB_PRIORITY_TOP: '260', LAB_FIFO: '1', LAB_TRACK_FILE: '1' },
    kill: 'server',
  },
  fastlow: {
    name: 'same as fast, priorities 100/90 (the skew time it saves)',
    env: { LAB_ADVERT_INT: '0.5', LAB_CHECK_TIMEOUT: '1', LAB_CHECK_FALL: '1' },
    kill: 'server',
  },
  classic: { name: 'baseline: classic bash hook, restart promotion (advert 1 s, fall 2)', env: {}, classic: true, kill: 'server' },
  kakill: { name: 'lizardfs-ha, shipped; keepalived SIGKILLed instead of the server', env: {}, kill: 'keepalived' },
};
const rows = args.rows.split(',').map((r) => {
  if (!rowDefs[r]) throw new Error(`unknown row ${r}`);
  return { id: r, ...rowDefs[r] };
});

const now = () => Date.now() / 1000; // epoch seconds, ms resolution: the timeline's clock
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function run(argv, opts = {}) {
  return new Promise((resolve) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err, t: now() }));
  });
}
function lab(...a) {
  const r = spawnSync('bash', [LAB, ...a], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}
function readTimeline(w) {
  return fs
    .readFileSync(path.join(w, 'timeline'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, who, ev, ...rest] = l.split(' ');
      return { t: Number(t), who, ev, details: rest.join(' ') };
    });
}
function tlAppend(w, who, text) {
  fs.appendFileSync(path.join(w, 'timeline'), `${now().toFixed(6)} ${who} ${text}\n`);
}

let current = null; // workdir of the lab that is up, for cleanup
function down() {
  if (!current) return;
  const w = current;
  current = null;
  spawnSync('bash', [LAB, 'down', w], { stdio: 'ignore', timeout: 120_000 });
  fs.rmSync(w, { recursive: true, force: true });
}
process.on('exit', down);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { down(); process.exit(130); });

function labEnv(w) {
  return Object.fromEntries(
    fs.readFileSync(path.join(w, 'lab.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')),
  );
}

// The peer's status, as fast as it can be asked (the real admin tool straight into its namespace).
function statusArgv(w, h) {
  if (server === 'saunafs') {
    const { NS_PREFIX } = labEnv(w);
    const ip = `10.213.0.${10 + Number(h.slice(1))}`;
    return ['timeout', '-k', '1', '2', 'ip', 'netns', 'exec', `${NS_PREFIX}-${h}`, 'chroot', `/run/lizardfs-ha-lab/${NS_PREFIX}/root`, 'saunafs-admin', 'metadataserver-status', '--porcelain', ip, '9421'];
  }
  return ['bash', LAB, 'server-status', w, h];
}
// When the peer's lizardfs-ha saw its server answer "master running" (its own verification step):
// the history entry's start + duration. Not disturbed by the bench's polling; none for the classic hook.
function hookVerified(w, h, t0) {
  let lines = [];
  try {
    lines = fs.readFileSync(path.join(w, h, 'state', 'history.jsonl'), 'utf8').trim().split('\n');
  } catch {
    return null;
  }
  for (const l of lines) {
    const e = JSON.parse(l);
    const start = Date.parse(e.time) / 1000;
    if (e.wanted === 'master' && e.outcome === 'done' && start >= t0 - 0.5) return start + e.durationMs / 1000 - t0;
  }
  return null;
}
async function waitPromoted(w, h, t0, limit) {
  const argv = statusArgv(w, h);
  while (now() - t0 < limit) {
    const r = await run(argv);
    if (r.code === 0 && /^master\trunning\t[1-9]/.test(r.out)) return r.t - t0;
    // Each probe is 4 process starts (timeout, ip netns exec, chroot, saunafs-admin) on a 2-core
    // machine that is running the promotion at the same moment: a tighter loop slows what it measures.
    await sleep(100);
  }
  return null;
}
// Client I/O: each attempt bounded; a call blocked while no master answers returns when one does.
async function waitIo(kind, mnt, t0, limit, srcFile, refSha, tag) {
  let k = 0;
  while (now() - t0 < limit) {
    let r;
    if (kind === 'read') {
      r = await run(['timeout', '-k', '1', '15', 'sha256sum', path.join(mnt, 'ref')]);
      if (r.code === 0 && r.out.startsWith(refSha)) return r.t - t0;
    } else {
      r = await run(['timeout', '-k', '1', '15', 'dd', `if=${srcFile}`, `of=${path.join(mnt, `w-${tag}-${k++}`)}`, 'bs=64k', 'conv=fsync', 'status=none']);
      if (r.code === 0) return r.t - t0;
    }
    await sleep(50);
  }
  return null;
}

const stats = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return { median: m, min: v[0], max: v[v.length - 1], n: v.length };
};

function machine() {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? '?';
  let distro = '?';
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))[1];
  } catch {}
  const ka = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  const kav = /Keepalived v[\d.]+/.exec((ka.stderr ?? '') + (ka.stdout ?? ''))?.[0] ?? 'keepalived ?';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${distro}, kernel ${os.release()}, Node ${process.version}, ${kav}; backend ${server === 'saunafs' ? 'SaunaFS 5.8 (real sfsmaster, chunkserver + FUSE client)' : 'fake LizardFS'}`;
}

const results = { machine: machine(), server, runs, loadBefore: os.loadavg(), rows: [] };
fs.mkdirSync(args.out, { recursive: true });
const srcFile = path.join(os.tmpdir(), `lfsha-failover-src-${process.pid}`);
fs.writeFileSync(srcFile, (await import('node:crypto')).randomBytes(65536));
process.on('exit', () => fs.rmSync(srcFile, { force: true }));

for (const row of rows) {
  const w = fs.mkdtempSync('/tmp/lfsha-failover-');
  fs.chmodSync(w, 0o755);
  current = w;
  const env = { ...process.env, LAB_SERVER: server, LAB_CLIENT: client ? '1' : '0', ...row.env };
  console.error(`== ${row.id}: lab up in ${w}`);
  const up = spawnSync('bash', [LAB, 'up', '2', w], { encoding: 'utf8', env, timeout: 300_000 });
  const rowRes = { id: row.id, name: row.name, runs: [], notes: [] };
  results.rows.push(rowRes);
  if (up.status !== 0 || lab('wait-settled', w, '60').code !== 0) {
    rowRes.notes.push(`lab did not come up: ${(up.stderr ?? '').slice(-400)}`);
    console.error(up.stdout, up.stderr);
    down();
    continue;
  }
  if (row.classic) {
    for (const h of ['h1', 'h2']) {
      const f = path.join(w, h, 'bin', 'lizardfs-ha');
      const text = fs.readFileSync(f, 'utf8').replace(/^node .*lizardfs-ha\.c?js "\$@"$/m, `bash ${path.join(root, 'bench/baseline/classic-notify-lab.sh')} "$2" "$3" "$4"`);
      if (!text.includes('classic-notify-lab.sh')) throw new Error(`cannot rewrite ${f}`);
      fs.writeFileSync(f + '.new', text, { mode: 0o755 });
      fs.renameSync(f + '.new', f);
    }
    tlAppend(w, 'bench', 'mark notify hooks replaced by bench/baseline/classic-notify-lab.sh');
  }
  const conf = fs.readFileSync(path.join(w, 'h1', 'keepalived.conf'), 'utf8');
  rowRes.keepalived = { advert_int: /advert_int (\S+)/.exec(conf)?.[1], fall: /fall (\d+)/.exec(conf)?.[1], vrrp_version: /vrrp_version (\d)/.exec(conf)?.[1] ?? '2 (default)', check_timeout: /timeout (\d+)/.exec(conf)?.[1] };
  let mnt = null;
  let refSha = null;
  if (client) {
    mnt = lab('client-path', w).out;
    const wr = lab('client-write', w, 'ref', '256');
    refSha = wr.out;
    if (wr.code !== 0) rowRes.notes.push(`client-write ref failed: ${wr.err}`);
  }
  for (let i = 0; i < runs; i++) {
    const s = lab('wait-settled', w, '90');
    if (s.code !== 0) {
      rowRes.notes.push(`run ${i + 1}: lab not settled before the kill (${lab('roles', w).out.replace(/\n/g, '; ')}); row stopped`);
      break;
    }
    const m = s.out;
    const peer = m === 'h1' ? 'h2' : 'h1';
    let t0;
    if (row.kill === 'server') {
      if (server === 'saunafs') {
        const pid = JSON.parse(lab('server-show', w, m).out).pid;
        t0 = now();
        process.kill(pid, 'SIGKILL');
        tlAppend(w, m, `action kill-server (bench: SIGKILL sfsmaster ${pid}, run ${i + 1})`);
      } else {
        t0 = now();
        lab('kill-server', w, m);
      }
    } else {
      t0 = now();
      lab('kill-keepalived', w, m);
    }
    const limit = row.kill === 'keepalived' ? 30 : 40;
    const [promoted, read, write] = await Promise.all([
      waitPromoted(w, peer, t0, limit),
      client ? waitIo('read', mnt, t0, limit, srcFile, refSha) : null,
      client ? waitIo('write', mnt, t0, limit, srcFile, null, `${row.id}-${i}`) : null,
    ]);
    const tl = readTimeline(w);
    const vrrp = tl.find((e) => e.t > t0 && e.who === peer && e.ev === 'vrrp' && e.details.startsWith('MASTER'));
    const r = { run: i + 1, master: m, peer, t0, vrrpMaster: vrrp ? vrrp.t - t0 : null, promoted, hookVerified: hookVerified(w, peer, t0), read, write };
    r.clientIo = read !== null && write !== null ? Math.max(read, write) : null;
    rowRes.runs.push(r);
    const f = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
    console.error(`   run ${i + 1}: ${m} -> ${peer}: vrrp ${f(r.vrrpMaster)} promoted ${f(promoted)} read ${f(read)} write ${f(write)}`);
    if (row.kill === 'keepalived') {
      // Let the peer's hook finish (it waits for the old master to step down, up to its deadline).
      await sleep(2000);
      lab('start-keepalived', w, m);
    }
  }
  fs.copyFileSync(path.join(w, 'timeline'), path.join(args.out, `failover-timeline-${row.id}.txt`));
  fs.writeFileSync(path.join(args.out, `failover-timeline-${row.id}.json`), JSON.stringify({ row: row.id, name: row.name, runs: rowRes.runs }, null, 1));
  for (const k of ['vrrpMaster', 'promoted', 'hookVerified', 'read', 'write', 'clientIo']) rowRes[k] = stats(rowRes.runs.map((r) => r[k]));
  down();
}
results.loadAfter = os.loadavg();
if (args.merge) {
  const old = JSON.parse(fs.readFileSync(args.merge, 'utf8'));
  const have = new Set(results.rows.map((r) => r.id));
  const keep = old.rows.filter((r) => !have.has(r.id));
  results.rows = [...keep, ...results.rows].sort((a, b) => Object.keys(rowDefs).indexOf(a.id) - Object.keys(rowDefs).indexOf(b.id));
  results.merged = `rows ${keep.map((r) => r.id).join(', ')} from ${path.basename(args.merge)} (load then ${old.loadBefore.map((x) => x.toFixed(2)).join(' ')})`;
}

const fmt = (s, of = runs) => (s ? `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})${s.n < of ? ` [${s.n}/${of}]` : ''}` : 'n/a');
const lines = [];
lines.push(`### Failover time (${runs} runs per row, median (min-max) seconds from the SIGKILL)`, '');
lines.push(`Machine: ${results.machine}; load ${results.loadBefore.map((x) => x.toFixed(2)).join(' ')} -> ${results.loadAfter.map((x) => x.toFixed(2)).join(' ')}${results.merged ? `; ${results.merged}` : ''}.`, '');
lines.push('| row | kill -> peer VRRP MASTER | kill -> promotion verified (bench poll, 0.1 s) | kill -> verified by the hook | kill -> client read | kill -> client write | kill -> client I/O (both) |');
lines.push('|---|---|---|---|---|---|---|');
for (const r of results.rows) {
  // Merged rows keep their own run count.
  const n = r.runs?.length ?? runs;
  lines.push(`| ${r.name} (N=${n}) | ${fmt(r.vrrpMaster, n)} | ${fmt(r.promoted, n)} | ${fmt(r.hookVerified, n)} | ${fmt(r.read, n)} | ${fmt(r.write, n)} | ${fmt(r.clientIo, n)} |`);
}
const byId = Object.fromEntries(results.rows.map((r) => [r.id, r]));
const tg = [];
for (const id of ['fastfifo', 'fastwatch']) {
  if (byId[id]?.promoted) tg.push(`| ${id}: kill -> promotion verified, median | ${byId[id].promoted.median.toFixed(2)} s | <= 1.0 s | ${byId[id].promoted.median <= 1.0 ? 'yes' : '**no**'} |`);
  if (byId[id]?.clientIo) tg.push(`| ${id}: kill -> client I/O, median | ${byId[id].clientIo.median.toFixed(2)} s | <= 2.0 s | ${byId[id].clientIo.median <= 2.0 ? 'yes' : '**no**'} |`);
}
if (byId.fast?.promoted) tg.push(`| fast: kill -> promotion verified, median | ${byId.fast.promoted.median.toFixed(2)} s | <= 1.0 s | ${byId.fast.promoted.median <= 1.0 ? 'yes' : '**no**'} |`);
if (byId.fast?.clientIo) tg.push(`| fast: kill -> client I/O, median | ${byId.fast.clientIo.median.toFixed(2)} s | <= 2.0 s | ${byId.fast.clientIo.median <= 2.0 ? 'yes' : '**no**'} |`);
for (const k of ['promoted', 'clientIo']) {
  for (const id of ['fast', 'fastfifo', 'fastwatch']) {
    if (byId[id]?.[k] && byId.classic?.[k]) {
      const x = byId.classic[k].median / byId[id][k].median;
      tg.push(`| baseline / ${id}, ${k === 'promoted' ? 'promotion verified' : 'client I/O'} | ${x.toFixed(2)}x | >= 2x | ${x >= 2 ? 'yes' : '**no**'} |`);
    }
  }
  if (byId.shipped?.[k] && byId.classic?.[k]) {
    const x = byId.classic[k].median / byId.shipped[k].median;
    tg.push(`| baseline / shipped, ${k === 'promoted' ? 'promotion verified' : 'client I/O'} | ${x.toFixed(2)}x | - | - |`);
  }
}
if (tg.length) lines.push('', '| target | measured | target | met |', '|---|---|---|---|', ...tg);
for (const r of results.rows) for (const n of r.notes) lines.push('', `- ${r.id}: ${n}`);
const md = lines.join('\n') + '\n';
process.stdout.write(md);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
fs.writeFileSync(path.join(args.out, `failover-${stamp}.json`), JSON.stringify(results, null, 1));
fs.writeFileSync(path.join(args.out, 'failover-latest.json'), JSON.stringify(results, null, 1));
fs.writeFileSync(path.join(args.out, 'failover-latest.md'), md);
