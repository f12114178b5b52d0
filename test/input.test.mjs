// Bad input: one clear line naming the field, exit 2, and NOTHING run (the fakes record every call).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeWorld } from './helpers.mjs';

const BAD = [
  [['notify', 'primary', '127.0.0.1', '9421'], /invalid state "primary": expected one of master, backup, fault, stop \(any case\)/],
  [['notify', 'master', '127.0.0.1', '0'], /invalid port "0": expected a port number from 1 to 65535/],
  [['notify', 'master', '127.0.0.1', '65536'], /invalid port "65536"/],
  [['notify', 'master', '127.0.0.1', '94x1'], /invalid port "94x1": expected a port number: decimal digits only/],
  [['notify', 'master', '127.0.0.1', '-1'], /unknown option '-1'|invalid port/],
  [['notify', 'master', '127.0.0.1', '+9421'], /invalid port "\+9421"/],
  [['notify', 'master', '999.1.1.1', '9421'], /invalid ip "999\.1\.1\.1": expected an IPv4 or IPv6 address or an RFC 1123 hostname/],
  [['notify', 'master', 'host_name', '9421'], /invalid ip "host_name"/],
  [['notify', 'master', '-bad-.example', '9421'], /unknown option|invalid ip/],
  [['notify', 'master', 'a'.repeat(64) + '.example', '9421'], /invalid ip/],
  [['notify', 'master', '127.0.0.1; rm -rf /', '9421'], /invalid ip/],
  [['notify', 'master', '127.0.0.1'], /invalid notify arguments: expected <state> <ip> <port> \(got 2 words/],
  [['notify', 'master', '127.0.0.1', '9421', 'extra'], /got 4 words/],
  [['notify'], /missing required argument 'words'/],
  [['notify', 'master', '127.0.0.1', '9421', '--bogus'], /unknown option '--bogus'/],
  [['notify', 'master', '127.0.0.1', '9421', '--timeout', 'abc'], /invalid --timeout "abc": expected a number of seconds/],
  [['notify', 'master', '127.0.0.1', '9421', '--timeout', '0'], /invalid --timeout "0": expected seconds greater than 0/],
  [['notify', 'master', '127.0.0.1', '9421', '--deadline', '-5'], /invalid --deadline|argument missing|option '--deadline <seconds>' argument missing/],
  [['notify', 'master', '127.0.0.1', '9421', '--method', 'fast'], /invalid --method "fast": expected one of auto, admin, restart/],
  [['notify', 'master', '127.0.0.1', '9421', '--peer', 'nohost'], /invalid --peer "nohost": expected HOST:PORT/],
  [['notify', 'master', '127.0.0.1', '9421', '--flavor', 'moosefs'], /invalid --flavor "moosefs": expected one of lizardfs, saunafs/],
  [['notify', 'master', '127.0.0.1', '9421', '--master-bin', 'mfsmaster -o x'], /invalid --master-bin/],
  [['notify', 'INSTANCE', 'VI_1', 'PROMOTED', '100'], /invalid state "PROMOTED"/],
  [['notify', 'INSTANCE', 'VI_1', 'MASTER', '100', '--port', 'http'], /invalid --port "http"/],
  [['promote', '127.0.0.1', 'abc'], /invalid port "abc"/],
  [['promote', '127.0.0.1', '9421', 'x'], /too many arguments/],
  [['status', '::1::2'], /invalid ip "::1::2"/],
  [['frobnicate'], /unknown command 'frobnicate'/],
];

for (const [args, message] of BAD) {
  test(`bad input is refused before anything runs: ${args.join(' ')}`, async (t) => {
    const w = makeWorld(t);
    w.serve({ personality: 'shadow', version: 5, diskVersion: 5 });
    const r = await w.run(args);
    assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^lizardfs-ha: /);
    assert.equal(r.stdout, '');
    assert.deepEqual(w.calls(), [], 'no external command ran');
    assert.equal(w.server().personality, 'shadow');
  });
}

test('bad values from the environment name the variable', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['notify', 'master', '127.0.0.1', '9421'], { env: { LIZARDFS_HA_TIMEOUT: 'soon' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid LIZARDFS_HA_TIMEOUT \(from the environment\) "soon"/);
  assert.deepEqual(w.calls(), []);
});

test('a flag wins over its environment variable', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 5, diskVersion: 5 });
  const r = await w.run(['notify', 'master', '127.0.0.1', '9421', '--method', 'restart', '--dry-run', '--json'], { env: { LIZARDFS_HA_METHOD: 'admin' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.plan.method, 'restart');
});

test('a bad notify line is also reported to syslog (keepalived discards stderr)', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['notify', 'maser', '127.0.0.1', '9421']);
  assert.equal(r.code, 2);
  assert.match(w.syslog(), /<27>notify: bad input, nothing done: invalid state "maser"/);
});

test('IPv6 literals and hostnames are accepted', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 5, diskVersion: 5 });
  for (const ip of ['::1', 'mfs-master1.example.com', 'localhost']) {
    const r = await w.run(['notify', 'MASTER', ip, '9421']);
    assert.equal(r.code, 0, `${ip}: ${r.stderr}${r.stdout}`);
  }
});

test('--help documents every exit code', async (t) => {
  const w = makeWorld(t);
  const r = await w.run(['notify', '--help']);
  assert.equal(r.code, 0);
  for (const code of ['0  done', '1  the transition failed', '2  bad input', '3  refused by a safety guard', '4  superseded']) {
    assert.ok(r.stdout.includes(code), `help mentions "${code}"`);
  }
  assert.deepEqual(w.calls(), []);
});

test('/etc/default/lizardfs-ha: settings for every run; the environment and flags win; bad values name the file', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 5, diskVersion: 5 });
  const fs = await import('node:fs');
  const file = w.env.LIZARDFS_HA_DEFAULTS;
  fs.writeFileSync(file, '# lizardfs-ha defaults\nLIZARDFS_HA_METHOD=restart\nexport LIZARDFS_HA_PEERS="127.0.0.9:9421"\nOTHER=ignored\n', { mode: 0o644 });
  let r = await w.run(['promote', '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.plan.method, 'restart');
  assert.equal(r.json.observed.peers[0].address, '127.0.0.9:9421');
  r = await w.run(['promote', '--dry-run', '--json'], { env: { LIZARDFS_HA_METHOD: 'auto' } });
  assert.equal(r.json.plan.method, 'admin', 'the environment wins over the file');
  r = await w.run(['promote', '--dry-run', '--json', '--method', 'auto']);
  assert.equal(r.json.plan.method, 'admin', 'the flag wins over the file');
  fs.writeFileSync(file, 'LIZARDFS_HA_TIMEOUT=soon\n');
  r = await w.run(['promote']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`invalid LIZARDFS_HA_TIMEOUT \\(from ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) "soon"`));
  assert.deepEqual(w.mutatingCalls(), []);
});

test('a defaults file others can write is refused (it configures a root hook)', async (t) => {
  const w = makeWorld(t);
  const fs = await import('node:fs');
  fs.writeFileSync(w.env.LIZARDFS_HA_DEFAULTS, 'LIZARDFS_HA_METHOD=restart\n');
  fs.chmodSync(w.env.LIZARDFS_HA_DEFAULTS, 0o666);
  const r = await w.run(['notify', 'master', '127.0.0.1', '9421']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /refusing .*default-lizardfs-ha: it must be owned by root and not writable by others/);
  assert.deepEqual(w.calls(), []);
});
