// End to end: real keepalived 2.2.7 in network namespaces (lab/lab.sh), the
// shipped track check, the built lizardfs-ha as notify hook, fake metadata
// servers. Needs root and keepalived; skipped otherwise.
//
// One two-host lab for the whole file; the scenarios run in order and each
// starts by waiting for a settled cluster (one VRRP MASTER whose server is
// master, the other a connected shadow, no notify hook running). Final roles
// are read with `fake-lfs show`, and every scenario prints its part of the
// timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB, lab } from './lab.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const FAKE_LFS = join(root, 'test', 'fixtures', 'bin', 'fake-lfs');
const HOSTS = ['h1', 'h2'];

function skipReason() {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, keepalived)';
  if (spawnSync('keepalived', ['--version']).error) return 'keepalived is not installed (apt-get install -y keepalived)';
  if (spawnSync('ip', ['-V']).error) return 'iproute2 is not installed';
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) return 'lizardfs-ha is not built (npm run build)';
  if (!existsSync(FAKE_LFS)) return 'test fakes missing (test/fixtures/bin/fake-lfs)';
  return null;
}
const skip = skipReason();

let workdir;
let nsPrefix;
let failed = false;

const labIn = (cmd, ...args) => lab(cmd, workdir, ...args);

function show(host) {
  const r = spawnSync(FAKE_LFS, ['show', '--host', host, '9421'], {
    encoding: 'utf8',
    env: { ...process.env, FAKE_LFS_STATE: join(workdir, 'fake') },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, secs, fn) {
  const end = Date.now() + secs * 1000;
  let last;
  for (;;) {
    last = fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${secs} s waiting for ${what}\n${roles()}`);
    await sleep(250);
  }
}

function settled() {
  const r = spawnSync(LAB, ['settled', workdir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function roles() {
  return spawnSync(LAB, ['roles', workdir], { encoding: 'utf8' }).stdout;
}

/** Exactly one server is a running master, on `host`; every other one a connected shadow with its version. */
function assertRoles(host) {
  const s = Object.fromEntries(HOSTS.map((h) => [h, show(h)]));
  const detail = `${JSON.stringify(s, ['running', 'personality', 'serverStatus', 'version'], 0)}\n${roles()}`;
  const masters = HOSTS.filter((h) => s[h].running && s[h].personality === 'master');
  assert.deepEqual(masters, [host], `exactly one master, on ${host}: ${detail}`);
  assert.ok(s[host].version > 0, `the master holds metadata: ${detail}`);
  for (const h of HOSTS.filter((x) => x !== host)) {
    assert.equal(s[h].running, true, `${h} runs: ${detail}`);
    assert.equal(s[h].personality, 'shadow', `${h} is a shadow: ${detail}`);
    assert.equal(s[h].serverStatus, 'connected', `${h} follows the master: ${detail}`);
    assert.equal(s[h].version, s[host].version, `${h} is in sync: ${detail}`);
  }
  assert.equal(labIn('vrrp-state', host), 'MASTER', detail);
  assert.equal(labIn('vip'), host, `the VIP is on ${host} only: ${detail}`);
  const violations = join(workdir, 'fake', 'violations');
  assert.ok(!existsSync(violations), `overlapping mfsmaster calls on one server:\n${existsSync(violations) ? readFileSync(violations, 'utf8') : ''}`);
}

function events(since) {
  return readFileSync(join(workdir, 'timeline'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([t]) => Number(t) >= since)
    .map(([t, who, kind, ...rest]) => ({ t: Number(t), who, kind, what: rest.join(' ') }));
}

function printTimeline(t, since) {
  const text = labIn('timeline', '--since', String(since));
  console.log(`--- timeline: ${t.name}\n${text}\n${roles()}`);
}

/**
 * Runs one scenario from a settled cluster; prints the timeline whatever
 * happens. `todo`: a known gap, reported but not failing the suite (and its
 * failure does not keep the lab's files).
 */
function scenario(name, fn, { todo } = {}) {
  test(name, { skip: skip ?? false, todo: todo ?? false, timeout: 120_000 }, async (t) => {
    let master;
    try {
      master = await waitFor('a settled cluster before the scenario', 30, settled);
    } catch (e) {
      if (!todo) failed = true;
      throw e;
    }
    const since = Date.now() / 1000;
    labIn('mark', `scenario: ${name}`);
    try {
      await fn(master, since);
    } catch (e) {
      if (!todo) failed = true;
      throw e;
    } finally {
      printTimeline(t, since);
    }
  });
}

before(() => {
  if (skip) return;
  workdir = mkdtempSync(join(tmpdir(), 'lfsha-e2e-'));
  // Whatever happens, the lab goes (also on Ctrl-C).
  const emergency = () => {
    spawnSync(LAB, ['down', workdir], { stdio: 'ignore' });
    process.exit(130);
  };
  process.once('SIGINT', emergency);
  process.once('SIGTERM', emergency);
  lab('up', '2', workdir);
  nsPrefix = readFileSync(join(workdir, 'lab.env'), 'utf8').match(/^NS_PREFIX=(.*)$/m)[1];
});

after(() => {
  if (skip || !workdir) return;
  lab('down', workdir);
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith(`${nsPrefix}-`));
  const procs = spawnSync('pgrep', ['-f', workdir], { encoding: 'utf8' }).stdout.trim();
  if (failed || process.env.LFSHA_E2E_KEEP === '1') {
    console.log(`lab files kept for inspection: ${workdir} (timeline, h*/keepalived.log, h*/lizardfs-ha.log, fake/)`);
  } else {
    rmSync(workdir, { recursive: true, force: true });
  }
  assert.deepEqual(left, [], 'lab.sh down deletes every namespace');
  assert.equal(procs, '', 'lab.sh down leaves no process behind');
});

scenario('initial election: exactly one master', async (master) => {
  assertRoles(master);
  // The lab's bootstrap leaves h1 (highest priority, synced) as the only
  // eligible node.
  assert.equal(master, 'h1');
});

scenario('keepalived stopped on the master: the peer takes over, the old master becomes shadow', async (master, since) => {
  const peer = HOSTS.find((h) => h !== master);
  labIn('stop-keepalived', master);
  await waitFor(`${peer} settled as master`, 20, () => settled() === peer);
  assertRoles(peer);
  assert.equal(labIn('vrrp-state', master), 'STOPPED');
  const notify = events(since).filter((e) => e.who === master && e.kind === 'notify-start');
  assert.ok(notify.some((e) => e.what.startsWith('stop ')), 'the stopped node ran its stop hook');
  // Back for the next scenario; it must not take the VIP back (nopreempt).
  labIn('start-keepalived', master);
  await waitFor(`${master} back as BACKUP`, 15, () => labIn('vrrp-state', master) === 'BACKUP' && settled() === peer);
  assertRoles(peer);
});

scenario('track check fails (server crashed): failover', async (master, since) => {
  const peer = HOSTS.find((h) => h !== master);
  labIn('kill-server', master);
  const t0 = Date.now();
  await waitFor(`${peer} VRRP MASTER`, 15, () => labIn('vrrp-state', peer) === 'MASTER');
  const took = (Date.now() - t0) / 1000;
  // interval 1, fall 2: about 2-3 s (keepalived-facts.md: 2.43 s).
  assert.ok(took < 8, `failover took ${took} s`);
  const faulted = events(since).some((e) => e.who === master && (e.what === 'FAULT' || (e.kind === 'notify-start' && e.what.startsWith('fault '))));
  assert.ok(faulted, `${master} went FAULT`);
  await waitFor(`${peer}'s server promoted`, 20, () => show(peer).personality === 'master' && show(peer).running);
  assert.equal(show(master).personality === 'master' && show(master).running, false, 'the crashed server is not a master');
});

scenario('the failed node returns: no flap back (nopreempt)', async (master, since) => {
  // The previous scenario's casualty is back as a connected shadow (settled
  // needs that); keepalived must leave the VIP where it is.
  const other = HOSTS.find((h) => h !== master);
  await waitFor(`${other} BACKUP`, 15, () => labIn('vrrp-state', other) === 'BACKUP');
  await sleep(6000); // > 3 x advert_int + rise: time for a preemption that must not come
  assertRoles(master);
  const moves = events(since).filter((e) => e.kind === 'vrrp' && e.what === 'MASTER');
  assert.deepEqual(moves, [], 'no VRRP MASTER transition while the returned node is BACKUP');
});

scenario('rapid flaps: exactly one master at the end', async (master) => {
  // keepalived restarted on whoever is VRRP master, four times, each as soon
  // as the VIP has moved: the hooks of one flap still run when the next
  // comes (keepalived SIGTERMs the running hooks of a node it stops).
  let m = master;
  for (let i = 0; i < 4; i++) {
    labIn('stop-keepalived', m);
    labIn('start-keepalived', m);
    const r = spawnSync(LAB, ['wait-master', workdir, '15'], { encoding: 'utf8' });
    assert.equal(
      r.status,
      0,
      `after flap ${i + 1} no node became VRRP MASTER within 15 s: no node is eligible (every track check failing)\n${roles()}`,
    );
    m = r.stdout.trim();
  }
  const final = await waitFor('a settled cluster after the flaps', 40, settled);
  assertRoles(final);
  assert.deepEqual(
    HOSTS.filter((h) => labIn('vrrp-state', h) === 'MASTER'),
    [final],
    'one VRRP MASTER',
  );
});

scenario(
  'keepalived killed on the master (SIGKILL), then restarted: one master at the end',
  async (master) => {
    // The dead keepalived sends no priority 0 and leaves its VIP; the peer
    // becomes VRRP MASTER while the old server is still a running master, so
    // its promotion waits (split-brain guard). When keepalived comes back on
    // the old node it is BACKUP and its server is demoted; the waiting
    // promotion on the peer then goes ahead.
    const peer = HOSTS.find((h) => h !== master);
    labIn('kill-keepalived', master);
    await waitFor(`${peer} VRRP MASTER`, 15, () => labIn('vrrp-state', peer) === 'MASTER');
    await sleep(3000);
    labIn('start-keepalived', master);
    const final = await waitFor('a settled cluster after keepalived came back', 30, settled);
    assertRoles(final);
  },
);
