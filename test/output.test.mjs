// --dry-run, --json, status, check and the human summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeWorld, masterCalls } from './helpers.mjs';

test('--dry-run prints the plan and changes nothing', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 9, diskVersion: 9 });
  const r = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1\. mfsmaster -c \S+ -t 10 -o ha-cluster-managed -o initial-personality=shadow restart/);
  assert.match(r.stdout, /dry-run: nothing changed/);
  assert.deepEqual(w.mutatingCalls(), []);
  assert.equal(w.server().personality, 'master');
});

test('--dry-run of a promotion shows promote-shadow, its fallback, and never the password', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 9, diskVersion: 9 });
  const r = await w.run(['promote', '--dry-run', '--json']);
  assert.equal(r.code, 0);
  assert.equal(r.json.outcome, 'dry-run');
  const [promote] = r.json.plan.steps;
  assert.deepEqual(promote.argv, ['lizardfs-admin', 'promote-shadow', '127.0.0.1', '9421']);
  assert.equal(promote.stdinSecret, 'admin-password');
  assert.equal(promote.fallback[0].argv.at(-1), 'restart');
  assert.ok(!r.stdout.includes('Sup3r'), 'no password in dry-run output');
  assert.deepEqual(w.mutatingCalls(), []);
});

test('--json: one object with the facts of the run', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 9, diskVersion: 9 });
  const r = await w.run(['notify', 'backup', '127.0.0.1', '9421', '--json']);
  assert.equal(r.code, 0);
  const j = r.json;
  assert.deepEqual(
    Object.keys(j).sort(),
    ['arrival', 'caller', 'command', 'config', 'dryRun', 'elapsedMs', 'event', 'exitCode', 'final', 'message', 'observed', 'outcome', 'plan', 'server', 'signals', 'startedAt', 'steps', 'wanted'].sort(),
  );
  assert.equal(j.command, 'notify');
  assert.equal(j.event, 'BACKUP');
  assert.equal(j.wanted, 'shadow');
  assert.deepEqual(j.server, { ip: '127.0.0.1', port: 9421 });
  assert.deepEqual(j.config, { path: w.cfg, mode: 'ha-cluster-managed', personality: 'ha-cluster-managed' });
  assert.deepEqual(j.observed.server, { reachable: true, personality: 'master', serverStatus: 'running', metadataVersion: 9 });
  assert.equal(j.plan.outcome, 'transition');
  assert.equal(j.steps.length, 2);
  assert.equal(j.steps[0].exitCode, 0);
  assert.equal(j.final.personality, 'shadow');
  assert.equal(j.outcome, 'done');
  assert.equal(j.exitCode, 0);
  assert.equal(typeof j.elapsedMs, 'number');
  assert.equal(j.dryRun, false);
});

test('status: readable table and --json', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 77, diskVersion: 77 });
  const r = await w.run(['status']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /personality: shadow/);
  assert.match(r.stdout, /server status: disconnected/);
  assert.match(r.stdout, /metadata version: 77/);
  assert.match(r.stdout, /mode: ha-cluster-managed/);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when not a TTY');
  const j = (await w.run(['status', '--json'])).json;
  assert.deepEqual(j.status, { reachable: true, personality: 'shadow', serverStatus: 'disconnected', metadataVersion: 77 });
  assert.equal(j.config.mode, 'ha-cluster-managed');
  assert.equal(j.healthy, true);
  assert.equal(j.disk, null, 'metadata in RAM: the disk is not read');
  assert.ok(!w.calls().some((c) => c.bin === 'mfsmetarestore'));
});

test('status of a version-0 shadow shows the on-disk version (what a person compares before promote --force)', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 0, diskVersion: 31 });
  const r = await w.run(['status']);
  assert.match(r.stdout, /on-disk version: 31/);
  assert.match(r.stdout, /track check: unhealthy/);
  const j = (await w.run(['status', '--json'])).json;
  assert.deepEqual(j.disk, { version: 31, error: null });
  assert.deepEqual(w.calls().find((c) => c.bin === 'mfsmetarestore').argv, ['-g', '-d', w.dataPath]);
});

test('status of a stopped server: exit 1, says why', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['status', '127.0.0.1', '9421']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /unreachable/);
  assert.match(r.stdout, /Can't connect to 127\.0\.0\.1:9421/);
});

test('check: the VRRP rule (master running, or shadow with metadata)', async (t) => {
  const w = makeWorld(t);
  const cases = [
    [{ personality: 'master', version: 3 }, 0],
    [{ personality: 'shadow', version: 3, diskVersion: 3 }, 0],
    [{ personality: 'shadow', version: 0, diskVersion: 0 }, 1],
    [{ personality: 'master', version: 3, unknown: true }, 1],
    [{ running: false }, 1],
  ];
  for (const [fields, code] of cases) {
    if (fields.running === false) w.set({ running: false });
    else w.serve({ unknown: false, ...fields });
    const r = await w.run(['check', '--json']);
    assert.equal(r.code, code, JSON.stringify(fields) + r.stdout);
    assert.equal(r.json.healthy, code === 0);
  }
});

test('--flavor saunafs uses sfsmaster / saunafs-admin', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 4, diskVersion: 4 });
  const r = await w.run(['promote', '--flavor', 'saunafs', '--method', 'restart']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const bins = new Set(w.calls().map((c) => c.bin));
  assert.deepEqual([...bins].sort(), ['saunafs-admin', 'sfsmaster']);
  assert.deepEqual(masterCalls(w), []);
});

test('--exec-prefix runs every LizardFS binary through the prefix', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 4, diskVersion: 4 });
  const r = await w.run(['promote', '--method', 'restart', '--exec-prefix', 'env FAKE_PREFIXED=1', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.json.steps[0].argv.slice(0, 3), ['env', 'FAKE_PREFIXED=1', 'mfsmaster']);
  assert.equal(w.server().personality, 'master');
});
