// src/keepalived/render.ts (built to dist/): the keepalived.conf renderer.
// Rendered configs must pass `keepalived -t` (root + keepalived installed;
// run inside a throw-away namespace holding the interfaces they name) and
// say the same as the shipped, hand-written configs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseKeepalivedConf,
  findAll,
  findOne,
  value,
  keepalivedTestSkipReason,
  makeConfigTestBed,
} from '../lab/lib/keepalived-tools.mjs';
import {
  renderKeepalivedConfig,
  validateKeepalivedOptions,
  KeepalivedOptionsError,
  KEEPALIVED_CHECK_DEFAULTS,
} from '../dist/keepalived/render.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const base = Object.freeze({
  nodeName: 'mfs-master1',
  nodeAddress: '10.0.0.11',
  peers: Object.freeze(['10.0.0.12']),
  vip: '10.0.0.9',
  vipPrefix: 24,
  interface: 'eth0',
  priority: 100,
  virtualRouterId: 94,
  advertInt: 1,
  instanceName: 'VI_LIZARDFS',
  lizardfsHaPath: '/usr/sbin/lizardfs-ha',
  checkScriptPath: '/usr/sbin/lizardfs-ha-check',
  adminIp: '127.0.0.1',
  adminPort: 9421,
});

const variants = {
  'unicast pair': { ...base },
  'multicast pair': { ...base, peers: [] },
  'three-node unicast': { ...base, peers: ['10.0.0.12', '10.0.0.13'], priority: 80 },
  'fast (advert_int 0.5, fall 1)': { ...base, advertInt: 0.5, check: { fall: 1 } },
  'notify fifo': { ...base, fifo: { path: '/run/keepalived.fifo' } },
  'notify fifo with the reader watching the server (track_file)': {
    ...base,
    advertInt: 0.5,
    check: { fall: 1 },
    fifo: { path: '/run/keepalived.fifo' },
    trackFile: { path: '/run/lizardfs-ha/server.track' },
  },
  'notify fifo, lab admin address': {
    ...base,
    adminIp: '10.213.0.11',
    adminPort: 19421,
    fifo: { path: '/run/keepalived.fifo' },
  },
  'explicit VRRPv2, other interface, slow check': {
    ...base,
    vrrpVersion: 2,
    interface: 'bond0.100',
    advertInt: 2,
    check: { interval: 2, timeout: 2, fall: 3, rise: 1 },
  },
  'VRRPv3 with whole seconds, no router_id': { ...base, vrrpVersion: 3, nodeName: undefined },
};

function semantic(tree) {
  // Statement tree without comments or line numbers.
  const strip = (n) => ({ key: n.key, args: n.args, children: n.children.map(strip) });
  return strip(tree);
}

