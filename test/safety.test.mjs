// Safe transitions under keepalived's real behaviour: ordering, guards, signals, timeouts, systemd, audit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeWorld, masterCalls, ROOT, sleep, waitUntil as waitFor } from './helpers.mjs';


function collect(child) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      let json = null;
      try {
        json = JSON.parse(stdout);
      } catch {}
      resolve({ code, signal, stdout, stderr, json });
    });
  });
}

test('50 concurrent notify events in random order: the server ends in the LAST event\'s role, mfsmaster actions never overlap', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 10, diskVersion: 10, actionDelayMs: 150 });
  // STOP events run in a detached worker (cli/detach.ts) with the stamp their hook took: they must order the same.
  const states = Array.from({ length: 50 }, () => ['MASTER', 'MASTER', 'BACKUP', 'STOP'][Math.floor(Math.random() * 4)]);
  const runs = states.map((s) => collect(w.spawn(['notify', s, '127.0.0.1', '9421', '--json', '--deadline', '180', '--method', 'restart'])));
  const results = await Promise.all(runs);
  for (const r of results) assert.ok(r.json, `every run printed JSON: ${r.stderr}`);
  const last = results.reduce((a, b) => (BigInt(b.json.arrival) > BigInt(a.json.arrival) ? b : a));
  assert.ok(['done', 'nothing-to-do'].includes(last.json.outcome), `the newest event acted: ${last.json.outcome} ${last.json.message}`);
  assert.equal(w.server().personality, last.json.wanted, 'final role is the newest event\'s');
  for (const r of results) {
    assert.ok(['done', 'nothing-to-do', 'superseded'].includes(r.json.outcome), `${r.json.outcome}: ${r.json.message}`);
    if (r.json.outcome === 'superseded') assert.equal(r.code, 4);
  }
  // Most of the burst collapses: superseded, or already in the wanted role; only a few restarts.
  const acted = results.filter((r) => r.json.outcome === 'done');
  assert.ok(acted.length <= 10, `most of the burst collapsed: ${JSON.stringify(results.map((r) => [r.json.event, r.json.outcome]))}`);
  assert.ok(results.filter((r) => r.json.outcome === 'superseded').length >= 25, 'newer events supersede older ones');
  assert.equal(w.violations(), '', 'the fake saw no overlapping mfsmaster actions');
  const actions = w.calls().filter((c) => c.bin === 'mfsmaster' && c.argv.at(-1) !== 'isalive').sort((a, b) => a.t0 - b.t0);
  for (let i = 1; i < actions.length; i++) assert.ok(actions[i].t0 >= actions[i - 1].t1, 'mfsmaster actions are serialised');
});

test('promote-shadow is never used on metadata version 0: restart with auto-recovery from disk', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 0, diskVersion: 57 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json']);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(w.calls().filter((c) => c.argv[0] === 'promote-shadow'), []);
  assert.deepEqual(masterCalls(w).at(-1), ['-c', w.cfg, '-t', '10', '-o', 'ha-cluster-managed', '-o', 'initial-personality=master', '-o', 'auto-recovery', 'restart']);
  assert.equal(w.server().personality, 'master');
  assert.equal(w.server().version, 57);
  assert.equal(r.json.observed.diskVersion, 57);
});

test('never an empty master: nothing in RAM or on disk -> refused (exit 3, nothing run); --force overrides', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 0, diskVersion: 0 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421']);
  assert.equal(r.code, 3, r.stdout);
  assert.match(r.stdout, /EMPTY file system/);
  assert.deepEqual(w.mutatingCalls(), []);
  assert.match(w.syslog(), /refused: no metadata in RAM and none on disk/);
  const forced = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--force']);
  assert.equal(forced.code, 0, forced.stdout);
  assert.equal(w.server().personality, 'master');
  assert.equal(w.server().empty, true);
});

function withPeer(w, fields) {
  fs.mkdirSync(path.join(w.env.FAKE_LFS_STATE, 'addr'), { recursive: true });
  fs.writeFileSync(path.join(w.env.FAKE_LFS_STATE, 'addr', '127.0.0.2'), 'peer');
  w.set({ cfg: w.cfg, ...fields }, { host: 'peer' });
}

