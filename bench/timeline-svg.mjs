#!/usr/bin/env node
// bench/timeline-svg.mjs: one failover per row of bench/failover.mjs on a common time axis (SVG).
//
//   node bench/timeline-svg.mjs [--in bench/out] [--out bench/failover-timeline.svg]
//
// Reads the lab timelines bench/failover.mjs saved (bench/out/failover-timeline-<row>.txt:
// "<epoch> <who> <event> <details>" lines) and its measurements (failover-timeline-<row>.json),
// picks per row the run whose kill -> promotion verified is the row's median, and draws the events
// of that run from the kill (t = 0) on: one lane per row, the old master's events above the axis
// line, the peer's below, the bench's own measurements (promotion verified, client I/O) in green.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    in: { type: 'string', default: path.join(root, 'bench', 'out') },
    out: { type: 'string', default: path.join(root, 'bench', 'failover-timeline.svg') },
  },
});
const order = ['shipped', 'fast', 'fastfifo', 'fastwatch', 'classic', 'kakill'];
const lanes = [];
for (const id of order) {
  const j = path.join(args.in, `failover-timeline-${id}.json`);
  if (!fs.existsSync(j)) continue;
  const meta = JSON.parse(fs.readFileSync(j, 'utf8'));
  if (!meta.runs.length) continue;
  const key = meta.runs.some((r) => r.promoted !== null) ? 'promoted' : 'vrrpMaster';
  const sorted = meta.runs.filter((r) => r[key] !== null).sort((a, b) => a[key] - b[key]);
  const run = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : meta.runs[0];
  const next = meta.runs.find((r) => r.t0 > run.t0)?.t0 ?? Infinity;
  const events = fs
    .readFileSync(path.join(args.in, `failover-timeline-${id}.txt`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, who, ev, ...rest] = l.split(' ');
      return { t: Number(t) - run.t0, who, ev, details: rest.join(' ') };
    })
    .filter((e) => e.t >= -0.001 && e.t < Math.min(12, next - run.t0))
    .filter((e) => ['action', 'vrrp', 'check', 'notify-start', 'notify-end', 'advert'].includes(e.ev))
    .filter((e) => !(e.ev === 'check' && e.details.startsWith('returns')));
  const label = (e) => {
    if (e.ev === 'action') return e.details.startsWith('kill-server') ? 'server SIGKILL' : e.details.replace(/\(.*$/, '').trim();
    if (e.ev === 'vrrp') return `VRRP ${e.details.split(' ')[0]}`;
    if (e.ev === 'check') return `check ${e.details.split(' ')[0]}`;
    if (e.ev === 'advert') return 'prio 0 advert';
    if (e.ev === 'notify-start') return `hook ${e.details.split(' ')[1] ?? ''} start`;
    if (e.ev === 'notify-end') return `hook end ${e.details}`;
    return e.ev;
  };
  const marks = events.map((e) => ({ t: e.t, side: e.who === run.master ? 'old' : 'new', text: label(e), who: e.who }));
  if (run.promoted !== null) marks.push({ t: run.promoted, side: 'bench', text: 'promotion verified' });
  // The FIFO reader has no per-event hook lines: its own verification, from the history.
  if ((id === 'fastfifo' || id === 'fastwatch') && run.hookVerified !== null && run.hookVerified !== undefined) marks.push({ t: run.hookVerified, side: 'new', text: 'reader: verified' });
  if (run.clientIo !== null && run.clientIo !== undefined) marks.push({ t: run.clientIo, side: 'bench', text: 'client read+write OK' });
  lanes.push({ id, name: meta.name, run, marks });
}
if (!lanes.length) throw new Error(`no failover-timeline-*.json in ${args.in}: run bench/failover.mjs first`);

const tMax = Math.min(12, Math.ceil(Math.max(...lanes.flatMap((l) => l.marks.map((m) => m.t))) + 0.5));
const W = 1200;
const left = 40;
const right = 130;
const laneH = 230;
const top = 50;
const H = top + lanes.length * laneH + 40;
const x = (t) => left + ((W - left - right) * t) / tMax;
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const color = { old: '#c0392b', new: '#2465b3', bench: '#1e8449' };
const out = [];
out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`);
out.push(`<rect width="100%" height="100%" fill="white"/>`);
out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">Failover timelines (lab, one run per row: the median run by kill -&gt; promotion verified); t = 0 at the SIGKILL</text>`);
out.push(`<text x="${left}" y="38" fill="${color.old}">old master's events above the line</text><text x="${left + 240}" y="38" fill="${color.new}">peer's events below</text><text x="${left + 380}" y="38" fill="${color.bench}">bench measurements (green, dashed)</text>`);
lanes.forEach((lane, i) => {
  const y0 = top + i * laneH;
  const axis = y0 + 110;
  out.push(`<rect x="0" y="${y0}" width="${W}" height="${laneH}" fill="${i % 2 ? '#f7f7f7' : '#ffffff'}"/>`);
  out.push(`<text x="${left}" y="${y0 + 16}" font-size="12" font-weight="bold">${esc(lane.name)} — run ${lane.run.run}, ${esc(lane.run.master)} -&gt; ${esc(lane.run.peer)}</text>`);
  out.push(`<line x1="${left}" y1="${axis}" x2="${W - right}" y2="${axis}" stroke="#444"/>`);
  for (let t = 0; t <= tMax; t += 0.5) {
    const major = Number.isInteger(t);
    out.push(`<line x1="${x(t)}" y1="${axis - (major ? 5 : 3)}" x2="${x(t)}" y2="${axis + (major ? 5 : 3)}" stroke="#444"/>`);
    if (major) out.push(`<text x="${x(t)}" y="${axis + 17}" text-anchor="middle" fill="#444">${t} s</text>`);
  }
  // Labels staggered in rows so that neighbours do not overlap.
  const rowsUsed = { old: [], new: [], bench: [] };
  for (const m of lane.marks.sort((a, b) => a.t - b.t)) {
    const px = x(m.t);
    const width = m.text.length * 6.2 + 6;
    const used = rowsUsed[m.side];
    let r = 0;
    while (used[r] !== undefined && used[r] > px - 2) r++;
    used[r] = px + width;
    const c = color[m.side];
    let ly;
    if (m.side === 'old') ly = axis - 26 - r * 14;
    else if (m.side === 'new') ly = axis + 36 + r * 14;
    else ly = axis + 36 + (rowsUsed.new.length + r) * 14;
    out.push(`<line x1="${px}" y1="${axis}" x2="${px}" y2="${ly + (m.side === 'old' ? 3 : -10)}" stroke="${c}" stroke-width="1"${m.side === 'bench' ? ' stroke-dasharray="3,2"' : ''}/>`);
    out.push(`<circle cx="${px}" cy="${axis}" r="3" fill="${c}"/>`);
    out.push(`<text x="${px + 2}" y="${ly}" fill="${c}">${esc(m.text)} (${m.t.toFixed(2)})</text>`);
  }
});
out.push('</svg>');
fs.writeFileSync(args.out, out.join('\n') + '\n');
console.log(`wrote ${args.out} (${lanes.length} lanes: ${lanes.map((l) => l.id).join(', ')})`);