for (const [name, opts] of Object.entries(variants)) {
  test(`render ${name}: the contract`, () => {
    assert.deepEqual(validateKeepalivedOptions(opts), []);
    const text = renderKeepalivedConfig(opts);
    assert.equal(renderKeepalivedConfig(opts), text, 'deterministic');
    const tree = parseKeepalivedConf(text);
    const g = findOne(tree, 'global_defs');
    assert.equal(findAll(g, 'enable_script_security').length, 1);
    assert.equal(value(g, 'script_user'), 'root');
    assert.equal(value(g, 'router_id'), opts.nodeName);
    const chk = findOne(tree, 'vrrp_script');
    const c = { ...KEEPALIVED_CHECK_DEFAULTS, ...(opts.check ?? {}) };
    assert.equal(value(chk, 'script'), `${opts.checkScriptPath} ${opts.adminIp} ${opts.adminPort}`);
    for (const k of ['interval', 'timeout', 'fall', 'rise']) assert.equal(value(chk, k), String(c[k]), k);
    assert.equal(value(chk, 'weight'), '0');
    const inst = findOne(tree, 'vrrp_instance');
    assert.deepEqual(inst.args, [opts.instanceName]);
    assert.equal(value(inst, 'state'), 'BACKUP');
    assert.equal(findAll(inst, 'nopreempt').length, 1);
    assert.match(findOne(inst, 'state').comment, /nopreempt/);
    assert.equal(value(inst, 'interface'), opts.interface);
    assert.equal(value(inst, 'priority'), String(opts.priority));
    assert.equal(value(inst, 'virtual_router_id'), String(opts.virtualRouterId));
    assert.equal(Number(value(inst, 'advert_int')), opts.advertInt);
    const wantVersion = opts.vrrpVersion ?? (Number.isInteger(opts.advertInt) ? undefined : 3);
    assert.equal(value(g, 'vrrp_version'), wantVersion === undefined ? undefined : String(wantVersion));
    assert.deepEqual(
      findOne(inst, 'virtual_ipaddress').children.map((n) => [n.key, ...n.args].join(' ')),
      [`${opts.vip}/${opts.vipPrefix} dev ${opts.interface}`],
    );
    if (opts.peers.length) {
      assert.equal(value(inst, 'unicast_src_ip'), opts.nodeAddress);
      assert.deepEqual(findOne(inst, 'unicast_peer').children.map((n) => n.key), [...opts.peers]);
    } else {
      assert.equal(findAll(inst, 'unicast_src_ip').length, 0);
      assert.equal(findAll(inst, 'unicast_peer').length, 0);
    }
    assert.deepEqual(findOne(inst, 'track_script').children.map((n) => n.key), [chk.args[0]]);
    const admin = `${opts.adminIp} ${opts.adminPort}`;
    if (opts.fifo) {
      assert.equal(value(g, 'vrrp_notify_fifo'), opts.fifo.path);
      const defaultAdmin = admin === '127.0.0.1 9421';
      assert.equal(
        value(g, 'vrrp_notify_fifo_script'),
        `${opts.lizardfsHaPath} fifo${defaultAdmin ? '' : ` --ip ${opts.adminIp} --port ${opts.adminPort}`}${opts.trackFile ? ` --track-file ${opts.trackFile.path}` : ''}`,
      );
      if (opts.trackFile) {
        const tf = findOne(tree, 'track_file');
        assert.equal(value(tf, 'file'), opts.trackFile.path);
        assert.equal(value(tf, 'weight'), '0', 'weight 0: non-zero means FAULT');
        assert.deepEqual(findOne(inst, 'track_file').children.map((n) => n.key), [tf.args[0]]);
      }
      for (const s of ['master', 'backup', 'fault', 'stop']) assert.equal(findAll(inst, `notify_${s}`).length, 0);
    } else {
      for (const s of ['master', 'backup', 'fault', 'stop']) {
        assert.equal(value(inst, `notify_${s}`), `${opts.lizardfsHaPath} notify ${s} ${admin}`);
      }
    }
  });
}

test('rendered configs say what the shipped ones say', async () => {
  const cases = [
    ['two-node/mfs-master1.conf', { ...base, peers: [] }],
    ['two-node/mfs-master2.conf', { ...base, peers: [], nodeName: 'mfs-master2', priority: 90 }],
    ['three-node/mfs-master3.conf', { ...base, peers: [], nodeName: 'mfs-master3', priority: 80 }],
    ['unicast/mfs-master1.conf', { ...base }],
    [
      'unicast/mfs-master2.conf',
      { ...base, nodeName: 'mfs-master2', priority: 90, nodeAddress: '10.0.0.12', peers: ['10.0.0.11'] },
    ],
    ['notify-fifo/mfs-master1.conf', { ...base, peers: [], fifo: { path: '/run/keepalived.fifo' } }],
  ];
  for (const [file, opts] of cases) {
    const shipped = parseKeepalivedConf(await readFile(join(root, 'keepalived', file), 'utf8'));
    const rendered = parseKeepalivedConf(renderKeepalivedConfig(opts));
    assert.deepEqual(semantic(rendered), semantic(shipped), file);
  }
  // fast/ differs only by the /usr/bin/env prefix that shortens the check's
  // own admin timeout; the renderer leaves that to LIZARDFS_HA_CHECK_TIMEOUT.
  const fast = parseKeepalivedConf(await readFile(join(root, 'keepalived', 'fast', 'mfs-master1.conf'), 'utf8'));
  const chk = findOne(fast, 'vrrp_script');
  const script = findOne(chk, 'script');
  script.args = [script.args[0].replace(/^\/usr\/bin\/env \S+ /, '')];
  const rendered = parseKeepalivedConf(renderKeepalivedConfig({ ...base, peers: [], advertInt: 0.5, priority: 250, check: { fall: 1 } }));
  assert.deepEqual(semantic(rendered), semantic(fast), 'fast/mfs-master1.conf');
});