test('split-brain guard: a reachable peer that is a running master blocks promotion (exit 3); --force overrides', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'master', version: 30, diskVersion: 30 });
  w.serve({ personality: 'shadow', version: 30, diskVersion: 30 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421', '--json', '--deadline', '8', '--split-brain-wait', '0']);
  assert.equal(r.code, 3);
  assert.equal(r.json.plan.refusal, 'split-brain');
  assert.match(r.json.message, /still so after waiting \d+ s/);
  assert.deepEqual(w.mutatingCalls(), []);
  assert.match(w.syslog(), /peer 127\.0\.0\.2:9421: master running, metadata version 30; ours 30/);
  const forced = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421', '--force']);
  assert.equal(forced.code, 0);
  assert.deepEqual(w.calls().filter((c) => c.argv[0] === 'promote-shadow').length, 1);
  assert.equal(w.server().personality, 'master');
});

test('split-brain wait: the VIP moved here while the old master still runs; once it steps down, promote', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'master', version: 30, diskVersion: 30 });
  w.serve({ personality: 'shadow', version: 30, diskVersion: 30 });
  const run = w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421', '--json', '--deadline', '30']);
  await sleep(2500);
  assert.deepEqual(w.mutatingCalls(), [], 'nothing done while the peer is master');
  // The old node's keepalived comes back in BACKUP and its server is demoted.
  w.set({ personality: 'shadow' }, { host: 'peer' });
  const r = await run;
  assert.equal(r.code, 0, r.stdout);
  assert.equal(w.server().personality, 'master');
  assert.ok(r.json.elapsedMs >= 2500);
  assert.match(w.syslog(), /waiting up to \d+ s for it to step down/);
});

test('split-brain wait outlasts --deadline for notify (keepalived SIGKILLed on the old master, restarted later); promote refuses at the deadline', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'master', version: 30, diskVersion: 30 });
  w.serve({ personality: 'shadow', version: 30, diskVersion: 30 });
  const started = performance.now();
  const run = w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421', '--json', '--deadline', '3', '--probe-timeout', '0.5', '--split-brain-wait', '30']);
  await sleep(6000);
  assert.deepEqual(w.mutatingCalls(), [], 'nothing done while the peer is master, past the 3 s deadline');
  w.set({ personality: 'shadow' }, { host: 'peer' });
  const r = await run;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(w.server().personality, 'master');
  assert.ok(r.json.elapsedMs >= 6000 && performance.now() - started < 20000);
  assert.match(w.syslog(), /--deadline \(3 s\) starts again for the promotion/);

  // An operator's promote waits within --deadline only (default), then refuses.
  const w2 = makeWorld(t);
  withPeer(w2, { running: true, personality: 'master', version: 30, diskVersion: 30 });
  w2.serve({ personality: 'shadow', version: 30, diskVersion: 30 });
  const p = await w2.run(['promote', '--peer', '127.0.0.2:9421', '--json', '--deadline', '3', '--probe-timeout', '0.5']);
  assert.equal(p.code, 3, p.stdout);
  assert.equal(p.json.plan.refusal, 'split-brain');
  assert.ok(p.json.elapsedMs < 3500, `within the deadline: ${p.json.elapsedMs} ms`);
  assert.deepEqual(w2.mutatingCalls(), []);
});

test('BACKUP grace: keepalived start-up (BACKUP, then MASTER 3 s later) never demotes the running master', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const env = { LIZARDFS_HA_DEMOTE_GRACE: '4' };
  const backup = w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--json'], { env });
  await sleep(1500);
  const master = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json'], { env });
  const b = await backup;
  assert.equal(b.code, 4, b.stdout);
  assert.equal(b.json.outcome, 'superseded');
  assert.equal(master.code, 0);
  assert.equal(master.json.outcome, 'nothing-to-do');
  assert.deepEqual(w.mutatingCalls(), []);
  assert.equal(w.server().personality, 'master');
});

