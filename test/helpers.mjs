// A small world per test: a temp dir with an mfsmaster.cfg, fake LizardFS binaries first on PATH,
// their shared state, and the CLI run as a real subprocess (argv in, exit code and output out).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'lizardfs-ha.js');
export const FAKES = path.join(ROOT, 'test', 'fixtures', 'bin');
export const PASSWORD = 'Sup3r-s3cret-pw';

export function makeWorld(t, { mode = 'ha-cluster-managed', password = PASSWORD, extraConfig = '', server } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsha-test-'));
  const cfg = path.join(dir, 'mfsmaster.cfg');
  const dataPath = path.join(dir, 'data');
  fs.mkdirSync(dataPath);
  const lines = ['# test config', `WORKING_USER = mfs`];
  if (mode !== 'none') lines.push(`PERSONALITY = ${mode}`);
  if (password) lines.push(`ADMIN_PASSWORD = ${password}`);
  lines.push(`DATA_PATH = ${dataPath}`, `MASTER_HOST = mfsmaster`);
  if (extraConfig) lines.push(extraConfig);
  fs.writeFileSync(cfg, lines.join('\n') + '\n', { mode: 0o640 });

  const env = {
    ...process.env,
    PATH: `${FAKES}:${process.env.PATH}`,
    FAKE_LFS_STATE: path.join(dir, 'fake'),
    LIZARDFS_HA_CONFIG: cfg,
    LIZARDFS_HA_STATE_DIR: path.join(dir, 'run'),
    LIZARDFS_HA_SERVICE_MANAGER: 'direct',
    // The BACKUP grace has tests of its own (safety.test.mjs); elsewhere it would only add 4 s a demotion.
    LIZARDFS_HA_DEMOTE_GRACE: '0',
    // Never the machine's /etc/default/lizardfs-ha; tests that want one write it here.
    LIZARDFS_HA_DEFAULTS: path.join(dir, 'default-lizardfs-ha'),
    NO_COLOR: '1',
  };
  const kept = ['LIZARDFS_HA_CONFIG', 'LIZARDFS_HA_STATE_DIR', 'LIZARDFS_HA_SERVICE_MANAGER', 'LIZARDFS_HA_DEMOTE_GRACE', 'LIZARDFS_HA_DEFAULTS'];
  for (const k of Object.keys(env)) if (k.startsWith('LIZARDFS_HA_') && !kept.includes(k)) delete env[k];
  fs.mkdirSync(env.FAKE_LFS_STATE, { recursive: true });

  const world = {
    dir,
    cfg,
    dataPath,
    env,
    fake(...args) {
      const r = spawnSync(path.join(FAKES, 'fake-lfs'), args, { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`fake-lfs ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    set(fields, { host, port = 9421 } = {}) {
      const kv = Object.entries(fields).map(([k, v]) => `${k}=${Array.isArray(v) ? JSON.stringify(v) : v}`);
      world.fake(...(host ? ['--host', host] : []), 'set', String(port), ...kv);
    },
    /** A server as if started by mfsmaster with this world's config. */
    serve(fields, opts) {
      world.set({ cfg, running: true, ...fields }, opts);
    },
    server({ host, port = 9421 } = {}) {
      return JSON.parse(world.fake(...(host ? ['--host', host] : []), 'show', String(port)));
    },
    calls() {
      try {
        return fs
          .readFileSync(path.join(env.FAKE_LFS_STATE, 'calls.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
    /** Calls that change something: any mfsmaster action but isalive/test, promote-shadow, systemctl. */
    mutatingCalls() {
      return world.calls().filter((c) => {
        if (c.bin === 'mfsmaster' || c.bin === 'sfsmaster') return !['isalive', 'test'].includes(c.argv[c.argv.length - 1]);
        if (c.bin === 'systemctl') return true;
        return c.argv[0] === 'promote-shadow';
      });
    },
    violations() {
      try {
        return fs.readFileSync(path.join(env.FAKE_LFS_STATE, 'violations'), 'utf8');
      } catch {
        return '';
      }
    },
    syslog() {
      try {
        return fs.readFileSync(path.join(env.FAKE_LFS_STATE, 'syslog'), 'utf8');
      } catch {
        return '';
      }
    },
    run(args, opts = {}) {
      return runCli(args, { ...opts, env: { ...env, ...(opts.env ?? {}) } });
    },
    spawn(args, opts = {}) {
      return spawn(process.execPath, [CLI, ...args], { env: { ...env, ...(opts.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
  t.after(() => {
    spawnSync(path.join(FAKES, 'fake-lfs'), ['cleanup'], { env });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return world;
}

export function runCli(args, { env, cwd, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not finish within ${timeoutMs} ms: ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = null;
      }
      resolve({ code, signal, stdout, stderr, json, ms: performance.now() - started });
    });
  });
}

/** The argv of every mfsmaster call, as arrays. */
export function masterCalls(world) {
  return world.calls().filter((c) => c.bin === 'mfsmaster').map((c) => c.argv);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it is truthy; throw naming `what` after `ms`. */
export async function waitUntil(fn, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}
