// `lizardfs-ha status --watch`: a compact live view, refreshed every second until Ctrl-C.
// On a TTY the screen is redrawn in place; otherwise one plain line per refresh (for logs and pipes).
import os from 'node:os';
import type { ChalkInstance } from 'chalk';
import { readServerStatus, type AdminTarget, type ServerStatus } from '../lizardfs/status.js';
import { describeStatus } from '../engine/transition.js';
import { readHistory } from './history.js';

export interface WatchOptions {
  admin: AdminTarget;
  peers: { host: string; port: number }[];
  probeTimeoutMs: number;
  stateDir: string;
  vip: string | null;
  intervalMs: number;
  /** Stop after this many refreshes (tests); null: until a signal. */
  count: number | null;
}

/** Is the VIP on one of this host's interfaces (in this network namespace)? */
export function vipHeldHere(vip: string): boolean {
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((a) => a.address === vip));
}

function short(s: ServerStatus): string {
  if (!s.reachable) return s.timedOut ? 'no answer' : 'down';
  return `${s.personality} ${s.serverStatus} v${s.metadataVersion}`;
}

export async function watchStatus(o: WatchOptions, c: ChalkInstance): Promise<void> {
  const tty = Boolean(process.stdout.isTTY);
  let stop = false;
  const onSignal = () => (stop = true);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (let i = 0; !stop && (o.count === null || i < o.count); i++) {
      const started = Date.now();
      const [local, ...peers] = await Promise.all([
        readServerStatus(o.admin, o.probeTimeoutMs).then((r) => r.status),
        ...o.peers.map((p) => readServerStatus({ ...o.admin, ip: p.host, port: p.port }, o.probeTimeoutMs).then((r) => r.status)),
      ]);
      const last = readHistory(o.stateDir, 1)[0];
      const lastText = last ? `${last.time} ${last.command === 'notify' ? `notify ${last.event}` : last.command} ${last.outcome} (${(last.durationMs / 1000).toFixed(2)} s)` : 'none recorded';
      const vipText = o.vip ? (vipHeldHere(o.vip) ? `held here` : 'not here') : null;
      const time = new Date().toISOString().slice(11, 19);
      if (tty) {
        const role = local && local.reachable && local.personality === 'master' ? c.green(short(local)) : short(local as ServerStatus);
        const lines = [
          c.bold(`lizardfs-ha status --watch  ${o.admin.ip}:${o.admin.port}  ${time}`) + c.dim('  (Ctrl-C to stop)'),
          `  local      ${role}   ${c.dim(describeStatus(local as ServerStatus))}`,
          ...o.peers.map((p, k) => `  peer       ${p.host}:${p.port}  ${short(peers[k] as ServerStatus)}`),
          ...(vipText ? [`  VIP        ${o.vip} ${vipText}`] : []),
          `  last       ${lastText}`,
        ];
        process.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
      } else {
        const parts = [`${time}`, `local=${short(local as ServerStatus)}`, ...o.peers.map((p, k) => `${p.host}:${p.port}=${short(peers[k] as ServerStatus)}`)];
        if (vipText) parts.push(`vip=${vipText.replace(' ', '-')}`);
        parts.push(`last=${last ? `${last.event ?? last.command}:${last.outcome}` : 'none'}`);
        process.stdout.write(`${parts.join(' ')}\n`);
      }
      const wait = o.intervalMs - (Date.now() - started);
      if (!stop && (o.count === null || i + 1 < o.count) && wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
