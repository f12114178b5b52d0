// Observe: read the server, its config, and (only when a promotion may depend on them) the metadata
// version on disk and the peers. Never throws for an unreachable server: that is a state.
import { runCommand, type CommandResult } from '../exec/run.js';
import { masterArgv } from '../lizardfs/commands.js';
import { readMasterConfig, type MasterConfig } from '../lizardfs/config.js';
import { readDiskVersion } from '../lizardfs/disk-version.js';
import { readServerStatus, type ServerStatus } from '../lizardfs/status.js';
import type { Deadline } from './deadline.js';
import type { Liveness, Observation, PeerObservation, PlanOptions, Role } from './types.js';

export interface ObserveContext {
  plan: PlanOptions;
  metarestoreCommand: string[];
  dataPath: string;
  timeoutMs: number;
  probeTimeoutMs: number;
  peers: { host: string; port: number }[];
  deadline: Deadline;
  onCommand: (r: CommandResult) => void;
}

export async function observeServer(ctx: ObserveContext, config: MasterConfig, wanted: Role, alwaysPeers = false): Promise<Observation> {
  const askPeers = () =>
    Promise.all(
      ctx.peers.map(async (p): Promise<PeerObservation> => {
        const r = await readServerStatus({ ...ctx.plan.admin, ip: p.host, port: p.port }, ctx.deadline.clamp(ctx.probeTimeoutMs));
        ctx.onCommand(r.result);
        return { address: `${p.host}:${p.port}`, status: r.status };
      }),
    );
  // A promotion is the moment clients wait: ask the peers while the local server is being asked.
  const early = (wanted === 'master' || alwaysPeers) && ctx.peers.length > 0 ? askPeers() : null;

  const { status, result } = await readServerStatus(ctx.plan.admin, ctx.deadline.clamp(ctx.probeTimeoutMs));
  ctx.onCommand(result);

  let liveness: Liveness | null = null;
  if (!status.reachable) liveness = await readLiveness(ctx);

  const promoting = wanted === 'master' && !(status.reachable && status.personality === 'master');
  let diskVersion: number | null = null;
  let diskVersionError: string | null = null;
  if (promoting && !(status.reachable && status.personality === 'shadow' && status.metadataVersion > 0)) {
    ({ diskVersion, diskVersionError } = await diskVersionOf(ctx, config));
  }

  // Peers matter for a promotion (split brain, behind a peer) and for demoting a running master
  // (is anyone left to take over?).
  const demotingMaster = wanted === 'shadow' && status.reachable && status.personality === 'master';
  let peers: PeerObservation[] = [];
  if (early) {
    const answers = await early;
    if (promoting || alwaysPeers) peers = answers;
  } else if (demotingMaster && ctx.peers.length > 0) {
    peers = await askPeers();
  }
  return { server: status, liveness, config, diskVersion, diskVersionError, peers };
}

export async function readLiveness(ctx: ObserveContext): Promise<Liveness> {
  const mode = ctx.plan.master;
  const r = await runCommand(masterArgv(mode, 'isalive'), { timeoutMs: ctx.deadline.clamp(ctx.probeTimeoutMs) });
  ctx.onCommand(r);
  if (r.exitCode === 0) return 'alive';
  if (r.exitCode === 1) return 'dead';
  if (r.exitCode === 2) return 'refused';
  return 'unknown';
}

async function diskVersionOf(ctx: ObserveContext, config: MasterConfig): Promise<{ diskVersion: number | null; diskVersionError: string | null }> {
  const d = await readDiskVersion(ctx.metarestoreCommand, config.dataPath ?? ctx.dataPath, ctx.deadline.clamp(ctx.timeoutMs));
  ctx.onCommand(d.result);
  return { diskVersion: d.version, diskVersionError: d.error };
}

export function configOrError(path: string): { config: MasterConfig } | { error: string } {
  try {
    return { config: readMasterConfig(path) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export type { ServerStatus };