test('BACKUP grace: with no newer event the master is demoted after the grace; FAULT and STOP never wait', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const env = { LIZARDFS_HA_DEMOTE_GRACE: '2' };
  const b = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--json'], { env });
  assert.equal(b.code, 0, b.stdout);
  assert.ok(b.json.elapsedMs >= 2000, `waited ${b.json.elapsedMs} ms`);
  assert.equal(w.server().personality, 'shadow');
  w.serve({ personality: 'master', version: 12 });
  const f = await w.run(['notify', 'FAULT', '127.0.0.1', '9421', '--json'], { env });
  assert.equal(f.code, 0);
  assert.ok(f.json.elapsedMs < 2000, `FAULT did not wait: ${f.json.elapsedMs} ms`);
  assert.equal(w.server().personality, 'shadow');
});

test('BACKUP grace is skipped when a peer is a running master (two masters now: demote at once)', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'master', version: 12, diskVersion: 12 });
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const b = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--json', '--peer', '127.0.0.2:9421'], { env: { LIZARDFS_HA_DEMOTE_GRACE: '10' } });
  assert.equal(b.code, 0, b.stdout);
  assert.ok(b.json.elapsedMs < 5000, `no grace: ${b.json.elapsedMs} ms`);
  assert.equal(w.server().personality, 'shadow');
});

test('last-master guard: a STOP/BACKUP/FAULT never demotes the only master when no answering peer could take over', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'shadow', version: 0, diskVersion: 0, stuckDisconnected: true });
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  for (const state of ['STOP', 'FAULT', 'BACKUP']) {
    const r = await w.run(['notify', state, '127.0.0.1', '9421', '--json', '--peer', '127.0.0.2:9421']);
    assert.equal(r.code, 3, r.stdout);
    assert.equal(r.json.plan.refusal, 'last-master');
    assert.match(r.json.message, /no peer could take over \(127\.0\.0\.2:9421 shadow v0\)/);
  }
  assert.deepEqual(w.mutatingCalls(), []);
  assert.equal(w.server().personality, 'master');
  // An eligible peer (a shadow with metadata): demote.
  w.set({ version: 12, diskVersion: 12 }, { host: 'peer' });
  const ok = await w.run(['notify', 'STOP', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421']);
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(w.server().personality, 'shadow');
});

test('last-master guard: a peer that does not answer might be a master elsewhere, so demote; --force demotes anyway', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: false });
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const r = await w.run(['notify', 'STOP', '127.0.0.1', '9421', '--peer', '127.0.0.2:9421']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(w.server().personality, 'shadow');
  withPeer(w, { running: true, personality: 'shadow', version: 0, diskVersion: 0, stuckDisconnected: true });
  w.serve({ personality: 'master', version: 12, diskVersion: 12 });
  const f = await w.run(['demote', '--peer', '127.0.0.2:9421', '--force']);
  assert.equal(f.code, 0, f.stdout);
  assert.equal(w.server().personality, 'shadow');
});

test('behind-peer guard: a reachable peer with a newer metadata version blocks promotion', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'shadow', version: 45, diskVersion: 45 });
  w.serve({ personality: 'shadow', version: 40, diskVersion: 40 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json'], { env: { LIZARDFS_HA_PEERS: '127.0.0.2:9421' } });
  assert.equal(r.code, 3);
  assert.equal(r.json.plan.refusal, 'behind-peer');
  assert.match(r.json.message, /version 45, ours is 40/);
  assert.deepEqual(w.mutatingCalls(), []);
});

