// The pure core: parsers, config rewrite, and planTransition, imported from the build.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseMetadataServerStatus, isHealthy } from '../dist/lizardfs/status.js';
import { withPersonality, writePersonality, parseConfigText } from '../dist/lizardfs/config.js';
import { masterArgv } from '../dist/lizardfs/commands.js';
import { planTransition } from '../dist/engine/plan.js';

test('porcelain status line', () => {
  assert.deepEqual(parseMetadataServerStatus('master\trunning\t1234\n'), { reachable: true, personality: 'master', serverStatus: 'running', metadataVersion: 1234 });
  assert.deepEqual(parseMetadataServerStatus('shadow\tdisconnected\t0\n'), { reachable: true, personality: 'shadow', serverStatus: 'disconnected', metadataVersion: 0 });
  assert.equal(parseMetadataServerStatus('<unknown>\t<unknown>\t17\n').personality, 'unknown');
});

test('human status form (exact spacing of the real tool)', () => {
  const text = '     personality: shadow\n   server status: connected\nmetadata version: 99\n';
  assert.deepEqual(parseMetadataServerStatus(text), { reachable: true, personality: 'shadow', serverStatus: 'connected', metadataVersion: 99 });
});

test('pairs that do not exist are unknown; garbage is not a status', () => {
  assert.equal(parseMetadataServerStatus('master\tconnected\t5').personality, 'unknown');
  assert.equal(parseMetadataServerStatus('shadow\trunning\t5').personality, 'unknown');
  assert.equal(parseMetadataServerStatus(''), null);
  assert.equal(parseMetadataServerStatus('master\trunning\tlots'), null);
  assert.equal(parseMetadataServerStatus('Error: something'), null);
});

test('health rule', () => {
  const up = (personality, serverStatus, metadataVersion) => ({ reachable: true, personality, serverStatus, metadataVersion });
  assert.equal(isHealthy(up('master', 'running', 0)), false, 'a master always has version >= 1; 0 means something is off');
  assert.equal(isHealthy(up('master', 'running', 1)), true);
  assert.equal(isHealthy(up('shadow', 'connected', 5)), true);
  assert.equal(isHealthy(up('shadow', 'disconnected', 5)), true);
  assert.equal(isHealthy(up('shadow', 'connected', 0)), false);
  assert.equal(isHealthy(up('unknown', 'unknown', 5)), false);
  assert.equal(isHealthy({ reachable: false, timedOut: true, reason: 'x' }), false);
});

test('withPersonality changes only the PERSONALITY value, keeps spacing, comments and CRLF', () => {
  const text = '# PERSONALITY = master\nWORKING_USER = mfs\n  PERSONALITY   =  shadow  \r\nDATA_PATH = /var/lib/mfs';
  assert.equal(withPersonality(text, 'master'), '# PERSONALITY = master\nWORKING_USER = mfs\n  PERSONALITY   =  master  \r\nDATA_PATH = /var/lib/mfs');
  assert.equal(withPersonality('A = 1', 'shadow'), 'A = 1\nPERSONALITY = shadow\n');
  assert.equal(parseConfigText('# PERSONALITY = shadow\nPERSONALITY = master').get('PERSONALITY'), 'master');
});

test('writePersonality is atomic and keeps mode; every other byte identical', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsha-unit-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mfsmaster.cfg');
  const body = 'WORKING_USER = mfs\nPERSONALITY = master\nADMIN_PASSWORD = x y\n\n# end\n';
  fs.writeFileSync(file, body, { mode: 0o600 });
  const ino = fs.statSync(file).ino;
  writePersonality(file, 'shadow');
  assert.equal(fs.readFileSync(file, 'utf8'), body.replace('PERSONALITY = master', 'PERSONALITY = shadow'));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.notEqual(fs.statSync(file).ino, ino, 'replaced by rename, not rewritten in place');
  assert.deepEqual(fs.readdirSync(dir), ['mfsmaster.cfg'], 'no temp file left');
});

test('masterArgv: -o items are separate argv items; HA mode always says so', () => {
  const ha = { masterCommand: ['mfsmaster'], configPath: '/etc/mfs/mfsmaster.cfg', mode: 'ha-cluster-managed', lockTimeoutSec: 5 };
  assert.deepEqual(masterArgv(ha, 'isalive'), ['mfsmaster', '-c', '/etc/mfs/mfsmaster.cfg', '-o', 'ha-cluster-managed', 'isalive']);
  assert.deepEqual(masterArgv(ha, 'restart', { role: 'master', autoRecovery: true }), [
    'mfsmaster', '-c', '/etc/mfs/mfsmaster.cfg', '-t', '5', '-o', 'ha-cluster-managed', '-o', 'initial-personality=master', '-o', 'auto-recovery', 'restart',
  ]);
  const classic = { ...ha, mode: 'classic' };
  assert.deepEqual(masterArgv(classic, 'reload'), ['mfsmaster', '-c', '/etc/mfs/mfsmaster.cfg', 'reload']);
  assert.ok(!masterArgv(classic, 'restart', { role: 'shadow' }).some((a) => a.includes('initial-personality')));
  assert.throws(() => masterArgv(ha, 'start'), /needs a role/);
});

