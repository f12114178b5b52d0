// Operator surfaces: node_exporter metrics, status --watch, keepalived-config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeWorld } from './helpers.mjs';

/** Minimal Prometheus text-format parser: {name{labels}: value}, and TYPE lines. */
function parseProm(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.trim().split('\n')) {
    const t = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+)$/.exec(line);
    assert.ok(m, `valid sample line: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return { samples, types };
}

test('--metrics-file: a node_exporter textfile after every transition and check; counters accumulate', async (t) => {
  const w = makeWorld(t);
  const file = path.join(w.dir, 'lizardfs_ha.prom');
  w.serve({ personality: 'shadow', version: 21, diskVersion: 21 });
  assert.equal((await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--metrics-file', file])).code, 0);
  assert.equal((await w.run(['notify', 'MASTER', '127.0.0.1', '9421'], { env: { LIZARDFS_HA_METRICS_FILE: file } })).code, 0);
  w.set({ version: 0 });
  w.set({ diskVersion: 0 });
  w.fake('crash', '9421');
  assert.equal((await w.run(['notify', 'MASTER', '127.0.0.1', '9421', '--metrics-file', file])).code, 3);
  let { samples, types } = parseProm(fs.readFileSync(file, 'utf8'));
  assert.equal(types.get('lizardfs_ha_transitions_total'), 'counter');
  assert.equal(samples.get('lizardfs_ha_transitions_total{result="done"}'), 1);
  assert.equal(samples.get('lizardfs_ha_transitions_total{result="nothing-to-do"}'), 1);
  assert.equal(samples.get('lizardfs_ha_transitions_total{result="refused"}'), 1);
  assert.equal(samples.get('lizardfs_ha_transitions_total{result="failed"}'), 0);
  assert.equal(samples.get('lizardfs_ha_last_transition_success'), 0);
  assert.equal(samples.get('lizardfs_ha_last_transition_result{result="refused"}'), 1);
  assert.equal(samples.get('lizardfs_ha_role{role="unknown"}'), 1, 'the server is down');
  assert.ok(samples.get('lizardfs_ha_last_transition_duration_seconds') > 0);
  assert.ok(Math.abs(samples.get('lizardfs_ha_last_transition_timestamp_seconds') - Date.now() / 1000) < 60);

  w.serve({ personality: 'master', version: 30 });
  assert.equal((await w.run(['check', '--metrics-file', file])).code, 0);
  ({ samples } = parseProm(fs.readFileSync(file, 'utf8')));
  assert.equal(samples.get('lizardfs_ha_check_healthy'), 1);
  assert.equal(samples.get('lizardfs_ha_role{role="master"}'), 1);
  assert.equal(samples.get('lizardfs_ha_metadata_version'), 30);
  assert.equal(samples.get('lizardfs_ha_transitions_total{result="done"}'), 1, 'a check keeps the counters');
  assert.deepEqual(fs.readdirSync(w.dir).filter((f) => f.endsWith('.tmp')), []);
});

test('status --watch: plain lines when not a TTY, local + peers + VIP + last transition', async (t) => {
  const w = makeWorld(t);
  fs.mkdirSync(path.join(w.env.FAKE_LFS_STATE, 'addr'), { recursive: true });
  fs.writeFileSync(path.join(w.env.FAKE_LFS_STATE, 'addr', '127.0.0.2'), 'peer');
  w.set({ cfg: w.cfg, running: true, personality: 'shadow', version: 5, diskVersion: 5 }, { host: 'peer' });
  w.serve({ personality: 'master', version: 5, diskVersion: 5 });
  await w.run(['notify', 'MASTER', '127.0.0.1', '9421']);
  const r = await w.run(['status', '--watch', '--count', '2', '--peer', '127.0.0.2:9421', '--vip', '127.0.0.1']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\d\d:\d\d:\d\d local=master running v5 127\.0\.0\.2:9421=shadow connected v5 vip=held-here last=MASTER:nothing-to-do$/);
  assert.ok(r.ms > 900, 'refreshed about once a second');
});

test('keepalived-config renders a node config; bad flags are refused naming the flag', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['keepalived-config', '--node-address', '10.0.0.1', '--unicast-peer', '10.0.0.2', '--vip', '10.0.0.9/24', '--priority', '150', '--advert-int', '0.5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /unicast_src_ip 10\.0\.0\.1/);
  assert.match(r.stdout, /vrrp_version 3/);
  assert.match(r.stdout, /notify_master "\/usr\/sbin\/lizardfs-ha notify master 127\.0\.0\.1 9421"/);
  for (const [args, msg] of [
    [['--vip', '10.0.0.9'], /invalid --vip "10\.0\.0\.9": expected IPv4\/PREFIX/],
    [['--vip', '10.0.0.9/24', '--priority', '300'], /invalid --priority "300": expected 1 to 254/],
    [['--vip', '10.0.0.9/24', '--unicast-peer', 'nope'], /invalid --unicast-peer "nope"/],
  ]) {
    const bad = await w.run(['keepalived-config', '--node-address', '10.0.0.1', ...args]);
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, msg);
  }
});
