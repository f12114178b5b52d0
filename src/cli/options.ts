// Input validation: flags, then environment variables, then defaults; every value checked by zod
// BEFORE anything runs. A bad value yields one line naming the field, the value and what is expected.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as z from 'zod/mini';
import { FLAVORS, type Flavor } from '../lizardfs/flavor.js';
import type { Method, ServiceManager } from '../engine/types.js';
import type { DetachWhen } from './detach.js';

export class InputError extends Error {
  override name = 'InputError';
}

/** The shared options of every command, as commander hands them over (strings or undefined). */
export interface RawOptions {
  config?: string;
  masterBin?: string;
  adminBin?: string;
  metarestoreBin?: string;
  flavor?: string;
  execPrefix?: string;
  timeout?: string;
  probeTimeout?: string;
  deadline?: string;
  lockTimeout?: string;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  logFile?: string;
  syslog?: boolean;
  stateDir?: string;
  method?: string;
  peer?: string[];
  force?: boolean;
  serviceManager?: string;
  unit?: string;
  envFile?: string;
  systemctlBin?: string;
  metricsFile?: string;
  demoteGrace?: string;
  detach?: string;
  splitBrainWait?: string;
}

/** Option name -> environment variable. The flag wins over the variable. */
export const ENV: Record<keyof RawOptions, string> = {
  config: 'LIZARDFS_HA_CONFIG',
  masterBin: 'LIZARDFS_HA_MASTER_BIN',
  adminBin: 'LIZARDFS_HA_ADMIN_BIN',
  metarestoreBin: 'LIZARDFS_HA_METARESTORE_BIN',
  flavor: 'LIZARDFS_HA_FLAVOR',
  execPrefix: 'LIZARDFS_HA_EXEC_PREFIX',
  timeout: 'LIZARDFS_HA_TIMEOUT',
  probeTimeout: 'LIZARDFS_HA_PROBE_TIMEOUT',
  deadline: 'LIZARDFS_HA_DEADLINE',
  lockTimeout: 'LIZARDFS_HA_LOCK_TIMEOUT',
  json: 'LIZARDFS_HA_JSON',
  dryRun: 'LIZARDFS_HA_DRY_RUN',
  verbose: 'LIZARDFS_HA_VERBOSE',
  logFile: 'LIZARDFS_HA_LOG_FILE',
  syslog: 'LIZARDFS_HA_SYSLOG',
  stateDir: 'LIZARDFS_HA_STATE_DIR',
  method: 'LIZARDFS_HA_METHOD',
  peer: 'LIZARDFS_HA_PEERS',
  force: 'LIZARDFS_HA_FORCE',
  serviceManager: 'LIZARDFS_HA_SERVICE_MANAGER',
  unit: 'LIZARDFS_HA_UNIT',
  envFile: 'LIZARDFS_HA_ENV_FILE',
  systemctlBin: 'LIZARDFS_HA_SYSTEMCTL_BIN',
  metricsFile: 'LIZARDFS_HA_METRICS_FILE',
  demoteGrace: 'LIZARDFS_HA_DEMOTE_GRACE',
  detach: 'LIZARDFS_HA_DETACH',
  splitBrainWait: 'LIZARDFS_HA_SPLIT_BRAIN_WAIT',
};

export const DEFAULTS = {
  timeoutSec: 30,
  probeTimeoutSec: 2,
  deadlineSec: 60,
  lockTimeoutSec: 10,
  demoteGraceSec: 4,
  /** notify from keepalived hooks; promote/demote and the FIFO reader wait within --deadline only. */
  splitBrainWaitSec: 600,
  stateDir: '/run/lizardfs-ha',
  unit: 'lizardfs-ha-master.service',
  envFile: '/run/lizardfs-ha/master.env',
};

export interface Settings {
  flavor: Flavor;
  configPath: string;
  masterCommand: string[];
  adminCommand: string[];
  metarestoreCommand: string[];
  dataPath: string;
  timeoutMs: number;
  probeTimeoutMs: number;
  deadlineMs: number;
  lockTimeoutSec: number;
  json: boolean;
  dryRun: boolean;
  verbose: boolean;
  logFile: string | null;
  syslog: boolean;
  stateDir: string;
  method: Method;
  peers: { host: string; port: number }[];
  force: boolean;
  serviceManager: ServiceManager;
  unit: string;
  envFile: string;
  systemctl: string[];
  metricsFile: string | null;
  demoteGraceMs: number;
  /** notify only: hand the transition to a worker in its own session (see detach.ts). */
  detach: DetachWhen;
  /** How long a promotion may wait for a live old master to step down, beyond --deadline; null: the command's default. */
  splitBrainWaitMs: number | null;
}

// ---- field schemas ---------------------------------------------------------------------------
// zod/mini: the same checks as full zod at a fraction of the load time, which every notify and
// every check pays (see bench/).

/** What check() needs of a schema. */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** A string accepted when `ok` says so. */
const text = (ok: (v: string) => boolean, message: string) => z.string().check(z.refine(ok, message));

