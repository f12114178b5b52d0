// keepalived's other ways of delivering events: the generic `notify` form and the notify FIFO.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseFifoLine, collapseBacklog } from '../dist/keepalived/fifo.js';
import { makeWorld, masterCalls, sleep, waitUntil as until } from './helpers.mjs';


test('generic notify form: INSTANCE <name> <STATE> <priority>, ip/port from options', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'shadow', version: 4, diskVersion: 4 });
  const r = await w.run(['notify', 'INSTANCE', 'VI_1', 'MASTER', '100', '--ip', '127.0.0.1', '--port', '9421', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.event, 'MASTER');
  assert.equal(w.server().personality, 'master');
});

test('generic notify form: older 3-word form, ip/port from the environment; DELETED behaves like STOP', async (t) => {
  const w = makeWorld(t);
  w.serve({ personality: 'master', version: 4, diskVersion: 4 });
  const r = await w.run(['notify', 'GROUP', 'G1', 'DELETED'], { env: { LIZARDFS_HA_IP: '127.0.0.1', LIZARDFS_HA_PORT: '9421' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(w.server().personality, 'shadow');
  const bad = await w.run(['notify', 'master', '127.0.0.1', 'DELETED']);
  assert.equal(bad.code, 2);
});

test('FIFO lines parse; non-transition states are recognised and ignored; backlog collapses to the newest', () => {
  assert.deepEqual(parseFifoLine('INSTANCE "VI_1" MASTER 100'), { type: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100, wanted: 'master' });
  assert.equal(parseFifoLine('GROUP "G" BACKUP 0').wanted, 'shadow');
  assert.equal(parseFifoLine('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100').wanted, null);
  assert.equal(parseFifoLine('INSTANCE "VI_1" BACKUP_PRIORITY 90').wanted, null);
  assert.equal(parseFifoLine('hello'), null);
  const evs = ['BACKUP', 'MASTER', 'FAULT', 'MASTER_PRIORITY'].map((s) => parseFifoLine(`INSTANCE "VI_1" ${s} 100`));
  assert.equal(collapseBacklog(evs).state, 'FAULT');
});

function fifoWorld(t) {
  const w = makeWorld(t);
  const fifo = path.join(w.dir, 'keepalived.fifo');
  execFileSync('mkfifo', [fifo]);
  const child = w.spawn(['fifo', '--ip', '127.0.0.1', '--port', '9421', '--json', fifo]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));
  // keepalived opens the FIFO for writing and keeps it open.
  const write = (file, lines) => fs.appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
  const reports = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  return { w, fifo, child, exited, write, reports, out: () => out };
}

test('fifo: applies events in order, ignores non-transitions, collapses a backlog to the newest', async (t) => {
  const f = fifoWorld(t);
  f.w.serve({ personality: 'shadow', version: 9, diskVersion: 9, actionDelayMs: 800 });
  await sleep(700);
  f.write(f.fifo, ['INSTANCE "VI_1" MASTER 100']);
  await until(() => f.reports().length >= 1, 15000, 'first transition');
  assert.equal(f.w.server().personality, 'master');
  // A demotion (slow restart) and, while it runs, a burst: only its newest event is applied after it.
  f.write(f.fifo, ['INSTANCE "VI_1" BACKUP 100']);
  await sleep(400);
  f.write(f.fifo, ['INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_1" FAULT 100', 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100', 'INSTANCE "VI_1" MASTER 100']);
  await until(() => f.reports().length >= 3, 20000, 'backlog applied');
  await sleep(500);
  const reps = f.reports();
  assert.deepEqual(reps.map((r) => r.event), ['MASTER', 'BACKUP', 'MASTER'], f.out());
  assert.equal(f.w.server().personality, 'master');
  f.child.kill('SIGTERM');
  assert.equal(await f.exited, 0);
});

test('fifo: keepalived recreating the FIFO (reload) is followed', async (t) => {
  const f = fifoWorld(t);
  f.w.serve({ personality: 'shadow', version: 9, diskVersion: 9 });
  await sleep(700);
  fs.rmSync(f.fifo);
  execFileSync('mkfifo', [f.fifo]);
  await sleep(1500);
  f.write(f.fifo, ['INSTANCE "VI_1" MASTER 100']);
  await until(() => f.reports().length >= 1, 15000, 'event on the new FIFO');
  assert.equal(f.w.server().personality, 'master');
});

test('fifo: SIGTERM during a transition finishes it, then exits 0', async (t) => {
  const f = fifoWorld(t);
  f.w.serve({ personality: 'master', version: 9, diskVersion: 9, actionDelayMs: 1500 });
  await sleep(700);
  f.write(f.fifo, ['INSTANCE "VI_1" BACKUP 100']);
  const busy = path.join(f.w.env.FAKE_LFS_STATE, 'busy-local-9421');
  await until(() => fs.existsSync(busy), 10000, 'restart started');
  f.child.kill('SIGTERM');
  assert.equal(await f.exited, 0);
  assert.equal(f.w.server().personality, 'shadow');
  assert.equal(f.reports()[0].outcome, 'done');
  assert.deepEqual(f.reports()[0].signals, ['SIGTERM']);
  assert.equal(masterCalls(f.w).filter((a) => a.at(-1) === 'restart').length, 1);
});

test('fifo: a STOP line is handed to a detached worker; SIGKILL of the reader (keepalived, 1 s) does not stop the demotion', async (t) => {
  const f = fifoWorld(t);
  // A master that hangs on SIGTERM: the demotion takes -t 1, a SIGKILL of the old pid and a start.
  f.w.serve({ personality: 'master', version: 9, diskVersion: 9, hangActions: ['restart'], ignoreTerm: true });
  await sleep(700);
  f.write(f.fifo, ['INSTANCE "VI_1" STOP 0']);
  const arrivals = path.join(f.w.env.LIZARDFS_HA_STATE_DIR, 'arrivals-127.0.0.1-9421');
  const workerStamped = () => {
    try {
      return fs.readdirSync(arrivals).some((n) => Number(n.split('-')[1]) !== f.child.pid);
    } catch {
      return false;
    }
  };
  await until(workerStamped, 10000, 'the worker to stamp its arrival');
  f.child.kill('SIGKILL');
  await f.exited;
  const historyFile = path.join(f.w.env.LIZARDFS_HA_STATE_DIR, 'history.jsonl');
  await until(() => fs.existsSync(historyFile), 20000, 'the worker to finish and record the transition');
  assert.equal(f.w.server().personality, 'shadow');
  const history = fs.readFileSync(historyFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(history.at(-1).event, 'STOP');
  assert.equal(history.at(-1).outcome, 'done', history.at(-1).message);
  assert.equal(history.at(-1).caller.pid, f.child.pid, 'the reader is the caller');
});

test('fifo: the worker gets the reader\'s transition options, not its FIFO-only ones', async () => {
  const { notifyArgs } = await import('../dist/cli/fifo.js');
  assert.deepEqual(
    notifyArgs(['--ip', '10.0.0.1', '--port=9421', '--deadline', '30', '--instance', 'VI_1', '--track-file', '/run/t', '--json', '--no-syslog', '/run/k.fifo'], '/run/k.fifo'),
    ['--deadline', '30', '--no-syslog'],
  );
});

test('fifo --track-file: 1 the moment nothing listens on the admin port, 0 when it does; not while a transition holds the lock; 0 on exit', async (t) => {
  const net = await import('node:net');
  const w = makeWorld(t);
  const fifo = path.join(w.dir, 'keepalived.fifo');
  const track = path.join(w.dir, 'server.track');
  execFileSync('mkfifo', [fifo]);
  let server = net.createServer((c) => c.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const listen = async () => {
    server = net.createServer((c) => c.destroy());
    await new Promise((r) => server.listen(port, '127.0.0.1', r));
  };
  const close = () => new Promise((r) => server.close(r));
  const child = w.spawn(['fifo', '--ip', '127.0.0.1', '--port', String(port), '--track-file', track, fifo]);
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));
  const value = () => (fs.existsSync(track) ? fs.readFileSync(track, 'utf8').trim() : null);

  await until(() => value() === '0', 10000, 'the track file at 0 while the port listens');
  await close();
  const gone = performance.now();
  await until(() => value() === '1', 5000, 'the track file at 1 once nothing listens');
  assert.ok(performance.now() - gone < 1500, 'at once, not at the next track check');
  await listen();
  await until(() => value() === '0', 5000, 'back to 0');

  // lizardfs-ha restarting the server itself (it holds the lock): a refused connect is not a crash.
  const holder = path.join(w.env.LIZARDFS_HA_STATE_DIR, `lock-127.0.0.1-${port}.holder`);
  fs.mkdirSync(path.dirname(holder), { recursive: true });
  fs.writeFileSync(holder, `${process.pid}\n`);
  await close();
  await sleep(1200);
  assert.equal(value(), '0', 'no FAULT during our own restart');
  fs.rmSync(holder);
  await until(() => value() === '1', 5000, 'reported once no transition holds the lock');
  assert.match(fs.readFileSync(path.join(w.env.FAKE_LFS_STATE, 'syslog'), 'utf8'), /track file .* = 1: nothing listens/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(value(), '0', 'a reader that is gone never keeps the node in FAULT');
});
