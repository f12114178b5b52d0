// lab/lab.sh for the e2e suites: one call, its stdout, or an error with everything it printed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lab', 'lab.sh');

export function lab(...args) {
  const r = spawnSync(LAB, args, { encoding: 'utf8', timeout: 150_000 });
  if (r.status !== 0) {
    throw new Error(`lab.sh ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout.trim();
}
