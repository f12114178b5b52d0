// The shipped VRRP check script and `lizardfs-ha check` must give the same verdict on the same answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkCases, writeStubAdmin } from './fixtures/check-cases.mjs';
import { CLI, ROOT } from './helpers.mjs';

const SCRIPT = path.join(ROOT, 'keepalived', 'lizardfs-ha-check');

for (const c of checkCases) {
  test(`check script and lizardfs-ha check agree: ${c.name}`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lfsha-agree-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stub = await writeStubAdmin(dir, c);
    const env = { ...process.env, LIZARDFS_HA_ADMIN_BIN: stub, LIZARDFS_HA_CHECK_TIMEOUT: '1', NO_COLOR: '1' };
    const script = spawnSync(SCRIPT, ['127.0.0.1', '9421'], { env, encoding: 'utf8' });
    const cli = spawnSync(process.execPath, [CLI, 'check', '127.0.0.1', '9421', '--probe-timeout', '1'], { env, encoding: 'utf8' });
    const want = c.healthy ? 0 : 1;
    assert.equal(script.status, want, `script: ${script.stderr}`);
    assert.equal(cli.status, want, `cli: ${cli.stdout}${cli.stderr}`);
    assert.match(cli.stdout, c.healthy ? /^healthy/ : /^unhealthy/);
  });
}
