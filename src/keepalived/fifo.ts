// keepalived's notify FIFO: one line per event, in order. `INSTANCE "VI_1" MASTER 100`.
import type { Role } from '../engine/types.js';

export interface FifoEvent {
  type: 'INSTANCE' | 'GROUP';
  name: string;
  state: string;
  priority: number | null;
  /** The role this event asks for; null for states lizardfs-ha does not act on. */
  wanted: Role | null;
}

const ROLE_BY_STATE: Record<string, Role> = { MASTER: 'master', BACKUP: 'shadow', FAULT: 'shadow', STOP: 'shadow', DELETED: 'shadow' };

/**
 * Parses one FIFO line. States like MASTER_RX_LOWER_PRI, MASTER_PRIORITY or BACKUP_PRIORITY are
 * events too, but not transitions: they parse with `wanted: null`. Lines that are not events at all
 * (other writers, garbage) return null.
 */
export function parseFifoLine(line: string): FifoEvent | null {
  const m = /^(INSTANCE|GROUP)\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))\s+([A-Z_]+)(?:\s+(\d+))?\s*$/.exec(line.trim());
  if (!m) return null;
  const type = m[1] as FifoEvent['type'];
  const name = m[2] ?? m[3] ?? '';
  const state = m[4] ?? '';
  return { type, name, state, priority: m[5] === undefined ? null : Number(m[5]), wanted: ROLE_BY_STATE[state] ?? null };
}

/**
 * While a transition runs, events pile up. Only the newest one that asks for a role matters: applying
 * the ones before it would only flap the server on the way.
 */
export function collapseBacklog(events: FifoEvent[]): FifoEvent | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e && e.wanted) return e;
  }
  return null;
}
