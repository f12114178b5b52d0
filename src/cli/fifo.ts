// `lizardfs-ha fifo PATH`: the vrrp_notify_fifo_script. keepalived starts it with the FIFO path as
// the last argument and writes one line per event, in order.
//
// The FIFO is opened read-write and non-blocking: holding a writer end ourselves means keepalived
// closing its end is not an EOF to spin on, and opening never blocks. keepalived recreates the FIFO
// on reload (and usually restarts us too); a changed inode at PATH is noticed within a second and the
// new FIFO is opened.
import fs from 'node:fs';
import net from 'node:net';
import { lockKey, TransitionLock } from '../engine/lock.js';
import type { Settings } from './options.js';
import { collapseBacklog, parseFifoLine, type FifoEvent } from '../keepalived/fifo.js';
import { RunLogger } from '../log/logger.js';

export interface FifoOptions {
  path: string;
  ip: string;
  port: number;
  /** Only events of this vrrp_instance / group name; all when null. */
  instance: string | null;
  /** keepalived track_file to keep at 1 while nothing listens on the server's admin port, else 0. */
  trackFile?: string | null;
}

export async function runFifoReader(o: FifoOptions, s: Settings): Promise<number> {
  const { runTransition } = await import('../engine/transition.js');
  const log = new RunLogger({ syslog: s.syslog, logFile: s.logFile, verbose: s.verbose, context: `fifo ${o.path}` });
  const backlog: FifoEvent[] = [];
  let stopping = false;
  let busy = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };

  // A transition in progress is finished first; then we leave (keepalived is stopping or reloading).
  const onSignal = (sig: NodeJS.Signals) => {
    log.notice(`received ${sig}: ${busy ? 'finishing the current transition, then exiting' : 'exiting'}`);
    stopping = true;
    poke();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);

  let socket: net.Socket | null = null;
  let inode = -1;
  let partial = '';
  const open = () => {
    let fd: number;
    try {
      const st = fs.statSync(o.path);
      if (!st.isFIFO()) {
        log.error(`${o.path} is not a FIFO`);
        return;
      }
      fd = fs.openSync(o.path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
      inode = fs.fstatSync(fd).ino;
    } catch (e) {
      log.debug(`cannot open ${o.path} yet: ${(e as Error).message}`);
      return;
    }
    partial = '';
    socket = new net.Socket({ fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const ev = parseFifoLine(line);
        if (!ev) {
          log.warn(`ignoring unrecognised line: ${JSON.stringify(line.slice(0, 200))}`);
          continue;
        }
        if (o.instance !== null && ev.name !== o.instance) continue;
        if (!ev.wanted) {
          log.debug(`ignoring ${ev.type} ${ev.name} ${ev.state}: not a transition`);
          continue;
        }
        backlog.push(ev);
      }
      poke();
    });
    socket.on('error', (e) => log.warn(`FIFO read error: ${e.message}`));
    log.info(`reading events from ${o.path} (inode ${inode}) for ${o.instance ?? 'every instance'}`);
  };
  open();

  const stopWatch = o.trackFile ? watchServer(o.trackFile, o, s, log, () => busy) : null;

  // Notice a FIFO recreated by a keepalived reload.
  const watcher = setInterval(() => {
    let now = -1;
    try {
      now = fs.statSync(o.path).ino;
    } catch {
      now = -1;
    }
    if (now !== inode) {
      socket?.destroy();
      socket = null;
      inode = -1;
      if (now !== -1) open();
    }
  }, 1000);

  try {
    while (!stopping) {
      if (backlog.length === 0) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const ev = collapseBacklog(backlog.splice(0));
      if (!ev || !ev.wanted) continue;
      busy = true;
      log.info(`event ${ev.type} ${ev.name} ${ev.state}${ev.priority !== null ? ` ${ev.priority}` : ''} -> ${ev.wanted}`);
      // keepalived writes STOP lines when it shuts down and kills this reader 1 s later: a demotion
      // must not die with it, so it runs in a worker of its own session (cli/detach.ts).
      const { handOff, shouldDetach } = await import('./detach.js');
      if (!s.dryRun && shouldDetach(s.detach, ev.state)) {
        log.info(`${ev.state}: handing the transition to a detached \`notify ${ev.state}\` worker`);
        const code = await handOff(s.stateDir, o.ip, o.port, [process.argv[1] ?? '', 'notify', ev.state, o.ip, String(o.port), ...notifyArgs(process.argv.slice(3), o.path)]);
        if (code !== null) {
          busy = false;
          log.log(code === 0 ? 'info' : 'err', `${ev.state}: detached worker exited ${code}`);
          // Its full report is in the history and the log; here one line per event, as for the others.
          if (s.json) process.stdout.write(`${JSON.stringify({ command: 'notify', event: ev.state, wanted: ev.wanted, outcome: 'detached', exitCode: code, message: `applied by a detached worker (exit ${code}); see \`lizardfs-ha history\`` })}\n`);
          continue;
        }
      }
      const report = await runTransition({ command: 'notify', event: ev.state, wanted: ev.wanted, ip: o.ip, port: o.port }, s);
      busy = false;
      log.log(report.exitCode === 0 ? 'info' : 'err', `${ev.state}: ${report.outcome}: ${report.message}`);
      if (s.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    }
  } finally {
    stopWatch?.();
    clearInterval(watcher);
    (socket as net.Socket | null)?.destroy();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
    await log.close();
  }
  return 0;
}

/**
 * The reader's own options, as `notify` takes them: every transition option passes through; the
 * FIFO path, the reader-only --instance, --track-file and --json go, --ip/--port are given explicitly.
 */
export function notifyArgs(readerArgs: string[], fifoPath: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < readerArgs.length; i++) {
    const a = readerArgs[i] ?? '';
    if (a === fifoPath) continue;
    if (['--instance', '--ip', '--port', '--track-file'].includes(a)) {
      i++;
      continue;
    }
    if (/^--(instance|ip|port|track-file)=/.test(a)) continue;
    // The worker's report is in the history; the reader prints its own line for it.
    if (a === '--json') continue;
    out.push(a);
  }
  return out;
}

/**
 * The fast half of the health check, for keepalived's track_file: a TCP connect to the local admin
 * port every WATCH_INTERVAL_MS (no process started). Refused = nothing listens = the server died:
 * write 1 at once (keepalived: FAULT, the VIP moves). Accepted: 0. A timeout or any other error says
 * nothing (a hung server is the track script's job). While a transition holds the server's lock
 * (this reader's or an operator's), a refused connect is lizardfs-ha's own restart: not reported.
 * On exit the file goes back to 0, so a reader that is gone never keeps a healthy node in FAULT.
 */
export const WATCH_INTERVAL_MS = 200;

export function watchServer(file: string, o: { ip: string; port: number }, s: Settings, log: RunLogger, busy: () => boolean): () => void {
  const lock = new TransitionLock(s.stateDir, lockKey(o.ip, o.port));
  let last: string | null = null;
  const write = (v: '0' | '1', why: string) => {
    if (v === last) return;
    try {
      fs.writeFileSync(file, `${v}\n`);
      last = v;
      log.log(v === '1' ? 'warning' : 'info', `track file ${file} = ${v}: ${why}`);
    } catch (e) {
      log.warn(`cannot write track file ${file}: ${(e as Error).message}`);
    }
  };
  const transitionRunning = (): boolean => busy() || lock.busy();
  let probing = false;
  const tick = () => {
    if (probing) return;
    probing = true;
    const sock = net.connect({ host: o.ip, port: o.port });
    let done = false;
    const end = (state: 'listening' | 'refused' | 'unknown') => {
      if (done) return;
      done = true;
      sock.destroy();
      probing = false;
      if (state === 'listening') write('0', `${o.ip}:${o.port} accepts connections`);
      else if (state === 'refused' && !transitionRunning()) write('1', `nothing listens on ${o.ip}:${o.port}: the metadata server is gone`);
    };
    sock.setTimeout(WATCH_INTERVAL_MS * 2, () => end('unknown'));
    sock.once('connect', () => end('listening'));
    sock.once('error', (e: NodeJS.ErrnoException) => end(e.code === 'ECONNREFUSED' ? 'refused' : 'unknown'));
  };
  tick();
  const timer = setInterval(tick, WATCH_INTERVAL_MS);
  log.info(`watching ${o.ip}:${o.port} every ${WATCH_INTERVAL_MS} ms for keepalived's track file ${file}`);
  return () => {
    clearInterval(timer);
    write('0', 'reader exiting: the track script alone decides');
  };
}
