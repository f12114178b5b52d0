// The only place that starts external programs.
//
// Why not execa's own `timeout`: it signals the direct child only. mfsmaster, systemctl and wrapper
// scripts have children of their own, and a hung grandchild would outlive us still holding the data-dir
// lock. So every command gets its own process group (detached) and a timeout kills the whole group:
// SIGTERM first, SIGKILL after a grace period (LizardFS 3.12 shadows have been seen ignoring SIGTERM).
import { execa } from 'execa';

export interface CommandResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program could not be started at all (ENOENT, EACCES...). */
  spawnError: string | null;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs: number;
  /** Written to stdin, then stdin is closed. Never logged: it may hold the admin password. */
  input?: string;
  /** Time between SIGTERM and SIGKILL of the process group on timeout. */
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** After the direct child exits, how long to wait for a daemonised grandchild to let go of our pipes. */
const STREAM_DRAIN_MS = 1500;

export async function runCommand(argv: string[], options: RunOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runCommand: empty argv');
  const started = performance.now();
  const killGraceMs = options.killGraceMs ?? 1000;

  const child = execa(file, args, {
    reject: false,
    detached: true,
    cleanup: false,
    stripFinalNewline: false,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    env: options.env,
    extendEnv: true,
  });

  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));

  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    graceTimer = setTimeout(() => killGroup('SIGKILL'), killGraceMs);
  }, Math.max(0, options.timeoutMs));

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const drained = exited.then(() => new Promise<'drain-timeout'>((r) => setTimeout(() => r('drain-timeout'), STREAM_DRAIN_MS).unref()));
  const outcome = await Promise.race([child, drained]);
  clearTimeout(timer);
  if (graceTimer) clearTimeout(graceTimer);
  // A timed-out command may leave descendants that ignored SIGTERM: they must not outlive us.
  if (timedOut) killGroup('SIGKILL');

  const durationMs = Math.round(performance.now() - started);
  if (outcome === 'drain-timeout') {
    return {
      argv,
      exitCode: child.exitCode,
      signal: child.signalCode,
      stdout,
      stderr,
      timedOut,
      spawnError: null,
      durationMs,
    };
  }
  const result = outcome;
  const failedToSpawn = result.failed && result.exitCode === undefined && result.signal === undefined && !timedOut;
  return {
    argv,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout,
    stderr,
    timedOut,
    spawnError: failedToSpawn ? spawnReason(result.originalMessage ?? result.message ?? '', file) : null,
    durationMs,
  };
}

function spawnReason(message: string, file: string): string {
  if (/ENOENT/.test(message)) return `${file}: command not found`;
  if (/EACCES/.test(message)) return `${file}: permission denied`;
  return message;
}

/** One line for logs: `mfsmaster -c /etc/mfs/mfsmaster.cfg restart`. argv never holds secrets. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Why a command failed, in words a person can act on. */
export function describeFailure(r: CommandResult, timeoutMs: number): string {
  const name = formatArgv(r.argv);
  if (r.spawnError) return r.spawnError;
  if (r.timedOut) return `\`${name}\` hung and was killed after ${(timeoutMs / 1000).toFixed(1)} s`;
  const err = cleanStderr(r.stderr);
  const how = r.signal ? `was killed by ${r.signal}` : `exited ${r.exitCode}`;
  return `\`${name}\` ${how}${err ? `: ${err}` : ''}`;
}

/** LizardFS 3.12 writes at most a NUL byte to stderr on failure: strip it, keep the rest readable. */
export function cleanStderr(stderr: string): string {
  // eslint-disable-next-line no-control-regex
  return stderr.replace(/\u0000/g, '').trim().split('\n').filter(Boolean).slice(-3).join(' | ');
}
