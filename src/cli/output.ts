// What a person reads. Colour only on a TTY and never with NO_COLOR; --json prints the same facts.
import { Chalk, type ChalkInstance } from 'chalk';
import { formatArgv } from '../exec/run.js';
import { describeStatus, type TransitionReport } from '../engine/transition.js';
import type { ServerStatus } from '../lizardfs/status.js';

export function colours(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const level = !noColor && stream.isTTY && env.TERM !== 'dumb' ? 1 : 0;
  return new Chalk({ level });
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function renderTransition(r: TransitionReport, c: ChalkInstance): string {
  const out: string[] = [];
  const title = r.command === 'notify' ? `notify ${r.event} -> wanted ${r.wanted}` : `${r.command} -> wanted ${r.wanted}`;
  out.push(c.bold(`lizardfs-ha ${title}`) + c.dim(`  (${r.server.ip}:${r.server.port})`));
  const row = (label: string, text: string) => out.push(`  ${label.padEnd(9)} ${text}`);
  if (r.config) row('config', `${r.config.path}: ${r.config.mode === 'classic' ? `classic, PERSONALITY = ${r.config.personality}` : 'ha-cluster-managed'}`);
  if (r.observed) {
    let text = describeStatus(r.observed.server);
    if (r.observed.liveness) text += `; isalive: ${r.observed.liveness}`;
    if (r.observed.diskVersion !== null) text += `; on-disk version ${r.observed.diskVersion}`;
    row('observed', text);
    for (const p of r.observed.peers) row('peer', `${p.address}: ${describeStatus(p.status)}`);
  }
  if (r.plan && r.plan.outcome === 'transition') {
    row('plan', r.plan.reason);
    if (r.dryRun) {
      r.plan.steps.forEach((st, i) => {
        const what = st.kind === 'run' ? formatArgv(st.argv) + (st.stdinSecret ? '  (ADMIN_PASSWORD on stdin)' : '') : st.description;
        out.push(`    ${i + 1}. ${what}`);
        if (st.kind === 'run' && st.fallback) {
          for (const f of st.fallback) out.push(`       if it fails: ${f.kind === 'run' ? formatArgv(f.argv) : f.description}`);
        }
      });
    }
  }
  for (const st of r.steps) {
    const what = st.argv ? formatArgv(st.argv) : st.description;
    const mark = st.ok ? c.green('ok') : c.red('FAILED');
    row('step', `${mark} ${what} ${c.dim(secs(st.durationMs))}`);
    if (st.recovery) row('', c.yellow(st.recovery));
    if (!st.ok && st.error && !st.recovery) row('', c.red(st.error));
  }
  if (r.final) row('final', describeStatus(r.final));
  if (r.signals.length) row('signals', `${r.signals.join(', ')} received and deferred until the transition finished`);
  const colour = r.exitCode === 0 ? c.green : r.outcome === 'superseded' ? c.yellow : c.red;
  row('result', `${colour(r.outcome)}: ${r.message} ${c.dim(`(${secs(r.elapsedMs)}, exit ${r.exitCode})`)}`);
  return out.join('\n') + '\n';
}

export interface StatusView {
  server: { ip: string; port: number };
  status: ServerStatus;
  healthy: boolean;
  config: { path: string; mode: string; personality: string } | { path: string; error: string };
  /** Read only when there is no metadata in RAM (version 0 or not answering). */
  disk: { version: number | null; error: string | null } | null;
}

export function renderStatus(v: StatusView, c: ChalkInstance): string {
  const rows: [string, string][] = [['server', `${v.server.ip}:${v.server.port}`]];
  if (v.status.reachable) {
    rows.push(['personality', v.status.personality === 'master' ? c.green(v.status.personality) : v.status.personality]);
    rows.push(['server status', v.status.serverStatus]);
    rows.push(['metadata version', String(v.status.metadataVersion)]);
  } else {
    rows.push(['personality', c.red('unreachable')], ['reason', v.status.reason]);
  }
  if (v.disk) rows.push(['on-disk version', v.disk.version !== null ? String(v.disk.version) : c.red(`unknown (${v.disk.error ?? 'not read'})`)]);
  if ('error' in v.config) rows.push(['config', `${v.config.path}: ${c.red(v.config.error)}`]);
  else rows.push(['config', v.config.path], ['mode', v.config.mode === 'classic' ? `classic (PERSONALITY = ${v.config.personality})` : 'ha-cluster-managed']);
  rows.push(['track check', v.healthy ? c.green('healthy') : c.red('unhealthy')]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, val]) => `${k.padStart(w)}: ${val}`).join('\n') + '\n';
}

export function renderCheck(status: ServerStatus, healthy: boolean, c: ChalkInstance): string {
  return `${healthy ? c.green('healthy') : c.red('unhealthy')}: ${describeStatus(status)}\n`;
}
