// observe -> plan -> act -> verify, under the per-server lock, with one deadline for all of it.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../cli/options.js';
import { formatArgv, type CommandResult } from '../exec/run.js';
import { ConfigError, readMasterConfig, type MasterConfig } from '../lizardfs/config.js';
import type { ServerStatus } from '../lizardfs/status.js';
import { RunLogger } from '../log/logger.js';
import { executeSteps, type StepRecord } from './act.js';
import { whoCalled, type Caller } from './caller.js';
import { Deadline } from './deadline.js';
import { lockKey, TransitionLock } from './lock.js';
import { observeServer } from './observe.js';
import { planTransition } from './plan.js';
import { EXIT, type Observation, type Outcome, type Plan, type PlanOptions, type Role } from './types.js';

export interface TransitionRequest {
  command: 'notify' | 'promote' | 'demote';
  /** The keepalived state as given (notify only). */
  event: string | null;
  wanted: Role;
  ip: string;
  port: number;
  /** Set in a detached worker (cli/detach.ts): the hook's arrival stamp and its caller. */
  handedOver?: { arrival: bigint; caller: Caller | null } | null;
}

export type { Caller };

export interface TransitionReport {
  command: TransitionRequest['command'];
  event: string | null;
  wanted: Role;
  server: { ip: string; port: number };
  startedAt: string;
  caller: Caller;
  config: { path: string; mode: string; personality: string } | null;
  observed: (Omit<Observation, 'config'> & { config?: never }) | null;
  plan: Omit<Plan, 'wanted'> | null;
  steps: StepRecord[];
  final: ServerStatus | null;
  outcome: Outcome;
  message: string;
  exitCode: number;
  elapsedMs: number;
  dryRun: boolean;
  signals: string[];
  /** CLOCK_MONOTONIC stamp of this event's arrival: the order in which events count. */
  arrival: string | null;
}

export function planOptions(s: Settings, ip: string, port: number): PlanOptions {
  return {
    method: s.method,
    force: s.force,
    serviceManager: s.serviceManager,
    master: { masterCommand: s.masterCommand, configPath: s.configPath, mode: 'classic', lockTimeoutSec: s.lockTimeoutSec },
    admin: { adminCommand: s.adminCommand, ip, port },
    systemd: { unit: s.unit, envFile: s.envFile, systemctl: s.systemctl },
  };
}

