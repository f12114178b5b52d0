// One transition at a time per server, newest event wins.
//
// The mutex is a listening abstract unix socket (Linux): binding a name is exclusive and the kernel
// releases it the moment the holder dies, even by SIGKILL. So there is no lock file that can go stale,
// and nothing to clean up. It is scoped to the network namespace, which is what "a host" is to
// keepalived. The name includes the state dir so separate installations (and tests) do not collide.
//
// Ordering: keepalived forks hooks and forgets them, so BACKUP and MASTER can race. Each invocation
// stamps its arrival (CLOCK_MONOTONIC, shared by all processes) in the state dir BEFORE waiting. The one
// that gets the lock acts only if no newer event is waiting and none newer was already applied;
// otherwise it is `superseded`. The last event of any burst is therefore the role the server ends in.
import fs from 'node:fs';
import path from 'node:path';
import { tryAcquire } from '../exec/mutex.js';

export interface LockHandle {
  release(): void;
  /** Record that our event was applied (call before release). */
  markApplied(): void;
}

export interface ArrivalStamp {
  stamp: bigint;
  file: string;
}

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TransitionLock {
  private readonly dir: string;
  private readonly arrivals: string;
  private readonly appliedFile: string;
  private readonly boot = bootId();

  constructor(
    readonly stateDir: string,
    readonly key: string,
  ) {
    this.dir = stateDir;
    this.arrivals = path.join(stateDir, `arrivals-${key}`);
    this.appliedFile = path.join(stateDir, `applied-${key}`);
  }

  /** Stamp this event's arrival. Must happen before waiting for the lock. */
  arrive(inherited: bigint | null = null): ArrivalStamp {
    fs.mkdirSync(this.arrivals, { recursive: true, mode: 0o755 });
    // A detached worker carries the stamp its hook took when keepalived forked it (cli/detach.ts).
    const stamp = inherited ?? process.hrtime.bigint();
    const file = path.join(this.arrivals, `${stamp}-${process.pid}`);
    fs.writeFileSync(file, this.boot);
    if (inherited !== null) {
      // The hook's placeholder for the same event: this file stands for it now.
      for (const name of fs.readdirSync(this.arrivals)) {
        if (name.startsWith(`${stamp}-`) && name !== path.basename(file)) fs.rmSync(path.join(this.arrivals, name), { force: true });
      }
    }
    return { stamp, file };
  }

  leave(a: ArrivalStamp): void {
    fs.rmSync(a.file, { force: true });
  }

  /** Is there a newer event, waiting or already applied? */
  superseded(a: ArrivalStamp): string | null {
    try {
      const [boot, applied] = fs.readFileSync(this.appliedFile, 'utf8').trim().split(' ');
      if (boot === this.boot && applied && BigInt(applied) > a.stamp) return 'a newer event was already applied';
    } catch {
      // Nothing applied yet.
    }
    for (const name of fs.readdirSync(this.arrivals)) {
      const [stampText, pidText] = name.split('-');
      if (!stampText || !pidText) continue;
      const stamp = BigInt(stampText);
      if (stamp <= a.stamp) continue;
      // A newer invocation that died without cleaning up does not count (pid reuse is the accepted risk).
      let boot = '';
      try {
        boot = fs.readFileSync(path.join(this.arrivals, name), 'utf8');
      } catch {
        continue;
      }
      if (boot !== this.boot || !pidAlive(Number(pidText))) {
        fs.rmSync(path.join(this.arrivals, name), { force: true });
        continue;
      }
      return `a newer event (pid ${pidText}) is waiting`;
    }
    return null;
  }

  /** Wait for the mutex until `timeoutMs`; null on timeout. */
  async acquire(timeoutMs: number, a: ArrivalStamp): Promise<LockHandle | null> {
    const name = `lizardfs-ha:${path.resolve(this.dir)}:${this.key}`;
    const until = performance.now() + timeoutMs;
    for (;;) {
      const server = await tryAcquire(name);
      if (server) {
        const holder = path.join(this.dir, `lock-${this.key}.holder`);
        try {
          fs.writeFileSync(holder, `${process.pid}\n`);
        } catch {
          // Informational only.
        }
        return {
          markApplied: () => {
            fs.writeFileSync(`${this.appliedFile}.tmp`, `${this.boot} ${a.stamp}\n`);
            fs.renameSync(`${this.appliedFile}.tmp`, this.appliedFile);
          },
          release: () => {
            fs.rmSync(holder, { force: true });
            server.close();
          },
        };
      }
      if (performance.now() >= until) return null;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }

  /** Is a transition running now (the holder file names a live process)? */
  busy(): boolean {
    const pid = this.holder();
    return pid !== null && pidAlive(pid);
  }

  holder(): number | null {
    try {
      return Number(fs.readFileSync(path.join(this.dir, `lock-${this.key}.holder`), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }
}

/** A file-name-safe key for one server address. */
export function lockKey(ip: string, port: number): string {
  return `${ip.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`;
}
