#!/usr/bin/env node
// bench/cost.mjs: what lizardfs-ha costs per run, side by side with its floor and the classic script.
//
//   node bench/cost.mjs [--runs N] [--out DIR]
//
// Cases, interleaved round by round so a busy machine disturbs them alike (N runs each, default 15):
//   node -e 0                         the floor: Node's own start-up
//   classic bash notify               bench/baseline/classic-notify.sh: one status call + a string match
//   lizardfs-ha notify (bundle)       dist/lizardfs-ha.cjs notify master ... on a server already master
//   lizardfs-ha notify (tsc output)   bin/lizardfs-ha.js, unbundled, for comparison
//   bare status call                  lizardfs-admin metadataserver-status --porcelain (what a check must do)
//   track check script                keepalived/lizardfs-ha-check (runs every second, forever)
//   lizardfs-ha check (bundle)        the same rule in Node, for people
// The metadata server is an instant stand-in (a sh script printing a porcelain line), so the numbers
// are the tools' own cost. Wall time from the parent; CPU time (user+sys) and peak RSS from GNU time.
// Prints a markdown table and writes the raw numbers as JSON. Targets (issue 6): notify <= 1.3x
// node -e 0 wall; check script <= 1.2x the bare status call.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' }, out: { type: 'string', default: path.join(root, 'bench', 'out') } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 5) throw new Error('--runs: at least 5');
const bundle = path.join(root, 'dist', 'lizardfs-ha.cjs');
if (!fs.existsSync(bundle)) throw new Error('dist/lizardfs-ha.cjs missing: run `npm run build` first');
if (!fs.existsSync('/usr/bin/time')) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install -y time');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsha-bench-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(path.join(dir, 'bin'));
const admin = path.join(dir, 'bin', 'lizardfs-admin');
// Answers both forms, like the real tool: porcelain for lizardfs-ha and the check, human for the classic script.
fs.writeFileSync(admin, '#!/bin/sh\ncase "$*" in *--porcelain*) printf "master\\trunning\\t42\\n";; *) printf "     personality: master\\n   server status: running\\nmetadata version: 42\\n";; esac\n', { mode: 0o755 });
fs.writeFileSync(path.join(dir, 'mfsmaster.cfg'), 'PERSONALITY = ha-cluster-managed\nADMIN_PASSWORD = bench\n');
const env = {
  PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
  HOME: dir,
  LIZARDFS_HA_CONFIG: path.join(dir, 'mfsmaster.cfg'),
  LIZARDFS_HA_STATE_DIR: path.join(dir, 'run'),
  LIZARDFS_HA_DEFAULTS: path.join(dir, 'none'),
  LIZARDFS_HA_SERVICE_MANAGER: 'direct',
};
const node = process.execPath;
const cases = [
  { id: 'node-e-0', name: '`node -e 0` (floor)', argv: [node, '-e', '0'] },
  { id: 'classic-bash', name: 'classic bash notify script', argv: ['bash', path.join(root, 'bench/baseline/classic-notify.sh'), 'master', '127.0.0.1', '9421'] },
  { id: 'notify-bundle', name: '`lizardfs-ha notify master` (bundle)', argv: [node, bundle, 'notify', 'master', '127.0.0.1', '9421'] },
  { id: 'notify-tsc', name: '`lizardfs-ha notify master` (tsc output)', argv: [node, path.join(root, 'bin/lizardfs-ha.js'), 'notify', 'master', '127.0.0.1', '9421'] },
  { id: 'status-bare', name: 'bare `lizardfs-admin metadataserver-status`', argv: [admin, 'metadataserver-status', '--porcelain', '127.0.0.1', '9421'] },
  { id: 'check-script', name: 'track check script (`lizardfs-ha-check`)', argv: ['/bin/sh', path.join(root, 'keepalived/lizardfs-ha-check'), '127.0.0.1', '9421'] },
  { id: 'check-bundle', name: '`lizardfs-ha check` (bundle)', argv: [node, bundle, 'check'] },
];

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %U %S %M', ...c.argv], { env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}${r.stdout}`);
  const m = /@@ ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return { wallMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, rssKb: m ? Number(m[3]) : NaN };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: mid, min: s[0], max: s[s.length - 1] };
};

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  kernel: os.release(),
  os: (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  })(),
  loadBefore: load(),
};

for (const c of cases) once(c); // warm the page cache
const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
for (let i = 0; i < runs; i++) {
  const order = i % 2 ? [...cases].reverse() : cases;
  for (const c of order) samples[c.id].push(once(c));
}
machine.loadAfter = load();

const results = cases.map((c) => ({
  id: c.id,
  name: c.name,
  wallMs: stats(samples[c.id].map((x) => x.wallMs)),
  cpuMs: stats(samples[c.id].map((x) => x.cpuMs)),
  rssKb: stats(samples[c.id].map((x) => x.rssKb)),
}));
const by = Object.fromEntries(results.map((r) => [r.id, r]));
const ratio = (a, b, k = 'wallMs') => by[a][k].median / by[b][k].median;
const targets = [
  { what: 'notify (bundle) / node -e 0, wall', ratio: ratio('notify-bundle', 'node-e-0'), target: 1.3 },
  { what: 'notify (bundle) / node -e 0, CPU', ratio: ratio('notify-bundle', 'node-e-0', 'cpuMs'), target: null },
  { what: 'notify (bundle) / classic bash script, wall', ratio: ratio('notify-bundle', 'classic-bash'), target: null },
  { what: 'check script / bare status call, wall', ratio: ratio('check-script', 'status-bare'), target: 1.2 },
  { what: 'check script / bare status call, CPU', ratio: ratio('check-script', 'status-bare', 'cpuMs'), target: null },
];

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const lines = [];
lines.push(`### Tool cost (${runs} runs each, interleaved)`);
lines.push('');
lines.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.os}, kernel ${machine.kernel}, Node ${machine.node}; load ${machine.loadBefore} -> ${machine.loadAfter}.`);
lines.push('');
lines.push('| case | wall median (min-max) ms | CPU median ms | peak RSS median MiB |');
lines.push('|---|---|---|---|');
for (const r of results) lines.push(`| ${r.name} | ${f(r.wallMs.median)} (${f(r.wallMs.min)}-${f(r.wallMs.max)}) | ${f(r.cpuMs.median, 0)} | ${f(r.rssKb.median / 1024)} |`);
lines.push('');
lines.push('| ratio | value | target | met |');
lines.push('|---|---|---|---|');
// GNU time reports CPU in 10 ms steps: a sh script's 0 ms makes a CPU ratio meaningless (n/a).
for (const t of targets) lines.push(`| ${t.what} | ${Number.isFinite(t.ratio) ? `${f(t.ratio, 2)}x` : 'n/a (CPU below GNU time\'s 10 ms resolution)'} | ${t.target ? `<= ${t.target}x` : '-'} | ${t.target ? (t.ratio <= t.target ? 'yes' : '**no**') : '-'} |`);
const table = lines.join('\n');
console.log(table);

fs.mkdirSync(args.out, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = { kind: 'cost', date: new Date().toISOString(), runs, machine, results, targets, git: (() => { try { return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return null; } })() };
fs.writeFileSync(path.join(args.out, `cost-${stamp}.json`), JSON.stringify(out, null, 2));
fs.writeFileSync(path.join(args.out, 'cost-latest.json'), JSON.stringify(out, null, 2));
fs.writeFileSync(path.join(args.out, 'cost-latest.md'), `${table}\n`);
console.log(`\nwrote ${path.join(args.out, `cost-${stamp}.json`)}`);
