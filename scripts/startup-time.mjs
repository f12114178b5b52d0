#!/usr/bin/env node
// Start-up time of `lizardfs-ha --version`: the bundle, the tsc build (bin/lizardfs-ha.js), and bare
// `node -e 0` for reference. Median of N runs each (default 20), interleaved. Wall clock per spawn,
// and CPU time (user+sys, via /usr/bin/time when installed), which a busy machine disturbs less.
// Usage: node scripts/startup-time.mjs [N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2] ?? 20);
const cases = [
  ['node -e 0', ['-e', '0']],
  ['bundle: node dist/lizardfs-ha.cjs --version', [path.join(root, 'dist/lizardfs-ha.cjs'), '--version']],
  ['tsc: node bin/lizardfs-ha.js --version', [path.join(root, 'bin/lizardfs-ha.js'), '--version']],
];
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function once(args) {
  const [cmd, argv] = TIME ? [TIME, ['-f', 'CPU %U %S', process.execPath, ...args]] : [process.execPath, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

for (const [, a] of cases) once(a); // warm-up: page cache
const runs = cases.map(() => []);
for (let i = 0; i < n; i++) cases.forEach(([, a], k) => runs[k].push(once(a)));

const base = median(runs[0].map((r) => r.wall));
const baseCpu = median(runs[0].map((r) => r.cpu));
for (const [k, [name]] of cases.entries()) {
  const wall = median(runs[k].map((r) => r.wall));
  const cpu = median(runs[k].map((r) => r.cpu));
  const extra = k === 0 ? '' : ` (+${(wall - base).toFixed(0)} ms wall, +${(cpu - baseCpu).toFixed(0)} ms CPU over node -e 0)`;
  console.log(`${name.padEnd(44)} median wall ${wall.toFixed(0).padStart(4)} ms, CPU ${Number.isNaN(cpu) ? '?' : cpu.toFixed(0).padStart(4)} ms${extra}`);
}
console.log(`(${n} runs each; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
