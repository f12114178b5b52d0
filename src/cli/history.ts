// `lizardfs-ha history`: the audit trail written by every transition (one JSON line each).
import fs from 'node:fs';
import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import { HISTORY_FILE } from '../engine/transition.js';

export interface HistoryEntry {
  time: string;
  command: string;
  event: string | null;
  wanted: string;
  server: string;
  observed: string | null;
  steps: { step: string; ok: boolean; ms: number; error?: string }[];
  outcome: string;
  message: string;
  exitCode: number;
  durationMs: number;
  caller: { pid: number; ppid: number; parent: string | null; user: string };
}

export function readHistory(stateDir: string, n: number): HistoryEntry[] {
  let text = '';
  try {
    text = fs.readFileSync(path.join(stateDir, HISTORY_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const entries: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as HistoryEntry);
    } catch {
      // A torn last line (crash mid-write) must not hide the rest.
    }
  }
  return entries.slice(-n);
}

export function renderHistory(entries: HistoryEntry[], c: ChalkInstance): string {
  if (entries.length === 0) return 'no transitions recorded yet\n';
  return entries
    .map((e) => {
      const what = e.command === 'notify' ? `notify ${e.event}` : e.command;
      const colour = e.exitCode === 0 ? c.green : c.red;
      const steps = e.steps.map((s) => `    ${s.ok ? 'ok    ' : 'FAILED'} ${s.step} (${s.ms} ms)${s.error ? `: ${s.error}` : ''}`).join('\n');
      return `${e.time}  ${what.padEnd(14)} -> ${e.wanted.padEnd(6)} ${colour(e.outcome)} in ${(e.durationMs / 1000).toFixed(2)} s  (${e.caller.parent ?? '?'}, ${e.caller.user})\n    observed: ${e.observed ?? '-'}\n    ${e.message}${steps ? `\n${steps}` : ''}`;
    })
    .join('\n')
    .concat('\n');
}