test('a version-0 peer blocks a promotion from disk (its disk may be newer: finding 5); --force overrides', async (t) => {
  const w = makeWorld(t);
  // Both shadows with nothing in RAM: ours has 14 on disk, the peer's disk (20) cannot be seen from here.
  withPeer(w, { running: true, personality: 'shadow', version: 0, diskVersion: 20 });
  w.serve({ personality: 'shadow', version: 0, diskVersion: 14 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json'], { env: { LIZARDFS_HA_PEERS: '127.0.0.2:9421' } });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.equal(r.json.plan.refusal, 'unknown-peer-metadata');
  assert.match(r.json.message, /peer 127\.0\.0\.2:9421 has no metadata in RAM .*on-disk version 14\b.*--force/);
  assert.deepEqual(w.mutatingCalls(), []);
  assert.equal(w.server().personality, 'shadow');
  const forced = await w.run(['promote', '--force', '--peer', '127.0.0.2:9421', '--json']);
  assert.equal(forced.code, 0, forced.stdout);
  assert.equal(w.server().personality, 'master');
  assert.equal(w.server().version, 14);
});

test('a version-0 peer does not block a shadow synced in RAM (the ordinary failover: crashed master back as a shadow)', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: true, personality: 'shadow', version: 0, diskVersion: 40 });
  w.serve({ personality: 'shadow', version: 40, diskVersion: 38 });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--json'], { env: { LIZARDFS_HA_PEERS: '127.0.0.2:9421' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.plan.method, 'admin');
  assert.equal(w.server().personality, 'master');
});

test('an unreachable peer does not block (that is the failover case); demotion is never blocked', async (t) => {
  const w = makeWorld(t);
  withPeer(w, { running: false, personality: 'master', version: 99 });
  w.serve({ personality: 'shadow', version: 40, diskVersion: 40 });
  const r = await w.run(['promote', '--peer', '127.0.0.2:9421']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(w.server().personality, 'master');
  withPeer(w, { running: true, personality: 'master', version: 99 });
  const d = await w.run(['demote', '--peer', '127.0.0.2:9421']);
  assert.equal(d.code, 0, d.stdout);
  assert.equal(w.server().personality, 'shadow');
});

test('SIGTERM mid-restart (keepalived stopping): the transition finishes, the lock is released', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 5, diskVersion: 5, actionDelayMs: 1500 });
  const child = w.spawn(['notify', 'BACKUP', '127.0.0.1', '9421', '--json']);
  const done = collect(child);
  const busy = path.join(w.env.FAKE_LFS_STATE, 'busy-local-9421');
  await waitFor(() => fs.existsSync(busy), 10000, 'the restart to start');
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.json.signals, ['SIGTERM']);
  assert.equal(r.json.outcome, 'done');
  assert.equal(w.server().personality, 'shadow');
  assert.match(w.syslog(), /received SIGTERM: finishing the transition first/);
  const next = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--deadline', '3']);
  assert.equal(next.code, 0, 'lock free for the next event');
  assert.match(next.stdout, /nothing to do/);
});

test('keepalived SIGKILLs the hook\'s process group mid-restart: the restart (own group) completes, lock freed', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 5, diskVersion: 5, actionDelayMs: 1500 });
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('./helpers.mjs');
  const child = spawn(process.execPath, [CLI, 'notify', 'STOP', '127.0.0.1', '9421'], { env: w.env, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const busy = path.join(w.env.FAKE_LFS_STATE, 'busy-local-9421');
  await waitFor(() => fs.existsSync(busy), 10000, 'the restart to start');
  process.kill(-child.pid, 'SIGTERM');
  await sleep(200);
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  await waitFor(() => !fs.existsSync(busy), 10000, 'the orphaned restart to finish');
  assert.equal(w.server().personality, 'shadow');
  const next = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--deadline', '3']);
  assert.equal(next.code, 0, next.stdout);
});

