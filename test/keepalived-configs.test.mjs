// The shipped keepalived configs (keepalived/**/*.conf): what they must say,
// and that keepalived 2.2.7 itself accepts them (`keepalived -t`).
//
// What `keepalived -t -f CONF` checks (found by trying, keepalived 2.2.7):
//  - every interface named must exist, else exit 5 ("Non-existent interface
//    specified in configuration"). The configs name eth0, so -t runs inside a
//    throw-away network namespace holding an eth0 (a veth): no substitution,
//    and it does not depend on the test machine's interfaces.
//  - a vrrp_script's program must exist and be secure (root-owned, no
//    component of its path writable by non-root, sticky /tmp allowed), else
//    exit 5 ("Disabling track script ... since not found/accessible" or "due
//    to insecure"). /usr/sbin/lizardfs-ha-check is not installed on a test
//    machine, so THIS IS THE ONE SUBSTITUTION: its path is replaced by a
//    root-owned 0755 copy of keepalived/lizardfs-ha-check in a private temp
//    dir. The negative tests below show -t really fails without it.
//  - notify_* scripts and vrrp_notify_fifo_script are NOT checked by -t (a
//    missing /usr/sbin/lizardfs-ha passes); keepalived checks them only
//    when it starts. Their paths are left alone, and the static checks below
//    make sure they are absolute and what lizardfs-ha expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseKeepalivedConf,
  findAll,
  findOne,
  value,
  keepalivedTestSkipReason,
  makeConfigTestBed,
} from '../lab/lib/keepalived-tools.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const kdir = join(root, 'keepalived');
const CHECK_PATH = '/usr/sbin/lizardfs-ha-check';
const HA_PATH = '/usr/sbin/lizardfs-ha';

async function listConfs(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listConfs(p)));
    else if (e.name.endsWith('.conf')) out.push(p);
  }
  return out.sort();
}

const confs = await listConfs(kdir);
const variants = new Map(); // dir -> [{ path, tree, text }]
for (const path of confs) {
  const text = await readFile(path, 'utf8');
  const v = relative(kdir, dirname(path));
  if (!variants.has(v)) variants.set(v, []);
  variants.get(v).push({ path, text, tree: parseKeepalivedConf(text) });
}

test('shipped variants are all there', () => {
  assert.deepEqual([...variants.keys()].sort(), ['fast', 'notify-fifo', 'three-node', 'two-node', 'unicast']);
  assert.equal(variants.get('two-node').length, 2);
  assert.equal(variants.get('three-node').length, 3);
  assert.ok(existsSync(join(kdir, 'mfsmaster.cfg.snippet')));
  assert.ok(existsSync(join(kdir, 'README.md')));
});

