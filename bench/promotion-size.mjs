#!/usr/bin/env node
// bench/promotion-size.mjs: promotion time vs metadata size, real SaunaFS only (root).
//
//   node bench/promotion-size.mjs [--sizes 1000,10000,100000] [--runs 5]
//
// A 2-host lab (LAB_SERVER=saunafs LAB_CLIENT=1). Empty files are created through the client's FUSE
// mount (xargs touch), the shadow is left to catch up (same metadata version as the master), then
// both keepalived are SIGKILLed (no hooks run from here on) and the servers are driven by hand:
//   kill the master's sfsmaster (SIGKILL) -> promote the shadow -> poll until it answers
//   "master running"; time from the promotion command's start.
// Methods, alternated: promote-shadow (`saunafs-admin promote-shadow IP PORT`, password on stdin) and
// restart-based promotion (`sfsmaster -c CFG -t 5 -o ha-cluster-managed -o initial-personality=master
// -o auto-recovery restart`, what lizardfs-ha runs when promote-shadow is not possible). Between
// runs the VIP is moved to the new master by hand (shadows follow MASTER_HOST = VIP), the killed
// server restarts as a shadow and resyncs. Writes bench/out/promotion-size-*.{json,md}.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = path.join(root, 'lab', 'lab.sh');
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: path.join(root, 'bench', 'out') },
  },
});
const sizes = args.sizes.split(',').map(Number);
const runs = Number(args.runs);
if (process.getuid() !== 0) {
  console.error('promotion-size.mjs needs root (the lab)');
  process.exit(2);
}
const now = () => Number(process.hrtime.bigint()) / 1e9;
const sh = (argv, opts = {}) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: opts.timeout ?? 120_000, input: opts.input, env: { ...process.env, ...(opts.env ?? {}) } });
  return { code: r.status, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
};
const lab = (...a) => sh(['bash', LAB, ...a], { timeout: 300_000 });
const wait = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let w = null;
function down() {
  if (!w) return;
  const d = w;
  w = null;
  spawnSync('bash', [LAB, 'down', d], { stdio: 'ignore', timeout: 120_000 });
  fs.rmSync(d, { recursive: true, force: true });
}
process.on('exit', down);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { down(); process.exit(130); });

