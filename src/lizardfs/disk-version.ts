// The metadata version on disk, as `mfsmetarestore -g -d DATA_PATH` (`sfsmetarestore` for SaunaFS)
// prints it. What a restart-based promotion would serve; what a person compares between two
// version-0 shadows before choosing which one to promote.
import { runCommand, type CommandResult } from '../exec/run.js';

export interface DiskVersion {
  version: number | null;
  /** Why the version could not be read (the command, and how it failed). */
  error: string | null;
  result: CommandResult;
}

export async function readDiskVersion(metarestoreCommand: string[], dataPath: string, timeoutMs: number): Promise<DiskVersion> {
  const result = await runCommand([...metarestoreCommand, '-g', '-d', dataPath], { timeoutMs });
  const text = result.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (result.exitCode === 0 && /^\d+$/.test(text)) return { version: Number(text), error: null, result };
  const why = result.spawnError ?? (result.timedOut ? 'timed out' : `exit ${result.exitCode}: ${result.stderr.trim() || text}`);
  return { version: null, error: `${metarestoreCommand.join(' ')} -g -d ${dataPath}: ${why}`, result };
}
