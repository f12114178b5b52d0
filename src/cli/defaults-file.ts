// /etc/default/lizardfs-ha: LIZARDFS_HA_* settings for every run, so keepalived.conf lines stay short
// (keepalived runs hooks with its own environment, not a shell's). Precedence: flag > environment >
// this file > built-in default.
import fs from 'node:fs';
import { InputError } from './options.js';

export const DEFAULTS_FILE = '/etc/default/lizardfs-ha';

export interface LoadedDefaults {
  env: NodeJS.ProcessEnv;
  /** Variables that came from the file, for error messages. */
  fromFile: Map<string, string>;
}

export function parseDefaultsFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?(LIZARDFS_HA_[A-Z_]+)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let value = (m[2] ?? '').trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    vars.set(m[1], value);
  }
  return vars;
}

export function loadDefaults(env: NodeJS.ProcessEnv): LoadedDefaults {
  const file = env.LIZARDFS_HA_DEFAULTS || DEFAULTS_FILE;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return { env, fromFile: new Map() };
  }
  // It configures a hook that runs as root: a file others can write is a root shell for them.
  if (st.mode & 0o002 || (process.getuid?.() === 0 && st.uid !== 0)) {
    throw new InputError(`refusing ${file}: it must be owned by root and not writable by others (it configures a hook that runs as root)`);
  }
  const vars = parseDefaultsFile(fs.readFileSync(file, 'utf8'));
  const merged: NodeJS.ProcessEnv = { ...env };
  const fromFile = new Map<string, string>();
  for (const [k, v] of vars) {
    if (merged[k] === undefined || merged[k] === '') {
      merged[k] = v;
      fromFile.set(k, file);
    }
  }
  return { env: merged, fromFile };
}