/** Start `notify STOP` as keepalived does (own process group); resolves the hook's pid and its exit. */
async function keepalivedHook(w, args) {
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('./helpers.mjs');
  const child = spawn(process.execPath, [CLI, ...args], { env: w.env, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, exited };
}

/** The pids of invocations that have stamped their arrival (the worker's file carries the worker's pid). */
function arrivedPids(w) {
  const dir = path.join(w.env.LIZARDFS_HA_STATE_DIR, 'arrivals-127.0.0.1-9421');
  try {
    return fs.readdirSync(dir).map((n) => Number(n.split('-')[1]));
  } catch {
    return [];
  }
}

test('STOP hook SIGKILLed with its group before it acted (keepalived, 1 s): the detached worker still demotes', async (t) => {
  const w = makeWorld(t);
  // A master that hangs on SIGTERM: the demotion needs -t 1, then SIGKILL of the old pid and a start.
  w.serve({ personality: 'master', version: 5, diskVersion: 5, hangActions: ['restart'], ignoreTerm: true });
  const { child, exited } = await keepalivedHook(w, ['notify', 'STOP', '127.0.0.1', '9421', '--timeout', '1', '--lock-timeout', '1', '--deadline', '20']);
  await waitFor(() => arrivedPids(w).some((p) => p !== child.pid), 10000, 'the worker to stamp its arrival');
  assert.equal(w.mutatingCalls().length, 0, 'killed before anything was run');
  process.kill(-child.pid, 'SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');
  await waitFor(() => w.server().personality === 'shadow' && arrivedPids(w).length === 0, 20000, 'the worker to demote the server and leave');
  const [entry] = fs.readFileSync(path.join(w.env.LIZARDFS_HA_STATE_DIR, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entry.outcome, 'done', entry.message);
  assert.equal(entry.event, 'STOP');
  assert.equal(entry.caller.pid, child.pid, 'the history names the hook keepalived started, not the worker');
  assert.match(w.syslog(), new RegExp(`running detached as pid \\d+ \\(hook pid ${child.pid}\\)`));
  const next = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--deadline', '3']);
  assert.equal(next.code, 0, 'lock free for the next event');
  assert.match(next.stdout, /nothing to do/);
});

test('--detach never: the same SIGKILL leaves the master running (what finding 6 of docs/real-lab.md was)', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 5, diskVersion: 5, actionDelayMs: 300 });
  const { child, exited } = await keepalivedHook(w, ['notify', 'STOP', '127.0.0.1', '9421', '--detach', 'never']);
  await waitFor(() => arrivedPids(w).includes(child.pid), 10000, 'the hook to stamp its arrival');
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  await sleep(1500);
  assert.equal(w.mutatingCalls().length, 0);
  assert.equal(w.server().personality, 'master');
});

test('a detached STOP run by hand: the caller waits, prints the worker\'s result and exits with its code', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 5, diskVersion: 5 });
  const r = await w.run(['notify', 'stop', '127.0.0.1', '9421', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.outcome, 'done');
  assert.notEqual(r.json.caller.pid, undefined);
  assert.equal(w.server().personality, 'shadow');
  // A refusal travels back the same way (exit 2: bad config found by the worker).
  fs.writeFileSync(w.cfg, 'PERSONALITY = bogus\n');
  const bad = await w.run(['notify', 'stop', '127.0.0.1', '9421']);
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  assert.match(bad.stdout + bad.stderr, /PERSONALITY/);
});

test('a hung restart that ignores SIGTERM is killed with its group at --timeout, the old server is killed, started again', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 8, diskVersion: 8, hangActions: ['restart'], ignoreTerm: true });
  const r = await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--method', 'restart', '--timeout', '1', '--deadline', '15', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const [restart] = r.json.steps;
  assert.match(restart.error ?? '', /`mfsmaster .* restart` hung and was killed after 1\.0 s/);
  assert.match(restart.recovery, /old server \(pid \d+\) still held the lock: killed it with SIGKILL; started it again with auto-recovery/);
  assert.deepEqual(masterCalls(w).slice(-1)[0], ['-c', w.cfg, '-o', 'ha-cluster-managed', '-o', 'initial-personality=master', '-o', 'auto-recovery', 'start']);
  assert.equal(w.server().personality, 'master');
  assert.equal(w.server().version, 8);
  assert.ok(r.ms < 15000);
  // No hung fake left behind: the process group was SIGKILLed.
  const { execSync } = await import('node:child_process');
  const left = execSync(`pgrep -f "fake-lizardfs|bin/mfsmaster" -a || true`, { encoding: 'utf8' });
  assert.ok(!left.includes(w.cfg), `left behind: ${left}`);
});

test('a server that ignores SIGTERM (restart waits -t, exits 2): escalate within the deadline', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 8, diskVersion: 8, ignoresStop: true });
  const r = await w.run(['demote', '--lock-timeout', '1', '--deadline', '15', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.json.steps[0].recovery, /killed it with SIGKILL/);
  assert.equal(masterCalls(w)[0][3], '1', '-t 1 passed to restart');
  assert.equal(w.server().personality, 'shadow');
});