// ---- planTransition ----
const opts = (over = {}) => ({
  method: 'auto',
  force: false,
  serviceManager: 'direct',
  master: { masterCommand: ['mfsmaster'], configPath: '/c.cfg', mode: 'ha-cluster-managed', lockTimeoutSec: 10 },
  admin: { adminCommand: ['lizardfs-admin'], ip: '127.0.0.1', port: 9421 },
  systemd: { unit: 'u.service', envFile: '/run/x.env', systemctl: ['systemctl'] },
  ...over,
});
const cfg = (personality = 'ha-cluster-managed') => ({
  path: '/c.cfg',
  personality,
  personalityLine: true,
  mode: personality === 'ha-cluster-managed' ? 'ha-cluster-managed' : 'classic',
  dataPath: '/d',
  adminPassword: 'pw',
});
const obs = (server, extra = {}) => ({ server, liveness: null, config: cfg(), diskVersion: null, diskVersionError: null, peers: [], ...extra });
const up = (personality, serverStatus, metadataVersion) => ({ reachable: true, personality, serverStatus, metadataVersion });
const down = { reachable: false, timedOut: false, reason: 'refused' };

test('plan: already in role -> nothing to do', () => {
  assert.equal(planTransition('master', obs(up('master', 'running', 4)), opts()).outcome, 'nothing-to-do');
  assert.equal(planTransition('shadow', obs(up('shadow', 'connected', 4)), opts()).outcome, 'nothing-to-do');
});

test('plan: never promote-shadow on metadata version 0', () => {
  const p = planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion: 50 }), opts());
  assert.equal(p.method, 'restart');
  assert.ok(!JSON.stringify(p.steps).includes('promote-shadow'));
  const admin = planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion: 50 }), opts({ method: 'admin' }));
  assert.equal(admin.outcome, 'refused');
  assert.equal(admin.refusal, 'method');
});

test('plan: never create an empty master unless forced', () => {
  for (const diskVersion of [0, 1, null]) {
    const p = planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion }), opts());
    assert.equal(p.outcome, 'refused', `disk ${diskVersion}`);
    assert.equal(p.refusal, 'empty-master');
    assert.equal(planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion }), opts({ force: true })).outcome, 'transition');
  }
  const deadEmpty = planTransition('master', obs(down, { liveness: 'dead', diskVersion: 0 }), opts());
  assert.equal(deadEmpty.refusal, 'empty-master');
});

test('plan: split-brain and behind-peer guards; unreachable peers do not block; demotion never blocked', () => {
  const peerMaster = { address: 'p:9421', status: up('master', 'running', 10) };
  const peerAhead = { address: 'p:9421', status: up('shadow', 'connected', 20) };
  const peerGone = { address: 'p:9421', status: down };
  const me = up('shadow', 'connected', 10);
  assert.equal(planTransition('master', obs(me, { peers: [peerMaster] }), opts()).refusal, 'split-brain');
  assert.equal(planTransition('master', obs(me, { peers: [peerAhead] }), opts()).refusal, 'behind-peer');
  assert.equal(planTransition('master', obs(me, { peers: [peerGone] }), opts()).outcome, 'transition');
  assert.equal(planTransition('master', obs(me, { peers: [peerMaster] }), opts({ force: true })).outcome, 'transition');
  const demote = planTransition('shadow', obs(up('master', 'running', 10), { peers: [peerMaster] }), opts());
  assert.equal(demote.outcome, 'transition');
  // Nothing in RAM on either side: the peer's disk is unknown, so a promotion from our disk is refused.
  const peerBlind = { address: 'p:9421', status: up('shadow', 'disconnected', 0) };
  const blind = planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion: 14, peers: [peerBlind] }), opts());
  assert.equal(blind.refusal, 'unknown-peer-metadata');
  assert.deepEqual(blind.steps, []);
  assert.equal(planTransition('master', obs(down, { liveness: 'dead', diskVersion: 14, peers: [peerBlind] }), opts()).refusal, 'unknown-peer-metadata');
  assert.equal(planTransition('master', obs(up('shadow', 'disconnected', 0), { diskVersion: 14, peers: [peerBlind] }), opts({ force: true })).outcome, 'transition');
  assert.equal(planTransition('master', obs(up('shadow', 'disconnected', 9), { peers: [peerBlind] }), opts()).outcome, 'transition');
  const noted = planTransition('master', obs(me, { peers: [peerAhead] }), opts());
  assert.match(noted.notes.join('\n'), /metadata version 20; ours 10/);
});

test('plan: systemd writes the env file then restarts the unit; promote-shadow also updates the env file', () => {
  const p = planTransition('shadow', obs(up('master', 'running', 3)), opts({ serviceManager: 'systemd' }));
  assert.deepEqual(p.steps.map((s) => s.kind), ['write-env-file', 'run', 'verify']);
  assert.deepEqual(p.steps[1].argv, ['systemctl', 'restart', 'u.service']);
  const q = planTransition('master', obs(up('shadow', 'connected', 3)), opts({ serviceManager: 'systemd' }));
  assert.deepEqual(q.steps.map((s) => s.kind), ['run', 'write-env-file', 'verify']);
  assert.equal(q.steps[1].role, 'master');
});

test('plan: a refused isalive means the config and the flags disagree: refuse, run nothing', () => {
  const p = planTransition('master', obs(down, { liveness: 'refused' }), opts());
  assert.equal(p.outcome, 'refused');
  assert.equal(p.refusal, 'config');
  assert.deepEqual(p.steps, []);
});