for (const [variant, nodes] of variants) {
  for (const { path, tree } of nodes) {
    const name = relative(root, path);
    test(`${name}: script security, track check, BACKUP + nopreempt, notify hooks`, () => {
      const g = findOne(tree, 'global_defs');
      assert.ok(findAll(g, 'enable_script_security').length === 1, 'enable_script_security');
      assert.equal(value(g, 'script_user'), 'root');

      const chk = findOne(tree, 'vrrp_script');
      const script = value(chk, 'script');
      assert.match(script, new RegExp(`(^|/usr/bin/env \\S+ )${CHECK_PATH} 127\\.0\\.0\\.1 9421$`));
      const want = variant === 'fast' ? { fall: '1' } : { fall: '2' };
      assert.equal(value(chk, 'interval'), '1');
      assert.equal(value(chk, 'timeout'), '1');
      assert.equal(value(chk, 'fall'), want.fall);
      assert.equal(value(chk, 'rise'), '2');
      assert.equal(value(chk, 'weight'), '0', 'weight 0: a failing check means FAULT');

      const inst = findOne(tree, 'vrrp_instance');
      const state = findOne(inst, 'state');
      assert.deepEqual(state.args, ['BACKUP']);
      assert.ok(findAll(inst, 'nopreempt').length === 1, 'nopreempt');
      assert.match(state.comment, /nopreempt/i, 'the reason for BACKUP + nopreempt is written next to it');
      assert.ok(state.comment.length > 80, 'the reason is an explanation, not a label');
      assert.deepEqual(findOne(inst, 'track_script').children.map((c) => c.key), [chk.args[0]]);
      assert.deepEqual(findOne(inst, 'virtual_ipaddress').children.map((c) => [c.key, ...c.args].join(' ')), ['10.0.0.9/24 dev eth0']);
      assert.equal(value(inst, 'interface'), 'eth0');

      const hooks = ['master', 'backup', 'fault', 'stop'];
      if (variant === 'notify-fifo') {
        assert.equal(value(g, 'vrrp_notify_fifo_script'), `${HA_PATH} fifo`);
        assert.match(value(g, 'vrrp_notify_fifo') ?? '', /^\/run\//);
        for (const h of [...hooks, 'notify']) {
          assert.equal(findAll(inst, h === 'notify' ? h : `notify_${h}`).length, 0, `no ${h} hook next to the FIFO`);
        }
      } else {
        for (const h of hooks) assert.equal(value(inst, `notify_${h}`), `${HA_PATH} notify ${h} 127.0.0.1 9421`);
        assert.equal(findAll(inst, 'notify').length, 0);
      }
      if (variant === 'fast') {
        assert.equal(value(g, 'vrrp_version'), '3', 'advert_int below 1 s needs VRRPv3');
        assert.equal(value(inst, 'advert_int'), '0.5');
        // Skew_Time after the master's priority-0 advert: (256 - priority) / 256 x advert_int.
        assert.ok(Number(value(inst, 'priority')) >= 240, 'high priorities: the backup takes over within ~0.03 s');
      } else {
        assert.equal(value(inst, 'advert_int'), '1');
      }
    });
  }

  test(`${variant}: the nodes form one group`, () => {
    const insts = nodes.map((n) => findOne(n.tree, 'vrrp_instance'));
    const ids = new Set(insts.map((i) => value(i, 'virtual_router_id')));
    assert.equal(ids.size, 1, 'same virtual_router_id on every node');
    const prios = insts.map((i) => Number(value(i, 'priority')));
    assert.equal(new Set(prios).size, prios.length, 'distinct priorities: a deterministic first election');
    const routerIds = nodes.map((n) => value(findOne(n.tree, 'global_defs'), 'router_id'));
    assert.equal(new Set(routerIds).size, routerIds.length);
    // Apart from node identity the files must not drift apart.
    const strip = (t) =>
      t
        .replace(/mfs-master\d/g, 'mfs-masterN')
        .replace(/priority \d+/g, 'priority P')
        .replace(/10\.0\.0\.1\d/g, '10.0.0.1X');
    assert.equal(new Set(nodes.map((n) => strip(n.text))).size, 1, 'files differ only in node identity');
    if (variant === 'unicast') {
      const src = insts.map((i) => value(i, 'unicast_src_ip'));
      insts.forEach((inst, k) => {
        const peers = findOne(inst, 'unicast_peer').children.map((c) => c.key).sort();
        assert.deepEqual(peers, src.filter((_, j) => j !== k).sort(), 'every other node, and only those');
      });
    }
  });
}

const skip = keepalivedTestSkipReason();
let bed;
before(async () => {
  if (!skip) bed = await makeConfigTestBed({ name: 'cfgt', checkScript: join(kdir, 'lizardfs-ha-check') });
});
after(async () => {
  await bed?.cleanup();
});

for (const path of confs) {
  const name = relative(root, path);
  test(`keepalived -t ${name}`, { skip: skip ?? false }, async () => {
    const text = await readFile(path, 'utf8');
    assert.ok(text.includes(CHECK_PATH));
    const conf = join(bed.dir, name.replace(/\//g, '_'));
    await writeFile(conf, text.split(CHECK_PATH).join(bed.check));
    const r = bed.keepalivedTest(conf);
    assert.equal(r.code, 0, `keepalived -t failed:\n${r.stderr}${r.stdout}`);
    assert.equal(r.stderr + r.stdout, '', 'keepalived -t printed warnings');
  });
}

test('keepalived -t fails when the track script is missing or insecure', { skip: skip ?? false }, async () => {
  const text = await readFile(join(kdir, 'two-node', 'mfs-master1.conf'), 'utf8');
  const missing = join(bed.dir, 'missing.conf');
  await writeFile(missing, text.split(CHECK_PATH).join(join(bed.dir, 'no-such-check')));
  let r = bed.keepalivedTest(missing);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not found\/accessible/);

  const insecure = join(bed.dir, 'insecure-check');
  await writeFile(insecure, await readFile(bed.check));
  await chmod(insecure, 0o777);
  const conf = join(bed.dir, 'insecure.conf');
  await writeFile(conf, text.split(CHECK_PATH).join(insecure));
  r = bed.keepalivedTest(conf);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /insecure/);
});

test('keepalived -t fails on an interface that does not exist', { skip: skip ?? false }, async () => {
  const text = await readFile(join(kdir, 'two-node', 'mfs-master1.conf'), 'utf8');
  const conf = join(bed.dir, 'noif.conf');
  await writeFile(conf, text.split(CHECK_PATH).join(bed.check).replace(/eth0/g, 'nosuch0'));
  const r = bed.keepalivedTest(conf);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Non-existent interface/);
});
