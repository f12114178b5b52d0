// argv builders for mfsmaster. Pure: what to run, never running it.
//
// Each `-o` option is its own argv item: a single item "-o initial-personality=master" is parsed by
// getopt as option `o` with value " initial-personality=master" and silently does not match.
import type { ConfigMode } from './config.js';
import type { Role } from './status.js';

export type MasterAction = 'start' | 'stop' | 'restart' | 'reload' | 'isalive';

export interface MasterCommandContext {
  /** argv prefix that runs the server binary, e.g. ['mfsmaster'] or ['chroot', '/x', 'sfsmaster']. */
  masterCommand: string[];
  /** Absolute: the daemon chdirs to DATA_PATH and re-reads the same string on reload. */
  configPath: string;
  mode: ConfigMode;
  /** Passed as -t to stop/restart so a server that ignores SIGTERM cannot hold us for 1800 s. */
  lockTimeoutSec: number;
}

export interface MasterCommandOptions {
  role?: Role;
  autoRecovery?: boolean;
}

export function masterArgv(ctx: MasterCommandContext, action: MasterAction, opts: MasterCommandOptions = {}): string[] {
  const argv = [...ctx.masterCommand, '-c', ctx.configPath];
  if (action === 'stop' || action === 'restart') argv.push('-t', String(ctx.lockTimeoutSec));
  if (ctx.mode === 'ha-cluster-managed') {
    // Every call on an HA-managed installation must say so, isalive and stop included.
    argv.push('-o', 'ha-cluster-managed');
    if (action === 'start' || action === 'restart') {
      if (!opts.role) throw new Error(`masterArgv: ${action} on an ha-cluster-managed config needs a role`);
      argv.push('-o', `initial-personality=${opts.role}`);
    }
  }
  // A crashed master leaves a stale lock and refuses to start without it; a promoted shadow needs the
  // changelogs applied.
  if (opts.autoRecovery && (action === 'start' || action === 'restart')) argv.push('-o', 'auto-recovery');
  argv.push(action);
  return argv;
}
