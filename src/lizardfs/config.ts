// Reading mfsmaster.cfg, and the one edit we ever make to it: the PERSONALITY line of a classic setup.
import fs from 'node:fs';
import path from 'node:path';

export type ConfigMode = 'ha-cluster-managed' | 'classic';
export type ConfigPersonality = 'master' | 'shadow' | 'ha-cluster-managed';

export interface MasterConfig {
  path: string;
  /** PERSONALITY as written (defaults to master when the line is absent, like mfsmaster). */
  personality: ConfigPersonality;
  personalityLine: boolean;
  mode: ConfigMode;
  dataPath: string | null;
  /** Secret: never log, print or pass in argv. Only fed on stdin to `promote-shadow`. */
  adminPassword: string | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LINE = /^(\s*)([A-Za-z0-9_]+)(\s*=\s*)(.*?)(\s*)$/;

export function parseConfigText(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trimStart().startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m?.[2] !== undefined && m[4] !== undefined) values.set(m[2], m[4]);
  }
  return values;
}

export function readMasterConfig(configPath: string): MasterConfig {
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config ${configPath}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
  }
  const values = parseConfigText(text);
  const raw = values.get('PERSONALITY');
  const personality = raw ?? 'master';
  if (personality !== 'master' && personality !== 'shadow' && personality !== 'ha-cluster-managed') {
    throw new ConfigError(
      `config ${configPath}: PERSONALITY = ${JSON.stringify(raw)} is not one of master, shadow, ha-cluster-managed; refusing to touch the server`,
    );
  }
  return {
    path: configPath,
    personality,
    personalityLine: raw !== undefined,
    mode: personality === 'ha-cluster-managed' ? 'ha-cluster-managed' : 'classic',
    dataPath: values.get('DATA_PATH') ?? null,
    adminPassword: values.get('ADMIN_PASSWORD') || null,
  };
}

/**
 * Returns the config text with PERSONALITY set to `to`, every other byte unchanged. A missing line is
 * appended (mfsmaster's default is master, so demotion must write it).
 */
export function withPersonality(text: string, to: 'master' | 'shadow'): string {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trimStart().startsWith('#')) continue;
    const cr = line.endsWith('\r') ? '\r' : '';
    const m = LINE.exec(cr ? line.slice(0, -1) : line);
    if (m && m[2] === 'PERSONALITY') {
      lines[i] = `${m[1]}${m[2]}${m[3]}${to}${m[5]}${cr}`;
      changed = true;
    }
  }
  if (changed) return lines.join('\n');
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}PERSONALITY = ${to}\n`;
}

/**
 * Atomic rewrite: temp file in the same directory with the original owner and mode, fsync, rename.
 * A crash leaves either the old file or the new one, never half of each.
 */
export function writePersonality(configPath: string, to: 'master' | 'shadow'): void {
  const before = fs.readFileSync(configPath, 'utf8');
  const after = withPersonality(before, to);
  if (after === before) return;
  const st = fs.statSync(configPath);
  const tmp = path.join(path.dirname(configPath), `.${path.basename(configPath)}.lizardfs-ha.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', st.mode & 0o7777);
  try {
    fs.writeSync(fd, after);
    fs.fchmodSync(fd, st.mode & 0o7777);
    if (process.getuid?.() === 0) fs.fchownSync(fd, st.uid, st.gid);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, configPath);
  try {
    const dirFd = fs.openSync(path.dirname(configPath), 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // Directory fsync is best effort (not supported everywhere).
  }
}
