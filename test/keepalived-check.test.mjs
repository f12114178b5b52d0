// keepalived/lizardfs-ha-check, the VRRP track script, against stub admin
// tools built from the shared case table (test/fixtures/check-cases.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, mkdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCases, writeStubAdmin } from './fixtures/check-cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CHECK = join(here, '..', 'keepalived', 'lizardfs-ha-check');
const LIMIT_S = 0.5; // LIZARDFS_HA_CHECK_TIMEOUT for the table, to keep the file fast

function run(args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(CHECK, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr, ms });
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withTmp(fn) {
  const dir = await mkdtemp(join(tmpdir(), 'lfsha-check-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LIZARDFS_HA_CHECK_TIMEOUT: String(LIMIT_S) };

for (const c of checkCases) {
  test(`check case: ${c.name} -> ${c.healthy ? 'healthy' : 'unhealthy'}`, () =>
    withTmp(async (dir) => {
      const stub = await writeStubAdmin(dir, c);
      const r = await run(['10.213.0.11', '19421'], { ...baseEnv, LIZARDFS_HA_ADMIN_BIN: stub });
      const detail = JSON.stringify(r);
      assert.equal(r.code, c.healthy ? 0 : 1, detail);
      assert.equal(r.stdout, '', 'keepalived discards stdout; the check prints nothing there');
      if (c.healthy) assert.equal(r.stderr, '', detail);
      // The admin tool's own stderr passes through (useful when run by hand),
      // then one line saying why.
      else assert.match(r.stderr, /(^|\n)lizardfs-ha-check: 10\.213\.0\.11:19421 unhealthy: [^\n]+\n$/, detail);
      if (!c.healthy && c.stderr) assert.ok(r.stderr.startsWith(c.stderr), detail);
      const argv = (await readFile(`${stub}.argv`, 'utf8')).trim().split('\n');
      assert.deepEqual(argv, ['metadataserver-status --porcelain 10.213.0.11 19421']);
      if (c.hangMs && c.hangMs > LIMIT_S * 1000) {
        assert.ok(r.ms < LIMIT_S * 1000 + 1500, `gave up after ${r.ms} ms, limit ${LIMIT_S} s`);
        assert.match(r.stderr, /no answer within 0\.5s/);
        const pid = Number(await readFile(`${stub}.pid`, 'utf8'));
        assert.equal(alive(pid), false, `stub ${pid} must have been killed by the timeout`);
      }
    }));
}

test('defaults: 127.0.0.1 9421, admin timeout 1 s', () =>
  withTmp(async (dir) => {
    const ok = await writeStubAdmin(join(dir, 'ok'), checkCases.find((c) => c.healthy));
    let r = await run([], { PATH: baseEnv.PATH, LIZARDFS_HA_ADMIN_BIN: ok });
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.equal((await readFile(`${ok}.argv`, 'utf8')).trim(), 'metadataserver-status --porcelain 127.0.0.1 9421');

    const hang = await writeStubAdmin(join(dir, 'hang'), { name: 'hang', stdout: '', stderr: '', exitCode: 0, hangMs: 10000 });
    r = await run([], { PATH: baseEnv.PATH, LIZARDFS_HA_ADMIN_BIN: hang });
    assert.equal(r.code, 1, JSON.stringify(r));
    assert.ok(r.ms >= 900 && r.ms < 2500, `default limit is 1 s, took ${r.ms} ms`);
  }));

test('admin tool from PATH: lizardfs-admin, else saunafs-admin', () =>
  withTmp(async (dir) => {
    // A PATH holding only the tools the check and the stubs use, so an
    // installed lizardfs-admin cannot interfere.
    const tools = join(dir, 'tools');
    await mkdir(tools);
    for (const t of ['timeout', 'cat', 'sleep']) {
      const found = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((p) => join(p, t));
      let target;
      for (const f of found) {
        try {
          await access(f);
          target = f;
          break;
        } catch {}
      }
      assert.ok(target, `${t} not found in PATH`);
      await symlink(target, join(tools, t));
    }
    const healthy = checkCases.find((c) => c.healthy);
    const sauna = await writeStubAdmin(join(dir, 'sauna'), healthy, 'saunafs-admin');
    let r = await run([], { PATH: `${join(dir, 'sauna')}:${tools}` });
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.ok((await readFile(`${sauna}.argv`, 'utf8')).length > 0, 'saunafs-admin was called');

    const unhealthy = checkCases.find((c) => c.name === 'unreachable');
    const lizard = await writeStubAdmin(join(dir, 'both'), unhealthy, 'lizardfs-admin');
    await writeStubAdmin(join(dir, 'both'), healthy, 'saunafs-admin');
    r = await run([], { PATH: `${join(dir, 'both')}:${tools}` });
    assert.equal(r.code, 1, 'lizardfs-admin wins when both exist');
    assert.ok((await readFile(`${lizard}.argv`, 'utf8')).length > 0);

    r = await run([], { PATH: tools });
    assert.equal(r.code, 1, 'no admin tool at all is unhealthy');
    assert.match(r.stderr, /unhealthy: lizardfs-admin exited 127/);
  }));

test('the check is POSIX sh and cheap: no node, only timeout + the admin tool', async () => {
  const src = await readFile(CHECK, 'utf8');
  assert.match(src, /^#!\/bin\/sh\n/);
  // Every external command would cost a fork every second forever.
  const code = src
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  for (const word of ['node', 'awk', 'sed', 'grep', 'cut', 'tr', 'expr', 'printf', 'date']) {
    assert.doesNotMatch(code, new RegExp(`(^|[\\s|;(\`$])${word}\\s`), `uses ${word}`);
  }
});
