// node_exporter textfile collector output (--metrics-file). Written atomically (temp + rename) so the
// collector never reads half a file; counters survive by being read back from the previous file, under
// a short lock so a check and a transition finishing together cannot lose an increment.
import fs from 'node:fs';
import path from 'node:path';
import { tryAcquire } from '../exec/mutex.js';

export const RESULTS = ['done', 'nothing-to-do', 'superseded', 'refused', 'failed'] as const;
export type CountedResult = (typeof RESULTS)[number];

export interface TransitionSample {
  role: 'master' | 'shadow' | 'unknown';
  metadataVersion: number | null;
  result: string;
  durationSeconds: number;
  timestampSeconds: number;
}

export interface CheckSample {
  healthy: boolean;
  role: 'master' | 'shadow' | 'unknown';
  metadataVersion: number | null;
  timestampSeconds: number;
}

interface State {
  counts: Record<string, number>;
  gauges: Map<string, string>;
}

function parse(text: string): State {
  const counts: Record<string, number> = Object.fromEntries(RESULTS.map((r) => [r, 0]));
  const gauges = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(lizardfs_ha_[a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || !m[1] || !m[3]) continue;
    const [, name, labels = '', value] = m;
    if (name === 'lizardfs_ha_transitions_total') {
      const r = /result="([^"]+)"/.exec(labels)?.[1];
      if (r && Number.isFinite(Number(value))) counts[r] = Number(value);
    } else gauges.set(`${name}${labels}`, value);
  }
  return { counts, gauges };
}

const HELP: [string, string, string][] = [
  ['lizardfs_ha_role', 'gauge', 'Role of the local metadata server as last seen by lizardfs-ha (1 for the current role).'],
  ['lizardfs_ha_metadata_version', 'gauge', 'Metadata version of the local server as last seen (0 when unknown).'],
  ['lizardfs_ha_last_transition_success', 'gauge', '1 when the last transition ended done or nothing-to-do.'],
  ['lizardfs_ha_last_transition_result', 'gauge', 'Result of the last transition (1 for the result).'],
  ['lizardfs_ha_last_transition_duration_seconds', 'gauge', 'Wall time of the last transition.'],
  ['lizardfs_ha_last_transition_timestamp_seconds', 'gauge', 'Unix time the last transition ended.'],
  ['lizardfs_ha_transitions_total', 'counter', 'Transitions by result.'],
  ['lizardfs_ha_check_healthy', 'gauge', '1 when the last check found the server healthy for VRRP.'],
  ['lizardfs_ha_last_check_timestamp_seconds', 'gauge', 'Unix time of the last check.'],
];

function render(st: State): string {
  const out: string[] = [];
  for (const [name, type, help] of HELP) {
    const lines: string[] = [];
    if (name === 'lizardfs_ha_transitions_total') {
      for (const r of RESULTS) lines.push(`${name}{result="${r}"} ${st.counts[r] ?? 0}`);
    } else {
      for (const [key, value] of st.gauges) if (key === name || key.startsWith(`${name}{`)) lines.push(`${key} ${value}`);
    }
    if (lines.length === 0) continue;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  }
  return `${out.join('\n')}\n`;
}

function setRole(st: State, role: string, version: number | null) {
  for (const r of ['master', 'shadow', 'unknown']) st.gauges.set(`lizardfs_ha_role{role="${r}"}`, r === role ? '1' : '0');
  st.gauges.set('lizardfs_ha_metadata_version', String(version ?? 0));
}

async function update(file: string, change: (st: State) => void): Promise<void> {
  const release = await lock(file);
  try {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    const st = parse(text);
    change(st);
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, render(st), { mode: 0o644 });
    fs.renameSync(tmp, file);
  } finally {
    release();
  }
}

export function recordTransition(file: string, s: TransitionSample): Promise<void> {
  return update(file, (st) => {
    setRole(st, s.role, s.metadataVersion);
    const counted = (RESULTS as readonly string[]).includes(s.result) ? s.result : 'failed';
    st.counts[counted] = (st.counts[counted] ?? 0) + 1;
    st.gauges.set('lizardfs_ha_last_transition_success', s.result === 'done' || s.result === 'nothing-to-do' ? '1' : '0');
    for (const r of RESULTS) st.gauges.set(`lizardfs_ha_last_transition_result{result="${r}"}`, r === counted ? '1' : '0');
    st.gauges.set('lizardfs_ha_last_transition_duration_seconds', s.durationSeconds.toFixed(3));
    st.gauges.set('lizardfs_ha_last_transition_timestamp_seconds', s.timestampSeconds.toFixed(3));
  });
}

export function recordCheck(file: string, s: CheckSample): Promise<void> {
  return update(file, (st) => {
    setRole(st, s.role, s.metadataVersion);
    st.gauges.set('lizardfs_ha_check_healthy', s.healthy ? '1' : '0');
    st.gauges.set('lizardfs_ha_last_check_timestamp_seconds', s.timestampSeconds.toFixed(3));
  });
}

/** A few-ms critical section across processes. */
async function lock(file: string): Promise<() => void> {
  const until = Date.now() + 2000;
  for (;;) {
    const server = await tryAcquire(`lizardfs-ha-metrics:${path.resolve(file)}`);
    if (server) return () => server.close();
    // Metrics must never hold up a failover: after 2 s write anyway.
    if (Date.now() > until) return () => undefined;
    await new Promise((r) => setTimeout(r, 5));
  }
}
