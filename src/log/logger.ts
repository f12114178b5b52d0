// Where a run's story goes: syslog (keepalived throws stdout away), an optional log file, and stderr
// when --verbose. The console summary is written separately by src/cli/output.ts.
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

export type Level = 'debug' | 'info' | 'notice' | 'warning' | 'err';

const SEVERITY: Record<Level, number> = { err: 3, warning: 4, notice: 5, info: 6, debug: 7 };
const FACILITY_DAEMON = 3;

export interface LoggerOptions {
  syslog: boolean;
  logFile: string | null;
  verbose: boolean;
  /** Prefix on every line, e.g. "notify MASTER 127.0.0.1:9421". */
  context: string;
}

export class RunLogger {
  private logger: ChildProcess | null = null;
  private fileFd: number | null = null;
  private warnedFile = false;

  constructor(private readonly opts: LoggerOptions) {
    if (opts.syslog) {
      // One util-linux `logger` for the whole run, fed line by line: a <PRI> prefix per line carries
      // the severity. If it cannot start (no logger, no /dev/log) the run goes on: logging must never
      // be the reason a failover fails.
      try {
        this.logger = spawn('logger', ['-t', 'lizardfs-ha', `--id=${process.pid}`, '-p', 'daemon.info', '--prio-prefix'], {
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        this.logger.on('error', () => (this.logger = null));
        this.logger.stdin?.on('error', () => (this.logger = null));
      } catch {
        this.logger = null;
      }
    }
    if (opts.logFile) {
      try {
        this.fileFd = fs.openSync(opts.logFile, 'a', 0o640);
      } catch (e) {
        this.fileWarning(e);
      }
    }
  }

  log(level: Level, message: string): void {
    const line = `${this.opts.context}: ${message}`.replace(/\n/g, ' | ');
    if (level !== 'debug' && this.logger?.stdin?.writable) {
      this.logger.stdin.write(`<${FACILITY_DAEMON * 8 + SEVERITY[level]}>${line}\n`);
    }
    if (this.fileFd !== null && (level !== 'debug' || this.opts.verbose)) {
      try {
        fs.writeSync(this.fileFd, `${new Date().toISOString()} lizardfs-ha[${process.pid}] ${level}: ${line}\n`);
      } catch (e) {
        this.fileWarning(e);
      }
    }
    if (this.opts.verbose) process.stderr.write(`[${level}] ${message}\n`);
  }

  info(m: string) {
    this.log('info', m);
  }
  notice(m: string) {
    this.log('notice', m);
  }
  warn(m: string) {
    this.log('warning', m);
  }
  error(m: string) {
    this.log('err', m);
  }
  debug(m: string) {
    this.log('debug', m);
  }

  private fileWarning(e: unknown) {
    if (this.warnedFile) return;
    this.warnedFile = true;
    process.stderr.write(`lizardfs-ha: cannot write log file ${this.opts.logFile}: ${(e as Error).message}\n`);
  }

  /** Flush syslog: close logger's stdin and give it a moment to send. Bounded: never hangs the run. */
  async close(): Promise<void> {
    if (this.fileFd !== null) {
      fs.closeSync(this.fileFd);
      this.fileFd = null;
    }
    const child = this.logger;
    this.logger = null;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 1000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.stdin?.end();
    });
  }
}
