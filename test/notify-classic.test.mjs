// Classic configs (PERSONALITY = master|shadow in the file): initial-personality is refused there, so
// promotion rewrites the file and reloads; demotion rewrites it and restarts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeWorld, masterCalls } from './helpers.mjs';

test('classic shadow -> notify MASTER: PERSONALITY rewritten (only that line), then reload; promoted in place', async (t) => {
  const w = makeWorld(t, { mode: 'shadow' });
  w.serve({ personality: 'shadow', version: 12, diskVersion: 12 });
  const before = fs.readFileSync(w.cfg, 'utf8');
  const statBefore = fs.statSync(w.cfg);
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(masterCalls(w), [['-c', w.cfg, 'reload']]);
  assert.deepEqual(w.calls().filter((c) => c.argv[0] === 'promote-shadow'), [], 'promote-shadow is refused on classic configs');
  const after = fs.readFileSync(w.cfg, 'utf8');
  assert.equal(after, before.replace('PERSONALITY = shadow', 'PERSONALITY = master'));
  assert.equal(fs.statSync(w.cfg).mode, statBefore.mode);
  const s = w.server();
  assert.equal(s.personality, 'master');
  assert.equal(s.version, 12);
  assert.equal(r.json.plan.method, 'reload');
});

test('classic master -> notify BACKUP: PERSONALITY = shadow, then restart (reload cannot demote)', async (t) => {
  const w = makeWorld(t, { mode: 'master' });
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const r = await w.run(['notify', 'backup', '127.0.0.1', '9421']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(masterCalls(w), [['-c', w.cfg, '-t', '10', 'restart']]);
  assert.match(fs.readFileSync(w.cfg, 'utf8'), /^PERSONALITY = shadow$/m);
  assert.equal(w.server().personality, 'shadow');
});

test('classic config without a PERSONALITY line (defaults to master): demotion appends the line', async (t) => {
  const w = makeWorld(t, { mode: 'none' });
  w.serve({ personality: 'master', version: 3, diskVersion: 3 });
  const before = fs.readFileSync(w.cfg, 'utf8');
  const r = await w.run(['demote']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(fs.readFileSync(w.cfg, 'utf8'), `${before}PERSONALITY = shadow\n`);
  assert.equal(w.server().personality, 'shadow');
});

test('classic server down -> promote: rewrite, start with auto-recovery', async (t) => {
  const w = makeWorld(t, { mode: 'shadow' });
  w.serve({ personality: 'master', version: 8, diskVersion: 8 });
  w.fake('crash', '9421');
  const r = await w.run(['promote']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(masterCalls(w), [
    ['-c', w.cfg, 'isalive'],
    ['-c', w.cfg, '-o', 'auto-recovery', 'start'],
  ]);
  assert.equal(w.server().personality, 'master');
  assert.equal(w.server().version, 8);
});

test('classic shadow with version 0 in RAM: rewrite + restart with auto-recovery (a reload would switch without metadata)', async (t) => {
  const w = makeWorld(t, { mode: 'shadow' });
  w.serve({ personality: 'shadow', version: 0, diskVersion: 30 });
  const r = await w.run(['promote']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(masterCalls(w), [['-c', w.cfg, '-t', '10', '-o', 'auto-recovery', 'restart']]);
  assert.equal(w.server().version, 30);
});

test('classic: a running shadow whose file says master gets the file fixed, no restart', async (t) => {
  const w = makeWorld(t, { mode: 'master' });
  w.serve({ personality: 'shadow', version: 5, diskVersion: 5 });
  const r = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.plan.method, 'config-only');
  assert.deepEqual(w.mutatingCalls(), []);
  assert.match(fs.readFileSync(w.cfg, 'utf8'), /^PERSONALITY = shadow$/m);
});

test('relative --config is made absolute before it reaches mfsmaster (a relative one breaks reload)', async (t) => {
  const w = makeWorld(t, { mode: 'shadow' });
  w.serve({ personality: 'shadow', version: 12, diskVersion: 12 });
  const r = await w.run(['promote', '--config', 'mfsmaster.cfg'], { cwd: w.dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const reload = masterCalls(w).find((a) => a.at(-1) === 'reload');
  assert.equal(reload[1], path.join(w.dir, 'mfsmaster.cfg'));
  assert.equal(w.server().personality, 'master');
});

test('unknown PERSONALITY value: refused with exit 2, nothing runs', async (t) => {
  const w = makeWorld(t, { mode: 'primary' });
  w.serve({ personality: 'shadow', version: 5 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421']);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /PERSONALITY = "primary" is not one of master, shadow, ha-cluster-managed/);
  assert.deepEqual(w.calls(), []);
});

test('unreadable config: refused with exit 2, nothing runs', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--config', path.join(w.dir, 'nope.cfg')]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /cannot read config .*nope\.cfg: no such file/);
  assert.deepEqual(w.calls(), []);
});
