// Act and verify: the only place where the plan's steps touch the world.
import fs from 'node:fs';
import path from 'node:path';
import { describeFailure, runCommand, type CommandResult } from '../exec/run.js';
import { writePersonality } from '../lizardfs/config.js';
import { readServerStatus, type AdminTarget, type ServerStatus } from '../lizardfs/status.js';
import type { Deadline } from './deadline.js';
import type { Role, Step } from './types.js';

export interface StepRecord {
  description: string;
  kind: Step['kind'];
  argv?: string[];
  ok: boolean;
  exitCode?: number | null;
  durationMs: number;
  stderr?: string;
  error?: string;
  /** What happened when the step failed and the plan said how to recover. */
  recovery?: string;
}

export interface ActContext {
  timeoutMs: number;
  probeTimeoutMs: number;
  deadline: Deadline;
  adminPassword: string | null;
  admin: AdminTarget;
  verifyIntervalMs: number;
  onCommand: (r: CommandResult) => void;
  onStep: (r: StepRecord) => void;
}

export interface ActResult {
  ok: boolean;
  records: StepRecord[];
  error?: string;
  final?: ServerStatus;
}

export async function executeSteps(steps: Step[], ctx: ActContext): Promise<ActResult> {
  const records: StepRecord[] = [];
  let final: ServerStatus | undefined;
  for (const step of steps) {
    if (ctx.deadline.expired()) {
      return { ok: false, records, error: `deadline of ${(ctx.deadline.totalMs / 1000).toFixed(1)} s passed before: ${step.description}` };
    }
    const { rec, verified } = await executeStep(step, ctx);
    records.push(rec);
    ctx.onStep(rec);
    if (verified) final = verified;
    if (!rec.ok) {
      if (step.kind === 'run' && step.fallback) {
        const fb = await executeSteps(step.fallback, ctx);
        records.push(...fb.records);
        if (!fb.ok) return { ok: false, records, error: fb.error ?? rec.error };
        continue;
      }
      return { ok: false, records, error: rec.error, ...(final ? { final } : {}) };
    }
  }
  return { ok: true, records, ...(final ? { final } : {}) };
}

async function executeStep(step: Step, ctx: ActContext): Promise<{ rec: StepRecord; verified?: ServerStatus }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  switch (step.kind) {
    case 'set-config-personality':
      try {
        writePersonality(step.path, step.to);
        return { rec: { description: step.description, kind: step.kind, ok: true, durationMs: elapsed() } };
      } catch (e) {
        return { rec: { description: step.description, kind: step.kind, ok: false, durationMs: elapsed(), error: `cannot rewrite ${step.path}: ${(e as Error).message}` } };
      }
    case 'write-env-file':
      try {
        writeEnvFile(step.path, step.role, step.autoRecovery);
        return { rec: { description: step.description, kind: step.kind, ok: true, durationMs: elapsed() } };
      } catch (e) {
        return { rec: { description: step.description, kind: step.kind, ok: false, durationMs: elapsed(), error: `cannot write ${step.path}: ${(e as Error).message}` } };
      }
    case 'verify': {
      const v = await verifyRole(step.role, ctx);
      return {
        rec: { description: step.description, kind: step.kind, ok: v.ok, durationMs: elapsed(), ...(v.ok ? {} : { error: v.error }) },
        ...(v.status ? { verified: v.status } : {}),
      };
    }
    case 'run': {
      let input: string | undefined;
      if (step.stdinSecret === 'admin-password') {
        if (!ctx.adminPassword) {
          return { rec: { description: step.description, kind: step.kind, argv: step.argv, ok: false, durationMs: elapsed(), error: 'ADMIN_PASSWORD is not set in the config: promote-shadow cannot authenticate' } };
        }
        input = `${ctx.adminPassword}\n`;
      }
      const timeoutMs = ctx.deadline.clamp(ctx.timeoutMs);
      const r = await runCommand(step.argv, { timeoutMs, ...(input !== undefined ? { input } : {}) });
      ctx.onCommand(r);
      const rec: StepRecord = {
        description: step.description,
        kind: step.kind,
        argv: step.argv,
        ok: r.exitCode === 0 && !r.timedOut,
        exitCode: r.exitCode,
        durationMs: r.durationMs,
        stderr: r.stderr,
      };
      if (!rec.ok) rec.error = describeFailure(r, timeoutMs);
      if (!rec.ok && step.escalation) {
        const esc = await escalate(step.escalation, ctx);
        rec.recovery = esc.story;
        if (esc.ok) {
          rec.ok = true;
        } else rec.error = `${rec.error}; ${esc.story}`;
      }
      rec.durationMs = elapsed();
      return { rec };
    }
  }
}

