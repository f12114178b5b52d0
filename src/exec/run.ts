// The only place that starts external programs: argv arrays (never a shell), a timeout, stderr kept.
//
// Every command gets its own process group and a timeout kills the whole group: SIGTERM first,
// SIGKILL after a grace period (LizardFS 3.12 shadows have been seen ignoring SIGTERM, and mfsmaster,
// systemctl and wrapper scripts have children of their own that would otherwise outlive us holding
// the data-dir lock). The own group also means a keepalived SIGKILL of the hook's group cannot cut
// an `mfsmaster restart` in half.
//
// Built on node:child_process rather than execa: execa's own timeout signals the direct child only,
// so we would re-implement this anyway, and loading it costs ~40 ms on every notify and every check
// (bench/RESULTS.md), a third of a bare `node -e 0`.
import { spawn } from 'node:child_process';

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

export function runCommand(argv: string[], options: RunOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runCommand: empty argv');
  const started = performance.now();
  const killGraceMs = options.killGraceMs ?? 1000;

  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let spawnError: string | null = null;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const child = spawn(file, args, {
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), killGraceMs);
    }, Math.max(0, options.timeoutMs));

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      if (drainTimer) clearTimeout(drainTimer);
      // A timed-out command may leave descendants that ignored SIGTERM: they must not outlive us.
      if (timedOut) killGroup('SIGKILL');
      resolve({ argv, exitCode, signal, stdout, stderr, timedOut, spawnError, durationMs: Math.round(performance.now() - started) });
    };

    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined && child.stdin) {
      // A program that exits without reading its stdin is not our failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      spawnError = spawnReason(e.code ?? e.message, file);
      finish();
    });
    child.once('exit', (code, sig) => {
      exitCode = code;
      signal = sig;
      // A daemon forked by the command may keep our pipes open: don't wait for it forever.
      drainTimer = setTimeout(finish, STREAM_DRAIN_MS);
    });
    child.once('close', finish);
  });
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