/** Decimal digits only, as a number within [min, max]. */
const whole = (min: number, max: number, digits: string, range: string) =>
  z.pipe(z.string().check(z.regex(/^\d+$/, digits)), z.transform(Number)).check(z.refine((n: number) => n >= min && n <= max, range));

const HOSTNAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export const ipSchema = text(
  (v) => net.isIP(v) !== 0 || (HOSTNAME.test(v) && !/^[0-9.]+$/.test(v)),
  'expected an IPv4 or IPv6 address or an RFC 1123 hostname',
);

export const portSchema = whole(1, 65535, 'expected a port number: decimal digits only, 1-65535', 'expected a port number from 1 to 65535');

/** keepalived states -> wanted role. DELETED exists only in the generic `notify` form (notify_deleted). */
export const STATE_ROLES = { master: 'master', backup: 'shadow', fault: 'shadow', stop: 'shadow', deleted: 'shadow' } as const;
export type KeepalivedState = keyof typeof STATE_ROLES;

export function stateSchema(generic: boolean): Schema<KeepalivedState> {
  const allowed = Object.keys(STATE_ROLES).filter((k) => generic || k !== 'deleted');
  return z
    .pipe(z.string(), z.transform((v: string) => v.toLowerCase()))
    .check(z.refine((v: string) => allowed.includes(v), `expected one of ${allowed.join(', ')} (any case)`)) as Schema<KeepalivedState>;
}

export const countSchema = whole(1, 100000, 'expected a whole number', 'expected 1 to 100000');

const secondsSchema = (max: number) =>
  z
    .pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/, 'expected a number of seconds, e.g. 10 or 2.5')), z.transform(Number))
    .check(z.refine((n: number) => n > 0 && n <= max, `expected seconds greater than 0 and at most ${max}`));

const graceSchema = z
  .pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/, 'expected a number of seconds, e.g. 4 or 0 to disable')), z.transform(Number))
  .check(z.refine((n: number) => n <= 60, 'expected at most 60 seconds'));

const waitSchema = z
  .pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/, 'expected a number of seconds, e.g. 600 or 0 (wait within --deadline only)')), z.transform(Number))
  .check(z.refine((n: number) => n <= 86400, 'expected at most 86400 seconds'));

export const pathSchema = text((v) => v.length > 0 && !v.includes('\0'), 'expected a path (not empty, no NUL bytes)');
const commandSchema = text(
  (v) => v.length > 0 && !/\s/.test(v),
  'expected one program name or path without spaces (use --exec-prefix for wrappers)',
);

const BOOL_WORDS = ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'];
const boolEnv = z
  .pipe(
    text((v) => BOOL_WORDS.includes(v.toLowerCase()), 'expected 1/0, true/false, yes/no or on/off'),
    z.transform((v: string) => ['1', 'true', 'yes', 'on'].includes(v.toLowerCase())),
  );

export const peerSchema: Schema<{ host: string; port: number }> = z.pipe(
  z.string(),
  z.transform((v: string, ctx) => {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
    const host = m?.[1];
    const port = m?.[2];
    if (!host || !port || !ipSchema.safeParse(host).success || !portSchema.safeParse(port).success) {
      ctx.issues.push({ code: 'custom', message: 'expected HOST:PORT (IPv6 as [ADDR]:PORT), port 1-65535', input: v });
      return z.NEVER;
    }
    return { host, port: Number(port) };
  }),
);

export const oneOfSchema = <T extends string>(values: readonly T[]): Schema<T> =>
  text((v) => (values as readonly string[]).includes(v), `expected one of ${values.join(', ')}`) as Schema<T>;

export const wholeSchema = whole;

/** Parse one value, or throw an InputError naming the field, the value and the expectation. */
export function check<T>(schema: Schema<T>, value: string, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const why = r.error.issues[0]?.message ?? 'invalid value';
  throw new InputError(`invalid ${field} ${JSON.stringify(value)}: ${why}`);
}

