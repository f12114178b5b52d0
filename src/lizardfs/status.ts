// Reading a metadata server's state with `lizardfs-admin metadataserver-status`.
import { cleanStderr, formatArgv, runCommand, type CommandResult } from '../exec/run.js';

export type Role = 'master' | 'shadow';

export type ServerStatus =
  | {
      reachable: true;
      /** `<unknown>` is what the real tool prints for any pair it does not recognise. */
      personality: Role | 'unknown';
      serverStatus: 'running' | 'connected' | 'disconnected' | 'unknown';
      metadataVersion: number;
    }
  | {
      reachable: false;
      timedOut: boolean;
      reason: string;
    };

/**
 * Parses the porcelain line (`master\trunning\t1234`) or, as a fallback, the human form
 * (`     personality: master` ...). Returns null when the text is neither.
 */
export function parseMetadataServerStatus(stdout: string, { strict = false } = {}): Extract<ServerStatus, { reachable: true }> | null {
  // The track check (strict) accepts exactly what --porcelain prints: one line, three TAB-separated
  // fields. Anything else there means something is off, and keepalived/lizardfs-ha-check agrees.
  if (strict && !/^[^\t\n]+\t[^\t\n]+\t\d+\n?$/.test(stdout)) return null;
  const text = stdout.replace(/\r/g, '').trim();
  let personality: string | undefined;
  let status: string | undefined;
  let version: string | undefined;

  const firstLine = text.split('\n')[0] ?? '';
  const fields = firstLine.split('\t');
  if (fields.length >= 3) {
    [personality, status, version] = fields.map((f) => f.trim());
  } else {
    const human = new Map<string, string>();
    for (const line of text.split('\n')) {
      const m = /^\s*([a-z ]+?)\s*:\s*(.*?)\s*$/.exec(line);
      if (m?.[1] && m[2] !== undefined) human.set(m[1], m[2]);
    }
    personality = human.get('personality');
    status = human.get('server status');
    version = human.get('metadata version');
  }
  if (personality === undefined || status === undefined || version === undefined || !/^\d+$/.test(version)) return null;

  const knownPersonality = personality === 'master' || personality === 'shadow' ? personality : 'unknown';
  const knownStatus = status === 'running' || status === 'connected' || status === 'disconnected' ? status : 'unknown';
  // Only these pairs exist; anything else is the tool's `<unknown>`.
  const validPair =
    (knownPersonality === 'master' && knownStatus === 'running') ||
    (knownPersonality === 'shadow' && (knownStatus === 'connected' || knownStatus === 'disconnected'));
  return {
    reachable: true,
    personality: validPair ? knownPersonality : 'unknown',
    serverStatus: validPair ? knownStatus : 'unknown',
    metadataVersion: Number(version),
  };
}

export interface AdminTarget {
  /** argv prefix that runs the admin tool, e.g. ['lizardfs-admin'] or ['chroot', '/x', 'saunafs-admin']. */
  adminCommand: string[];
  ip: string;
  port: number;
}

export function metadataServerStatusArgv(t: AdminTarget): string[] {
  return [...t.adminCommand, 'metadataserver-status', '--porcelain', t.ip, String(t.port)];
}

export function statusFromResult(r: CommandResult, strict = false): ServerStatus {
  if (r.spawnError) return { reachable: false, timedOut: false, reason: r.spawnError };
  if (r.timedOut) return { reachable: false, timedOut: true, reason: `no answer from \`${formatArgv(r.argv)}\` before its timeout` };
  if (r.exitCode !== 0) {
    return { reachable: false, timedOut: false, reason: cleanStderr(r.stderr) || `exit code ${r.exitCode ?? r.signal}` };
  }
  const parsed = parseMetadataServerStatus(r.stdout, { strict });
  if (!parsed) return { reachable: false, timedOut: false, reason: `unrecognised output: ${JSON.stringify(r.stdout.slice(0, 120))}` };
  return parsed;
}

/** Observe: never throws for an unreachable or hung server; that is a state, not a crash. */
export async function readServerStatus(t: AdminTarget, timeoutMs: number, strict = false): Promise<{ status: ServerStatus; result: CommandResult }> {
  const result = await runCommand(metadataServerStatusArgv(t), { timeoutMs });
  return { status: statusFromResult(result, strict), result };
}

/** The VRRP track-check rule, shared with keepalived/lizardfs-ha-check (test/fixtures/check-cases.mjs). */
export function isHealthy(s: ServerStatus): boolean {
  if (!s.reachable) return false;
  if (s.personality === 'master') return s.serverStatus === 'running' && s.metadataVersion > 0;
  if (s.personality === 'shadow') return s.metadataVersion > 0;
  return false;
}