/**
 * A stop/restart that failed or hung: real LizardFS 3.12 shadows sometimes ignore SIGTERM and the
 * command then waits for the lock. Make sure the old server is gone (SIGKILL the pid holding the lock,
 * within our deadline), then start it in the wanted role with auto-recovery (a SIGKILL leaves a stale lock).
 */
async function escalate(e: NonNullable<Extract<Step, { kind: 'run' }>['escalation']>, ctx: ActContext): Promise<{ ok: boolean; story: string }> {
  const story: string[] = [];
  const run = async (argv: string[]) => {
    const timeoutMs = ctx.deadline.clamp(ctx.timeoutMs);
    const r = await runCommand(argv, { timeoutMs });
    ctx.onCommand(r);
    return { r, timeoutMs };
  };
  let { r } = await run(e.isaliveArgv);
  if (r.exitCode === 0) {
    const testArgv = [...e.isaliveArgv.slice(0, -1), 'test'];
    const t = await run(testArgv);
    const pid = Number(/pid:\s*(\d+)/.exec(t.r.stdout + t.r.stderr)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid <= 1) return { ok: false, story: 'the old server still holds the lock and `test` did not name its pid' };
    try {
      process.kill(pid, 'SIGKILL');
      story.push(`old server (pid ${pid}) still held the lock: killed it with SIGKILL`);
    } catch (err) {
      story.push(`could not kill pid ${pid}: ${(err as Error).message}`);
    }
    // Wait for the lock to be released.
    for (;;) {
      ({ r } = await run(e.isaliveArgv));
      if (r.exitCode !== 0 || ctx.deadline.expired()) break;
      await sleep(100);
    }
    if (r.exitCode === 0) return { ok: false, story: [...story, 'the server is still alive after SIGKILL'].join('; ') };
  } else if (r.exitCode !== 1) {
    return { ok: false, story: `\`isalive\` did not answer clearly (${describeFailure(r, ctx.timeoutMs)})` };
  }
  if (!e.startArgv) return { ok: true, story: [...story, 'server is stopped'].join('; ') };
  const s = await run(e.startArgv);
  if (s.r.exitCode === 0 && !s.r.timedOut) return { ok: true, story: [...story, 'started it again with auto-recovery'].join('; ') };
  return { ok: false, story: [...story, `start failed: ${describeFailure(s.r, s.timeoutMs)}`].join('; ') };
}

async function verifyRole(role: Role, ctx: ActContext): Promise<{ ok: boolean; status?: ServerStatus; error?: string }> {
  let last: ServerStatus | undefined;
  let lastAnswer: ServerStatus | undefined;
  for (;;) {
    // A probe cut to a few ms by the deadline would only report its own timeout.
    if (ctx.deadline.remainingMs() < 50) break;
    const { status, result } = await readServerStatus(ctx.admin, ctx.deadline.clamp(ctx.probeTimeoutMs));
    ctx.onCommand(result);
    last = status;
    if (status.reachable) lastAnswer = status;
    if (status.reachable && status.personality === role && (role === 'shadow' || status.serverStatus === 'running')) {
      return { ok: true, status };
    }
    const wait = Math.min(ctx.verifyIntervalMs, ctx.deadline.remainingMs());
    if (wait <= 0) break;
    await sleep(wait);
  }
  if (lastAnswer && last && !last.reachable) last = lastAnswer;
  const seen = !last ? 'no answer' : last.reachable ? `${last.personality} ${last.serverStatus}, metadata version ${last.metadataVersion}` : `unreachable (${last.reason})`;
  return {
    ok: false,
    ...(last ? { status: last } : {}),
    error: `server did not become ${role} within the ${(ctx.deadline.totalMs / 1000).toFixed(1)} s deadline; last seen: ${seen}`,
  };
}

export function envFileText(role: Role, autoRecovery: boolean): string {
  return [
    '# Written by lizardfs-ha before every `systemctl restart`: the role the server must start in.',
    `PERSONALITY=${role}`,
    `MFSMASTER_EXTRA_OPTS=${autoRecovery ? '-o auto-recovery' : ''}`,
    '',
  ].join('\n');
}

function writeEnvFile(file: string, role: Role, autoRecovery: boolean): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, envFileText(role, autoRecovery));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