w = fs.mkdtempSync('/tmp/lfsha-promsize-');
fs.chmodSync(w, 0o755);
const up = spawnSync('bash', [LAB, 'up', '2', w], { encoding: 'utf8', env: { ...process.env, LAB_SERVER: 'saunafs', LAB_CLIENT: '1' }, timeout: 300_000 });
if (up.status !== 0) {
  console.error(up.stdout, up.stderr);
  process.exit(1);
}
const { NS_PREFIX } = Object.fromEntries(fs.readFileSync(path.join(w, 'lab.env'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('=')));
const ROOT = `/run/lizardfs-ha-lab/${NS_PREFIX}/root`;
const ip = (h) => `10.213.0.${10 + Number(h.slice(1))}`;
const ns = (h) => `${NS_PREFIX}-${h}`;
const inNs = (h, ...a) => ['ip', 'netns', 'exec', ns(h), 'chroot', ROOT, ...a];
const status = (h) => {
  const r = sh(['timeout', '-k', '1', '2', ...inNs(h, 'saunafs-admin', 'metadataserver-status', '--porcelain', ip(h), '9421')]);
  const [personality, st, version] = r.code === 0 ? r.out.split('\t') : [];
  return { personality, st, version: Number(version ?? 0) };
};
const mnt = lab('client-path', w).out;
let master = lab('wait-settled', w, '60').out;
if (!master) throw new Error('lab did not settle');
let shadow = master === 'h1' ? 'h2' : 'h1';

function waitSynced(limit = 120) {
  const t0 = now();
  while (now() - t0 < limit) {
    const m = status(master);
    const s = status(shadow);
    if (m.personality === 'master' && s.st === 'connected' && s.version >= m.version && m.version > 0) return true;
    wait(200);
  }
  throw new Error(`shadow ${shadow} did not catch up: ${JSON.stringify([status(master), status(shadow)])}`);
}

fs.mkdirSync(path.join(mnt, 'files'), { recursive: true });
let have = 0;
let kaKilled = false;
const results = { machine: `${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores, kernel ${os.release()}, Node ${process.version}, SaunaFS 5.8`, loadBefore: os.loadavg(), sizes: [] };
for (const size of sizes) {
  if (kaKilled) {
    // The client mount follows the VIP, which the script moved with the master: create through it.
  }
  const tc = now();
  const mk = sh(['bash', '-c', `cd "$1" && seq -f 'f%07.0f' "$2" "$3" | xargs touch`, 'mk', path.join(mnt, 'files'), String(have + 1), String(size)], { timeout: 1_800_000 });
  if (mk.code !== 0) throw new Error(`creating files: ${mk.err}`);
  const createSecs = now() - tc;
  have = size;
  console.error(`${size} files (created ${(createSecs).toFixed(1)} s)`);
  waitSynced();
  if (!kaKilled) {
    lab('kill-keepalived', w, 'h1');
    lab('kill-keepalived', w, 'h2');
    kaKilled = true;
  }
  const entry = { files: size, createSecs, version: status(master).version, promoteShadow: [], restart: [] };
  for (let i = 0; i < 2 * runs; i++) {
    const method = i % 2 === 0 ? 'promoteShadow' : 'restart';
    waitSynced();
    const kill = lab('kill-server', w, master);
    if (kill.code !== 0) throw new Error(`kill-server ${master}: ${kill.err}`);
    const t0 = now();
    const cmd =
      method === 'promoteShadow'
        ? sh(['timeout', '-k', '1', '30', ...inNs(shadow, 'saunafs-admin', 'promote-shadow', ip(shadow), '9421')], { input: 'lab-secret\n' })
        : sh(['timeout', '-k', '1', '60', ...inNs(shadow, 'sfsmaster', '-c', path.join(w, shadow, 'sfsmaster.cfg'), '-t', '5', '-o', 'ha-cluster-managed', '-o', 'initial-personality=master', '-o', 'auto-recovery', 'restart')]);
    const tCmd = now() - t0;
    let tMaster = null;
    while (now() - t0 < 60) {
      const s = status(shadow);
      if (s.personality === 'master' && s.st === 'running') {
        tMaster = now() - t0;
        break;
      }
      wait(20);
    }
    console.error(`  ${method}: command ${tCmd.toFixed(3)} s (rc ${cmd.code}), master running after ${tMaster?.toFixed(3)} s`);
    entry[method].push({ command: tCmd, rc: cmd.code, masterRunning: tMaster });
    // Old master -> shadow of the new one: the VIP moves first (MASTER_HOST), neighbours forget it.
    sh(['ip', '-n', ns(master), 'addr', 'del', '10.213.0.9/24', 'dev', 'eth0']);
    sh(['ip', '-n', ns(shadow), 'addr', 'add', '10.213.0.9/24', 'dev', 'eth0']);
    for (const n of [ns(master), `${NS_PREFIX}-c1`]) sh(['ip', '-n', n, 'neigh', 'flush', 'all']);
    sh(['ip', 'netns', 'exec', ns(shadow), 'arping', '-U', '-c', '1', '-I', 'eth0', '10.213.0.9']);
    const st = lab('start-server', w, master, 'shadow');
    if (st.code !== 0) throw new Error(`start-server ${master} shadow: ${st.err}`);
    [master, shadow] = [shadow, master];
  }
  results.sizes.push(entry);
}
results.loadAfter = os.loadavg();
const med = (xs) => {
  const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null;
};
// Least-squares slope, seconds per 10k files, of the per-size medians.
const slope = (k) => {
  const pts = results.sizes.map((s) => [s.files, med(s[k].map((r) => r.masterRunning))]).filter(([, y]) => y !== null);
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const b = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return b * 10000;
};
const f = (x) => (x === null ? 'n/a' : x.toFixed(3));
const rng = (rs) => `${f(med(rs.map((r) => r.masterRunning)))} (${rs.map((r) => f(r.masterRunning)).join(', ')})`;
const lines = [
  `### Promotion time vs metadata size (${runs} runs per method and size, seconds from the promotion command to "master running")`,
  '',
  `Machine: ${results.machine}; load ${results.loadBefore.map((x) => x.toFixed(2)).join(' ')} -> ${results.loadAfter.map((x) => x.toFixed(2)).join(' ')}.`,
  '',
  '| files | metadata version | promote-shadow median (runs) | restart-based median (runs) | restart / promote-shadow |',
  '|---|---|---|---|---|',
  ...results.sizes.map((s) => `| ${s.files} | ${s.version} | ${rng(s.promoteShadow)} | ${rng(s.restart)} | ${(med(s.restart.map((r) => r.masterRunning)) / med(s.promoteShadow.map((r) => r.masterRunning))).toFixed(1)}x |`),
  '',
  `Slope (least squares over the medians): promote-shadow ${slope('promoteShadow').toFixed(3)} s per 10k files, restart-based ${slope('restart').toFixed(3)} s per 10k files.`,
];
results.slopePer10k = { promoteShadow: slope('promoteShadow'), restart: slope('restart') };
const md = lines.join('\n') + '\n';
process.stdout.write(md);
fs.mkdirSync(args.out, { recursive: true });
fs.writeFileSync(path.join(args.out, 'promotion-size-latest.json'), JSON.stringify(results, null, 1));
fs.writeFileSync(path.join(args.out, 'promotion-size-latest.md'), md);