test('the deadline holds: a start that hangs is cut at --deadline, and the failure names the command', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 8, diskVersion: 8, hangActions: ['start'] });
  w.fake('crash', '9421');
  const r = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421', '--deadline', '2', '--timeout', '30', '--json']);
  assert.equal(r.code, 1);
  assert.match(r.json.message, /`mfsmaster -c \S+ -o ha-cluster-managed -o initial-personality=shadow start` hung and was killed after \d\.\d s/);
  assert.ok(r.json.elapsedMs <= 2000 + 1500, `elapsed ${r.json.elapsedMs} ms`);
});

test('systemd: env file written atomically, then systemctl restart of the shipped unit; the server follows', async (t) => {
  const w = makeWorld(t);
  const envFile = path.join(w.dir, 'master.env');
  const env = {
    LIZARDFS_HA_SERVICE_MANAGER: 'systemd',
    LIZARDFS_HA_ENV_FILE: envFile,
    FAKE_SYSTEMD_UNIT: path.join(ROOT, 'keepalived', 'systemd', 'lizardfs-ha-master.service'),
    FAKE_SYSTEMD_CONFIG: w.cfg,
    FAKE_SYSTEMD_ENV_FILE: envFile,
  };
  w.serve({ personality: 'master', version: 6, diskVersion: 6 });
  const d = await w.run(['notify', 'BACKUP', '127.0.0.1', '9421'], { env });
  assert.equal(d.code, 0, d.stdout + d.stderr);
  assert.equal(fs.readFileSync(envFile, 'utf8').match(/^PERSONALITY=(.*)$/m)[1], 'shadow');
  assert.deepEqual(w.calls().filter((c) => c.bin === 'systemctl').map((c) => c.argv), [['restart', 'lizardfs-ha-master.service']]);
  assert.deepEqual(masterCalls(w).at(-1), ['-d', '-c', w.cfg, '-o', 'ha-cluster-managed', '-o', 'initial-personality=shadow', 'start']);
  assert.equal(w.server().personality, 'shadow');

  // A shadow with nothing in RAM is promoted through the unit, with auto-recovery from the env file.
  w.set({ version: 0 });
  const p = await w.run(['promote'], { env });
  assert.equal(p.code, 0, p.stdout + p.stderr);
  assert.match(fs.readFileSync(envFile, 'utf8'), /^PERSONALITY=master\nMFSMASTER_EXTRA_OPTS=-o auto-recovery$/m);
  assert.deepEqual(masterCalls(w).at(-1), ['-d', '-c', w.cfg, '-o', 'ha-cluster-managed', '-o', 'initial-personality=master', '-o', 'auto-recovery', 'start']);
  assert.equal(w.server().personality, 'master');
  assert.deepEqual(fs.readdirSync(w.dir).filter((f) => f.includes('.tmp')), [], 'no temp env file left');
});

test('audit trail: every transition is one JSON line; `history` shows them', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 6, diskVersion: 6 });
  await w.run(['notify', 'MASTER', '127.0.0.1', '9421']);
  await w.run(['notify', 'MASTER', '127.0.0.1', '9421']);
  await w.run(['notify', 'maser', '127.0.0.1', '9421']);
  const lines = fs.readFileSync(path.join(w.env.LIZARDFS_HA_STATE_DIR, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2, 'bad input is not a transition');
  assert.equal(lines[0].outcome, 'done');
  assert.equal(lines[0].observed, 'shadow disconnected, metadata version 6');
  assert.equal(lines[0].steps[0].step, 'lizardfs-admin promote-shadow 127.0.0.1 9421');
  assert.equal(lines[1].outcome, 'nothing-to-do');
  assert.equal(typeof lines[0].caller.pid, 'number');
  const h = await w.run(['history', '-n', '1', '--json']);
  assert.equal(h.code, 0);
  assert.deepEqual(JSON.parse(h.stdout), lines[1]);
  const human = await w.run(['history']);
  assert.match(human.stdout, /notify MASTER\s+-> master done/);
  assert.match(human.stdout, /ok {5}lizardfs-admin promote-shadow 127\.0\.0\.1 9421/);
});