test('the renderer is pure: no imports but types, input untouched', async () => {
  const src = await readFile(join(root, 'src', 'keepalived', 'render.ts'), 'utf8');
  for (const line of src.split('\n').filter((l) => /^\s*(import|export .* from)\b/.test(l))) {
    assert.match(line, /^\s*import type\b/, `only type imports allowed: ${line}`);
  }
  assert.doesNotMatch(src, /\b(process|require|globalThis|Date|Math\.random)\b/);
  const opts = structuredClone({ ...base, peers: ['10.0.0.12', '10.0.0.13'], check: { fall: 3 } });
  const before = JSON.stringify(opts);
  renderKeepalivedConfig(opts);
  assert.equal(JSON.stringify(opts), before);
});

const invalid = [
  ['nodeAddress', { nodeAddress: '10.0.0' }],
  ['nodeAddress', { nodeAddress: '10.0.0.011' }],
  ['vip', { vip: '300.0.0.1' }],
  ['vip', { vip: '10.0.0.11' }], // the node's own address
  ['vipPrefix', { vipPrefix: 33 }],
  ['vipPrefix', { vipPrefix: 24.5 }],
  ['peers', { peers: '10.0.0.12' }],
  ['peers.0', { peers: ['10.0.0.11'] }], // itself
  ['peers.1', { peers: ['10.0.0.12', '10.0.0.12'] }],
  ['peers.0', { peers: ['10.0.0.9'] }], // the VIP
  ['peers.1', { peers: ['10.0.0.12', 'host2'] }],
  ['interface', { interface: 'eth0 ' }],
  ['interface', { interface: 'a-very-long-interface-name' }],
  ['priority', { priority: 255 }],
  ['priority', { priority: 0 }],
  ['virtualRouterId', { virtualRouterId: 256 }],
  ['virtualRouterId', { virtualRouterId: '94' }],
  ['advertInt', { advertInt: 0 }],
  ['advertInt', { advertInt: 0.005 }],
  ['advertInt', { advertInt: 0.5, vrrpVersion: 2 }],
  ['advertInt', { advertInt: 256 }],
  ['advertInt', { advertInt: 41 , vrrpVersion: 3 }],
  ['advertInt', { advertInt: Number.NaN }],
  ['vrrpVersion', { vrrpVersion: 4 }],
  ['instanceName', { instanceName: 'VI 1' }],
  ['instanceName', { instanceName: '' }],
  ['nodeName', { nodeName: 'node"1' }],
  ['lizardfsHaPath', { lizardfsHaPath: 'lizardfs-ha' }],
  ['lizardfsHaPath', { lizardfsHaPath: '/opt/my tools/lizardfs-ha' }],
  ['checkScriptPath', { checkScriptPath: '/usr/sbin/check"; rm -rf /' }],
  ['checkScriptPath', { checkScriptPath: '/usr/../tmp/x' }],
  ['adminIp', { adminIp: 'localhost' }],
  ['adminPort', { adminPort: 70000 }],
  ['fifo.path', { fifo: { path: 'relative.fifo' } }],
  ['fifo', { fifo: 'yes' }],
  ['trackFile', { trackFile: { path: '/run/t' } }],
  ['trackFile.path', { fifo: { path: '/run/k.fifo' }, trackFile: { path: 'rel/t' } }],
  ['check.fall', { check: { fall: 0 } }],
  ['check.interval', { check: { interval: 0.5 } }],
  ['check', { check: 1 }],
];