export async function runTransition(req: TransitionRequest, s: Settings): Promise<TransitionReport> {
  let deadline = new Deadline(s.deadlineMs);
  const startedAt = performance.now();
  const context = `${req.command}${req.event ? ` ${req.event}` : ''} ${req.ip}:${req.port}`;
  const log = new RunLogger({ syslog: s.syslog, logFile: s.logFile, verbose: s.verbose, context });
  let secret: string | null = null;
  const redact = (text: string) => (secret ? text.split(secret).join('***') : text);
  const report: TransitionReport = {
    command: req.command,
    event: req.event,
    wanted: req.wanted,
    server: { ip: req.ip, port: req.port },
    startedAt: new Date().toISOString(),
    caller: req.handedOver?.caller ?? whoCalled(),
    config: null,
    observed: null,
    plan: null,
    steps: [],
    final: null,
    outcome: 'failed',
    message: '',
    exitCode: EXIT.failed,
    elapsedMs: 0,
    dryRun: s.dryRun,
    signals: [],
    arrival: null,
  };

  // keepalived SIGTERMs running hooks when it stops or reloads. A half-done restart is the worst
  // outcome, so signals are noted and the transition finishes (bounded by --deadline).
  const onSignal = (sig: NodeJS.Signals) => {
    report.signals.push(sig);
    log.warn(`received ${sig}: finishing the transition first (at most ${(deadline.remainingMs() / 1000).toFixed(1)} s more)`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);

  const finish = (outcome: Outcome, exitCode: number, message: string) => {
    report.outcome = outcome;
    report.exitCode = exitCode;
    report.message = redact(message);
    report.elapsedMs = Math.round(performance.now() - startedAt);
  };
  const onCommand = (r: CommandResult) => {
    const what = r.timedOut ? 'timed out' : r.spawnError ? r.spawnError : `exit ${r.exitCode ?? r.signal}`;
    log.debug(`ran ${formatArgv(r.argv)}: ${what} in ${r.durationMs} ms${r.stderr.trim() ? `; stderr: ${redact(r.stderr.replace(/\0/g, '').trim())}` : ''}`);
  };

  let lock: TransitionLock | null = null;
  let arrival: ReturnType<TransitionLock['arrive']> | null = null;
  let handle: Awaited<ReturnType<TransitionLock['acquire']>> = null;
  try {
    log.info(
      `wanted role ${req.wanted}${s.dryRun ? ' (dry run)' : ''}; called by ${report.caller.parent ?? 'unknown'} (pid ${report.caller.ppid}, user ${report.caller.user})${report.caller.pid !== process.pid ? `; running detached as pid ${process.pid} (hook pid ${report.caller.pid})` : ''}`,
    );

    let config: MasterConfig;
    try {
      config = readMasterConfig(s.configPath);
    } catch (e) {
      if (e instanceof ConfigError) {
        log.error(`refused: ${e.message}`);
        finish('refused', EXIT.badInput, e.message);
        return report;
      }
      throw e;
    }
    secret = config.adminPassword;
    report.config = { path: config.path, mode: config.mode, personality: config.personality };
    const opts = planOptions(s, req.ip, req.port);
    opts.master.mode = config.mode;

    if (!s.dryRun) {
      try {
        fs.mkdirSync(s.stateDir, { recursive: true, mode: 0o755 });
      } catch (e) {
        finish('failed', EXIT.failed, `cannot create state dir ${s.stateDir}: ${(e as Error).message}`);
        return report;
      }
      lock = new TransitionLock(s.stateDir, lockKey(req.ip, req.port));
      arrival = lock.arrive(req.handedOver?.arrival ?? null);
      report.arrival = String(arrival.stamp);
      handle = await lock.acquire(deadline.remainingMs(), arrival);
      if (!handle) {
        finish('failed', EXIT.failed, `another transition (pid ${lock.holder() ?? '?'}) held the lock for the whole ${(s.deadlineMs / 1000).toFixed(1)} s deadline`);
        return report;
      }
      const newer = lock.superseded(arrival);
      if (newer) {
        finish('superseded', EXIT.superseded, `superseded: ${newer}; not acting on this older event`);
        log.notice(report.message);
        return report;
      }
    }

    const observeCtx = {
      plan: opts,
      metarestoreCommand: s.metarestoreCommand,
      dataPath: s.dataPath,
      timeoutMs: s.timeoutMs,
      probeTimeoutMs: s.probeTimeoutMs,
      peers: s.peers,
      deadline,
      onCommand,
    };
    const graceCandidate = req.event === 'BACKUP' && s.demoteGraceMs > 0 && !s.dryRun;
    let observation = await observeServer(observeCtx, config, req.wanted, graceCandidate);
    let plan = planTransition(req.wanted, observation, opts);
    /** Sleep in small steps; a newer event arriving ends the wait (null), else true when the time is up. */
    const waitUnlessSuperseded = async (ms: number): Promise<string | null> => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        await new Promise((r) => setTimeout(r, Math.min(200, until - performance.now())));
        const newer = lock && arrival ? lock.superseded(arrival) : null;
        if (newer) return newer;
      }
      return null;
    };

    // keepalived starts every instance in BACKUP and makes the winner MASTER ~3 advert intervals
    // later. A BACKUP on the node whose server is the only running master is most likely that
    // start-up: demoting right away would leave the cluster without a master (and the demoted
    // version-0 shadow is not eligible for the VIP). Wait a little for the MASTER that follows.
    const liveMasterPeer = (o: Observation) => o.peers.find((p) => p.status.reachable && p.status.personality === 'master' && p.status.serverStatus === 'running');
    if (graceCandidate && plan.outcome === 'transition' && observation.server.reachable && observation.server.personality === 'master' && !liveMasterPeer(observation)) {
      log.info(`BACKUP while this server is a running master and no peer is: waiting up to ${(s.demoteGraceMs / 1000).toFixed(1)} s for a newer keepalived event before demoting (--demote-grace)`);
      const newer = await waitUnlessSuperseded(Math.min(s.demoteGraceMs, deadline.remainingMs()));
      if (newer) {
        finish('superseded', EXIT.superseded, `superseded during the demotion grace: ${newer}; the master was left as it is`);
        log.notice(report.message);
        return report;
      }
      observation = await observeServer(observeCtx, config, req.wanted, false);
      plan = planTransition(req.wanted, observation, opts);
    }

    // The VIP moved here but the old master still runs (its keepalived died, or it is about to be
    // demoted): wait for it to go, re-checking every second, rather than refuse once and leave the
    // VIP on a shadow for good. A newer event ends the wait. Nothing is changed while waiting, so the
    // wait may outlast --deadline by --split-brain-wait (notify: keepalived SIGKILLed on the old
    // master and restarted minutes later demotes it then, and this promotion must still happen).
    if (plan.refusal === 'split-brain' && !s.dryRun && !deadline.expired()) {
      // Every look needs a full observation: one cut short would show the peer as unreachable, and
      // unreachable peers do not block.
      const lookMs = 2 * s.probeTimeoutMs + 1000;
      const waitMs = Math.max(deadline.remainingMs() - lookMs, s.splitBrainWaitMs ?? 0);
      const waitUntil = performance.now() + waitMs;
      log.warn(`${plan.reason}; waiting up to ${(waitMs / 1000).toFixed(0)} s for it to step down`);
      let extended = false;
      while (plan.refusal === 'split-brain' && performance.now() + Math.min(1000, lookMs) < waitUntil) {
        const newer = await waitUnlessSuperseded(1000);
        if (newer) {
          finish('superseded', EXIT.superseded, `superseded while waiting for the old master to step down: ${newer}`);
          log.notice(report.message);
          return report;
        }
        if (deadline.remainingMs() <= lookMs) {
          deadline = new Deadline(lookMs);
          observeCtx.deadline = deadline;
          extended = true;
        }
        observation = await observeServer(observeCtx, config, req.wanted);
        plan = planTransition(req.wanted, observation, opts);
      }
      if (plan.refusal === 'split-brain') {
        plan = { ...plan, reason: `${plan.reason}; still so after waiting ${((performance.now() - startedAt) / 1000).toFixed(0)} s` };
      } else if (extended) {
        // The wait went past --deadline: the work that follows gets a deadline of its own.
        deadline = new Deadline(s.deadlineMs);
        observeCtx.deadline = deadline;
        log.info(`the old master stepped down after ${((performance.now() - startedAt) / 1000).toFixed(0)} s; --deadline (${(s.deadlineMs / 1000).toFixed(0)} s) starts again for the promotion`);
      }
    }

    const { config: _omit, ...observedRest } = observation;
    report.observed = observedRest;
    log.info(`observed: ${describeStatus(observation.server)}${observation.liveness ? `, isalive: ${observation.liveness}` : ''}${observation.diskVersion !== null ? `, on-disk metadata version ${observation.diskVersion}` : ''}; config ${config.mode}${config.mode === 'classic' ? ` (PERSONALITY = ${config.personality})` : ''}`);

    const { wanted: _w, ...planRest } = plan;
    report.plan = planRest;
    for (const n of plan.notes) log.info(n);

    if (plan.outcome === 'refused') {
      const code = plan.refusal === 'config' || plan.refusal === 'method' ? EXIT.badInput : EXIT.refused;
      log.error(`refused: ${plan.reason}`);
      finish('refused', code, plan.reason);
      return report;
    }
    if (plan.outcome === 'nothing-to-do') {
      log.info(`nothing to do: ${plan.reason}`);
      finish('nothing-to-do', EXIT.ok, `nothing to do: ${plan.reason}`);
      return report;
    }
    log.info(`plan: ${plan.reason}; ${plan.steps.map((st) => (st.kind === 'run' ? formatArgv(st.argv) : st.description)).join(' -> ')}`);
    if (s.dryRun) {
      finish('dry-run', EXIT.ok, `nothing changed; the plan above would run (${plan.reason})`);
      return report;
    }

    const result = await executeSteps(plan.steps, {
      timeoutMs: s.timeoutMs,
      probeTimeoutMs: s.probeTimeoutMs,
      deadline,
      adminPassword: config.adminPassword,
      admin: opts.admin,
      verifyIntervalMs: 200,
      onCommand,
      onStep: (r) => {
        const line = `${r.ok ? 'done' : 'FAILED'}: ${r.argv ? formatArgv(r.argv) : r.description} (${r.durationMs} ms)${r.recovery ? `; ${r.recovery}` : ''}${r.error ? `; ${r.error}` : ''}`;
        if (r.ok) log.info(redact(line));
        else log.error(redact(line));
      },
    });
    report.steps = result.records.map((r) => ({ ...r, ...(r.stderr !== undefined ? { stderr: redact(r.stderr) } : {}), ...(r.error ? { error: redact(r.error) } : {}) }));
    report.final = result.final ?? null;
    if (result.ok) {
      const verb = req.wanted === 'master' ? 'promoted to master' : 'demoted to shadow';
      finish('done', EXIT.ok, `${plan.method === 'config-only' ? 'config updated' : verb} (${plan.method})`);
      log.notice(`${report.message} in ${(report.elapsedMs / 1000).toFixed(2)} s`);
    } else {
      finish('failed', EXIT.failed, result.error ?? 'transition failed');
      log.error(`transition failed: ${report.message}`);
    }
    return report;
  } catch (e) {
    finish('failed', EXIT.failed, `internal error: ${(e as Error).message}`);
    log.error(report.message);
    return report;
  } finally {
    if (!report.elapsedMs) report.elapsedMs = Math.round(performance.now() - startedAt);
    if (handle && lock) {
      if (report.outcome !== 'superseded') {
        try {
          handle.markApplied();
          appendHistory(s.stateDir, report);
        } catch (e) {
          log.warn(`cannot record history: ${(e as Error).message}`);
        }
      }
      handle.release();
    }
    if (lock && arrival) lock.leave(arrival);
    if (s.metricsFile && !s.dryRun) {
      try {
        const { recordTransition } = await import('../log/metrics.js');
        await recordTransition(s.metricsFile, { ...roleAfter(report), result: report.outcome, durationSeconds: report.elapsedMs / 1000, timestampSeconds: Date.now() / 1000 });
      } catch (e) {
        log.warn(`cannot write metrics to ${s.metricsFile}: ${(e as Error).message}`);
      }
    }
    await log.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

/** What the server is now, as far as this run knows. */
function roleAfter(r: TransitionReport): { role: 'master' | 'shadow' | 'unknown'; metadataVersion: number | null } {
  const seen = r.final ?? r.observed?.server ?? null;
  if (seen?.reachable && seen.personality !== 'unknown') return { role: seen.personality, metadataVersion: seen.metadataVersion };
  return { role: 'unknown', metadataVersion: null };
}

export function describeStatus(st: ServerStatus): string {
  if (!st.reachable) return `not answering (${st.reason})`;
  if (st.personality === 'unknown') return `answering with an unknown personality, metadata version ${st.metadataVersion}`;
  return `${st.personality} ${st.serverStatus}, metadata version ${st.metadataVersion}`;
}

export const HISTORY_FILE = 'history.jsonl';

function appendHistory(stateDir: string, r: TransitionReport): void {
  const entry = {
    time: r.startedAt,
    command: r.command,
    event: r.event,
    wanted: r.wanted,
    server: `${r.server.ip}:${r.server.port}`,
    observed: r.observed ? describeStatus(r.observed.server) : null,
    steps: r.steps.map((st) => ({ step: st.argv ? formatArgv(st.argv) : st.description, ok: st.ok, ms: st.durationMs, ...(st.error ? { error: st.error } : {}) })),
    outcome: r.outcome,
    message: r.message,
    exitCode: r.exitCode,
    durationMs: r.elapsedMs,
    caller: r.caller,
  };
  fs.appendFileSync(path.join(stateDir, HISTORY_FILE), `${JSON.stringify(entry)}\n`, { mode: 0o644 });
}
