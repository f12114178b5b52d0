// keepalived SIGKILLs the process group of a STOP hook 1 s after forking it (keepalived-facts.md).
// A demotion takes longer than that (a real master can hang on SIGTERM for the whole -t), and a hook
// killed before it even started leaves the old master running without the VIP while the peer waits
// for it to step down: no master at all (docs/real-lab.md, finding 6). So a STOP hook re-executes
// itself in a new session at once, as its first act after validating the input: the transition
// then runs out of keepalived's reach, and the hook process only waits for it to report the result.
//
// The event's arrival stamp is taken here, before the re-exec, and handed to the worker: events are
// ordered by when keepalived forked their hooks, not by when a worker got going.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { whoCalled, type Caller } from '../engine/caller.js';

export type DetachWhen = 'auto' | 'always' | 'never';

const ARRIVAL_ENV = 'LIZARDFS_HA_INTERNAL_ARRIVAL';
const CALLER_ENV = 'LIZARDFS_HA_INTERNAL_CALLER';

/** Events keepalived gives only 1 s before it SIGKILLs the hook's group. */
const SHORT_LIVED_EVENTS = new Set(['STOP', 'DELETED']);

export function shouldDetach(when: DetachWhen, event: string, env: NodeJS.ProcessEnv = process.env): boolean {
  // A worker never detaches again.
  if (handedOverTo(env) !== null || when === 'never') return false;
  return when === 'always' || SHORT_LIVED_EVENTS.has(event);
}

/** In a worker: the stamp its hook took on arrival and who called the hook (keepalived); else null. */
export function handedOverTo(env: NodeJS.ProcessEnv = process.env): { arrival: bigint; caller: Caller | null } | null {
  const stamp = env[ARRIVAL_ENV];
  if (!stamp || !/^\d{1,30}$/.test(stamp)) return null;
  let caller: Caller | null = null;
  try {
    const c = JSON.parse(env[CALLER_ENV] ?? 'null') as Caller | null;
    caller = c && typeof c.pid === 'number' && typeof c.ppid === 'number' ? c : null;
  } catch {
    caller = null;
  }
  return { arrival: BigInt(stamp), caller };
}

/**
 * Run this same command line (or `args`: script and arguments) again in a new session (setsid), wait
 * for it, and return its exit code (null when it could not be started).
 * If this process is killed meanwhile, the worker goes on: that is the point. stdout/stderr are
 * shared, so a person running it by hand still sees the result; keepalived's are /dev/null anyway.
 */
export function runDetached(stamp: bigint, args: string[] = process.argv.slice(1)): Promise<number | null> {
  const caller = whoCalled();
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, [ARRIVAL_ENV]: String(stamp), [CALLER_ENV]: JSON.stringify(caller) },
  });
  // keepalived's SIGTERM (or a Ctrl-C) must not end the wait early and report a result we do not have.
  const ignore = () => undefined;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, ignore);
  return new Promise((resolve) => {
    // Could not even start it: the caller runs the transition itself, as without detaching.
    child.once('error', () => {
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(sig, ignore);
      resolve(null);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
  });
}

/**
 * Stamp the event's arrival for this server (so a transition already waiting for the lock sees a
 * newer event coming while the worker starts), run the worker, drop the stamp. null: no worker could
 * be started; the caller runs the transition itself.
 */
export async function handOff(stateDir: string, ip: string, port: number, args?: string[]): Promise<number | null> {
  const { lockKey, TransitionLock } = await import('../engine/lock.js');
  const lock = new TransitionLock(stateDir, lockKey(ip, port));
  let placeholder = null;
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o755 });
    placeholder = lock.arrive();
  } catch {
    // The worker reports what is wrong with the state dir.
  }
  const code = await runDetached(placeholder?.stamp ?? process.hrtime.bigint(), args);
  if (placeholder) lock.leave(placeholder);
  return code;
}