for (const [field, patch] of invalid) {
  test(`validate: ${field} ${JSON.stringify(patch)} is refused`, () => {
    const opts = { ...base, ...patch };
    const problems = validateKeepalivedOptions(opts);
    assert.ok(problems.length >= 1, 'a problem is reported');
    const p = problems.find((x) => x.field === field);
    assert.ok(p, `problem on ${field}: ${JSON.stringify(problems)}`);
    assert.equal(typeof p.expected, 'string');
    assert.ok(p.expected.length > 3);
    assert.throws(
      () => renderKeepalivedConfig(opts),
      (e) => e instanceof KeepalivedOptionsError && e.problems.some((x) => x.field === field) && e.message.includes(field),
    );
  });
}

test('validate reports every problem at once', () => {
  const problems = validateKeepalivedOptions({ ...base, vip: 'x', priority: 0, adminPort: 0 });
  assert.deepEqual(problems.map((p) => p.field).sort(), ['adminPort', 'priority', 'vip']);
  assert.deepEqual(validateKeepalivedOptions({}).map((p) => p.field).sort(), [
    'adminIp',
    'adminPort',
    'advertInt',
    'checkScriptPath',
    'instanceName',
    'interface',
    'lizardfsHaPath',
    'nodeAddress',
    'peers',
    'priority',
    'vip',
    'vipPrefix',
    'virtualRouterId',
  ]);
});

const skip = keepalivedTestSkipReason();
let bed;
before(async () => {
  if (!skip) {
    bed = await makeConfigTestBed({
      name: 'rndt',
      interfaces: ['eth0', 'bond0.100'],
      checkScript: join(root, 'keepalived', 'lizardfs-ha-check'),
    });
  }
});
after(async () => {
  await bed?.cleanup();
});

for (const [name, opts] of Object.entries(variants)) {
  test(`keepalived -t accepts the rendered ${name}`, { skip: skip ?? false }, async () => {
    // checkScriptPath is the one thing -t needs to exist (and be secure): point
    // it at the test bed's root-owned copy of keepalived/lizardfs-ha-check.
    const conf = join(bed.dir, `${name.replace(/\W+/g, '_')}.conf`);
    await writeFile(conf, renderKeepalivedConfig({ ...opts, checkScriptPath: bed.check }));
    const r = bed.keepalivedTest(conf);
    assert.equal(r.code, 0, `keepalived -t failed:\n${r.stderr}${r.stdout}`);
    assert.equal(r.stderr + r.stdout, '', 'keepalived -t printed warnings');
  });
}

test('keepalived -t accepts what `lizardfs-ha keepalived-config` prints', { skip: skip ?? false }, async () => {
  const { spawnSync } = await import('node:child_process');
  const cli = join(root, 'bin', 'lizardfs-ha.js');
  const args = ['keepalived-config', '--node-address', '10.0.0.1', '--unicast-peer', '10.0.0.2', '--vip', '10.0.0.9/24', '--priority', '150', '--advert-int', '0.5', '--check-script', bed.check];
  for (const extra of [[], ['--fifo', '/run/keepalived/lizardfs-ha.fifo'], ['--fifo', '/run/keepalived/lizardfs-ha.fifo', '--track-file', '/run/lizardfs-ha/server.track']]) {
    const out = spawnSync(process.execPath, [cli, ...args, ...extra], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const conf = join(bed.dir, `cli${extra.length}.conf`);
    await writeFile(conf, out.stdout);
    const r = bed.keepalivedTest(conf);
    assert.equal(r.code, 0, `keepalived -t failed:\n${r.stderr}${r.stdout}`);
  }
});