function fromEnv(env: NodeJS.ProcessEnv, key: keyof RawOptions): string | undefined {
  const v = env[ENV[key]];
  return v === undefined || v === '' ? undefined : v;
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Resolve flag > env > default and validate everything. Throws InputError. */
export function resolveSettings(raw: RawOptions, env: NodeJS.ProcessEnv = process.env, fromFile?: Map<string, string>): Settings {
  const origin = (key: keyof RawOptions) => `${ENV[key]} (from ${fromFile?.get(ENV[key]) ?? 'the environment'})`;
  const str = (key: keyof RawOptions): { value: string; field: string } | undefined => {
    const flag = raw[key];
    if (typeof flag === 'string') return { value: flag, field: flagName(key) };
    const e = fromEnv(env, key);
    return e === undefined ? undefined : { value: e, field: origin(key) };
  };
  const bool = (key: keyof RawOptions, dflt: boolean): boolean => {
    const flag = raw[key];
    if (typeof flag === 'boolean') return flag;
    const e = fromEnv(env, key);
    return e === undefined ? dflt : check(boolEnv, e, origin(key));
  };
  const seconds = (key: keyof RawOptions, dflt: number, max: number): number => {
    const v = str(key);
    return v ? check(secondsSchema(max), v.value, v.field) : dflt;
  };
  const word = (key: keyof RawOptions, dflt: string): string => {
    const v = str(key);
    return v ? check(commandSchema, v.value, v.field) : dflt;
  };
  const oneOf = <T extends string>(key: keyof RawOptions, values: readonly T[], dflt: T): T => {
    const v = str(key);
    return v ? check(oneOfSchema(values), v.value, v.field) : dflt;
  };

  const flavor = oneOf('flavor', ['lizardfs', 'saunafs'] as const, 'lizardfs');
  const names = FLAVORS[flavor];

  const cfg = str('config');
  let configPath = cfg ? check(pathSchema, cfg.value, cfg.field) : names.configPath;
  // mfsmaster re-reads the same -c string after chdir(DATA_PATH) on reload: always hand it an absolute path.
  configPath = path.resolve(configPath);

  const prefixRaw = str('execPrefix');
  const prefix = prefixRaw
    ? check(
        text((v) => !/['"\\`$]/.test(v) && v.trim().length > 0, 'expected words separated by spaces, without quotes (e.g. "chroot /srv/sid")'),
        prefixRaw.value,
        prefixRaw.field,
      )
        .trim()
        .split(/\s+/)
    : [];

  const timeoutSec = seconds('timeout', DEFAULTS.timeoutSec, 3600);
  const deadlineSec = seconds('deadline', DEFAULTS.deadlineSec, 3600);
  const probeTimeoutSec = seconds('probeTimeout', Math.min(DEFAULTS.probeTimeoutSec, timeoutSec), 3600);
  const lockTimeoutRaw = str('lockTimeout');
  const lockTimeoutSec = lockTimeoutRaw
    ? check(whole(1, 3600, 'expected whole seconds', 'expected 1 to 3600'), lockTimeoutRaw.value, lockTimeoutRaw.field)
    : DEFAULTS.lockTimeoutSec;

  const peersFlag = raw.peer && raw.peer.length > 0 ? raw.peer.map((p) => ({ value: p, field: '--peer' })) : null;
  const peersEnv = fromEnv(env, 'peer');
  const peerInputs = peersFlag ?? (peersEnv ? peersEnv.split(/[\s,]+/).filter(Boolean).map((p) => ({ value: p, field: origin('peer') })) : []);
  const peers = peerInputs.map((p) => check(peerSchema, p.value, p.field));

  const logFile = str('logFile');
  const stateDir = str('stateDir');
  const unit = str('unit');
  const envFile = str('envFile');
  const metricsFile = str('metricsFile');

  const serviceManagerRaw = oneOf('serviceManager', ['auto', 'direct', 'systemd'] as const, 'auto');

  return {
    flavor,
    configPath,
    masterCommand: [...prefix, word('masterBin', names.masterBin)],
    adminCommand: [...prefix, word('adminBin', names.adminBin)],
    metarestoreCommand: [...prefix, word('metarestoreBin', names.metarestoreBin)],
    dataPath: names.dataPath,
    timeoutMs: timeoutSec * 1000,
    probeTimeoutMs: probeTimeoutSec * 1000,
    deadlineMs: deadlineSec * 1000,
    lockTimeoutSec,
    json: bool('json', false),
    dryRun: bool('dryRun', false),
    verbose: bool('verbose', false),
    logFile: logFile ? path.resolve(check(pathSchema, logFile.value, logFile.field)) : null,
    syslog: bool('syslog', true),
    stateDir: stateDir ? path.resolve(check(pathSchema, stateDir.value, stateDir.field)) : DEFAULTS.stateDir,
    method: oneOf('method', ['auto', 'admin', 'restart'] as const, 'auto'),
    peers,
    force: bool('force', false),
    serviceManager: serviceManagerRaw === 'auto' ? detectServiceManager() : serviceManagerRaw,
    unit: unit ? check(commandSchema, unit.value, unit.field) : DEFAULTS.unit,
    envFile: envFile ? path.resolve(check(pathSchema, envFile.value, envFile.field)) : DEFAULTS.envFile,
    systemctl: [word('systemctlBin', 'systemctl')],
    demoteGraceMs: (() => {
      const v = str('demoteGrace');
      return v ? check(graceSchema, v.value, v.field) * 1000 : DEFAULTS.demoteGraceSec * 1000;
    })(),
    metricsFile: metricsFile ? path.resolve(check(pathSchema, metricsFile.value, metricsFile.field)) : null,
    detach: oneOf('detach', ['auto', 'always', 'never'] as const, 'auto'),
    splitBrainWaitMs: (() => {
      const v = str('splitBrainWait');
      return v ? check(waitSchema, v.value, v.field) * 1000 : null;
    })(),
  };
}

function detectServiceManager(): ServiceManager {
  // systemd's own sd_booted() test: /run/systemd/system exists iff systemd is PID 1.
  return fs.existsSync('/run/systemd/system') ? 'systemd' : 'direct';
}
