// planTransition: (wanted role, observation, options) -> ordered steps. Pure: no I/O, no clock.
//
// The plan only ever issues commands valid for the config mode it read, because a real
// `mfsmaster restart` stops the running server BEFORE it validates its options: a refused restart
// leaves no server at all.
import { masterArgv } from '../lizardfs/commands.js';
import { isHealthy } from '../lizardfs/status.js';
import type { Observation, Plan, PlanOptions, Role, Step } from './types.js';

export function planTransition(wanted: Role, obs: Observation, opts: PlanOptions): Plan {
  const notes: string[] = [];
  const refuse = (refusal: Plan['refusal'], reason: string): Plan => ({ wanted, outcome: 'refused', refusal, reason, steps: [], notes });
  const { server, config } = obs;
  const classic = config.mode === 'classic';

  if (opts.method === 'admin' && classic && wanted === 'master') {
    return refuse('method', `--method admin needs PERSONALITY = ha-cluster-managed (promote-shadow answers "Operation not possible" on a ${config.personality} config)`);
  }
  if (obs.liveness === 'refused') {
    return refuse('config', `${opts.master.masterCommand.join(' ')} refused even \`isalive\` with this config (${config.path}, PERSONALITY = ${config.personality}): fix the config or --config first`);
  }

  const current: Role | 'unknown' | 'down' = server.reachable
    ? server.personality
    : obs.liveness === 'dead'
      ? 'down'
      : 'unknown';

  // Already there. A classic config must still say so, or the next restart flips the role back.
  if (current === wanted && (!server.reachable || wanted !== 'master' || server.serverStatus === 'running')) {
    if (classic && config.personality !== wanted) {
      return {
        wanted,
        outcome: 'transition',
        method: 'config-only',
        reason: `server is already ${wanted}; config says PERSONALITY = ${config.personality}, setting it to ${wanted} so a restart keeps the role`,
        steps: [setPersonality(config.path, config.personality, wanted)],
        notes,
      };
    }
    return { wanted, outcome: 'nothing-to-do', reason: `server is already ${wanted}`, steps: [], notes };
  }

  if (wanted === 'shadow') return planDemotion(current, obs, opts, notes);

  // --- Promotion guards. Demotion is never blocked. ---
  const ourVersion = server.reachable && server.metadataVersion > 0 ? server.metadataVersion : obs.diskVersion;
  for (const peer of obs.peers) {
    const p = peer.status;
    if (!p.reachable) {
      notes.push(`peer ${peer.address}: unreachable (${p.reason}); not blocking`);
      continue;
    }
    notes.push(`peer ${peer.address}: ${p.personality} ${p.serverStatus}, metadata version ${p.metadataVersion}; ours ${ourVersion ?? 'unknown'}`);
  }
  if (!opts.force) {
    const liveMaster = obs.peers.find((p) => p.status.reachable && p.status.personality === 'master' && p.status.serverStatus === 'running');
    if (liveMaster) {
      return refuse('split-brain', `peer ${liveMaster.address} is still a running master: promoting would make two masters (use --force once it is fenced)`);
    }
    const ahead = obs.peers.find((p) => p.status.reachable && ourVersion !== null && p.status.metadataVersion > ourVersion);
    if (ahead && ahead.status.reachable) {
      return refuse('behind-peer', `peer ${ahead.address} has metadata version ${ahead.status.metadataVersion}, ours is ${ourVersion}: promoting would lose its changes (use --force to accept the loss)`);
    }
    // Promoting from disk (nothing in RAM here) next to a peer that has nothing in RAM either: that
    // peer's disk may hold newer metadata (a crashed master restarted as a shadow by its FAULT hook
    // does), and it cannot be read from here. Choosing wrong loses acknowledged writes, and the loser
    // then resyncs from the winner, erasing the evidence (docs/real-lab.md, finding 5): a person
    // compares the two disks. A shadow with metadata in RAM was synced with the old master, so the
    // ordinary failover (crashed master restarted as a version-0 shadow) is not blocked.
    const fromDisk = !(server.reachable && server.metadataVersion > 0);
    const blind = fromDisk ? obs.peers.find((p) => p.status.reachable && p.status.personality !== 'master' && p.status.metadataVersion === 0) : undefined;
    if (blind) {
      return refuse(
        'unknown-peer-metadata',
        `peer ${blind.address} has no metadata in RAM (version 0) and neither has this server: its on-disk metadata may be newer than ours (on-disk version ${ourVersion ?? 'unknown'}) and cannot be read from here. ` +
          'Compare `lizardfs-ha status` (on-disk version) on both hosts and promote the newer one with --force',
      );
    }
  }

  const ramVersion = server.reachable ? server.metadataVersion : 0;
  const restartPromotion = (): Plan => {
    // Nothing in RAM: whatever is on disk is what the new master will serve.
    if (!opts.force) {
      if (obs.diskVersion === null) {
        return refuse('empty-master', `cannot tell the metadata version on disk (${obs.diskVersionError ?? 'not read'}): starting a master without it may create an EMPTY file system (use --force to accept)`);
      }
      // 0: no metadata file; 1: a freshly created, empty one (SaunaFS 5.8 and LizardFS alike).
      if (obs.diskVersion <= 1) {
        return refuse('empty-master', `no metadata in RAM and none on disk (on-disk version ${obs.diskVersion}): a master started now would be an EMPTY file system (use --force to accept)`);
      }
    }
    if (current === 'down') return startAs('master', obs, opts, notes, wanted);
    return restartAs('master', obs, opts, notes, wanted, `server is ${describe(current, server)}`);
  };

  if (current === 'shadow' && ramVersion > 0) {
    if (classic) {
      // Re-reading a config that now says master promotes in place: same pid, same metadata.
      return {
        wanted,
        outcome: 'transition',
        method: 'reload',
        reason: `shadow with metadata version ${ramVersion}: promote in place by reload (classic config)`,
        steps: [
          setPersonality(config.path, config.personality, 'master'),
          { kind: 'run', description: 'reload the config: shadow -> master in place', argv: masterArgv(opts.master, 'reload') },
          ...envFileIfSystemd('master', opts),
          verify('master'),
        ],
        notes,
      };
    }
    if (opts.method !== 'restart') {
      const fallbackPlan = opts.method === 'auto' ? restartAs('master', obs, opts, notes, wanted, 'promote-shadow failed') : null;
      const promote: Step = {
        kind: 'run',
        description: 'promote-shadow (in place, password on stdin)',
        argv: [...opts.admin.adminCommand, 'promote-shadow', opts.admin.ip, String(opts.admin.port)],
        stdinSecret: 'admin-password',
        ...(fallbackPlan ? { fallback: fallbackPlan.steps.filter((s) => s.kind !== 'verify') } : {}),
      };
      return {
        wanted,
        outcome: 'transition',
        method: 'admin',
        reason: `shadow with metadata version ${ramVersion}: promote in place with promote-shadow${fallbackPlan ? ', restart-based promotion if it fails' : ''}`,
        steps: [promote, ...envFileIfSystemd('master', opts), verify('master')],
        notes,
      };
    }
    return restartAs('master', obs, opts, notes, wanted, `shadow with metadata version ${ramVersion}, --method restart`);
  }

  if (current === 'shadow' && opts.method === 'admin') {
    return refuse('method', 'the shadow has metadata version 0 in RAM: promote-shadow would make it abort and exit, so --method admin cannot be used (auto or restart would promote from disk)');
  }
  return restartPromotion();
}

function planDemotion(current: Role | 'unknown' | 'down', obs: Observation, opts: PlanOptions, notes: string[]): Plan {
  if (current === 'down') return startAs('shadow', obs, opts, notes, 'shadow');
  // A demoted master comes back as a shadow with nothing in RAM (version 0) until it syncs from a
  // master. If every peer answered and none could take over, demoting would leave the cluster with
  // no eligible node at all (every track check failing, nobody ever promoted again). Keep it; it
  // can take the VIP back. Peers that do not answer may be masters elsewhere: then demote.
  if (current === 'master' && !opts.force && obs.peers.length > 0) {
    const answered = obs.peers.every((p) => p.status.reachable);
    const eligible = obs.peers.filter((p) => isHealthy(p.status));
    for (const p of obs.peers) {
      notes.push(`peer ${p.address}: ${p.status.reachable ? `${p.status.personality} ${p.status.serverStatus}, metadata version ${p.status.metadataVersion}` : `unreachable (${p.status.reason})`}`);
    }
    if (answered && eligible.length === 0) {
      return {
        wanted: 'shadow',
        outcome: 'refused',
        refusal: 'last-master',
        reason: `no peer could take over (${obs.peers.map((p) => `${p.address} ${p.status.reachable ? `${p.status.personality} v${p.status.metadataVersion}` : 'down'}`).join(', ')}): demoting the only master would leave no eligible node; keeping it (use --force to demote anyway)`,
        steps: [],
        notes,
      };
    }
  }
  return restartAs('shadow', obs, opts, notes, 'shadow', `server is ${describe(current, obs.server)}`);
}

function describe(current: Role | 'unknown' | 'down', server: Observation['server']): string {
  if (current === 'unknown') {
    return server.reachable ? 'answering with an unknown personality' : `alive but not answering (${server.reason})`;
  }
  if (current === 'down') return 'not running';
  if (!server.reachable) return current;
  return `${current} ${server.serverStatus}, metadata version ${server.metadataVersion}`;
}

function startAs(role: Role, obs: Observation, opts: PlanOptions, notes: string[], wanted: Role): Plan {
  const autoRecovery = role === 'master';
  const steps: Step[] = [];
  if (obs.config.mode === 'classic') steps.push(setPersonality(obs.config.path, obs.config.personality, role));
  if (opts.serviceManager === 'systemd') {
    steps.push(envFile(role, autoRecovery, opts), systemctl('restart', opts));
  } else {
    steps.push({
      kind: 'run',
      description: `start as ${role}`,
      argv: masterArgv(opts.master, 'start', { role, autoRecovery }),
    });
  }
  steps.push(verify(role));
  return {
    wanted,
    outcome: 'transition',
    method: opts.serviceManager === 'systemd' ? 'systemd' : 'start',
    reason: `server is not running: start it as ${role}${autoRecovery ? ' with auto-recovery (a crash leaves a stale lock)' : ''}`,
    steps,
    notes,
  };
}

function restartAs(role: Role, obs: Observation, opts: PlanOptions, notes: string[], wanted: Role, why: string): Plan {
  const autoRecovery = role === 'master';
  const steps: Step[] = [];
  if (obs.config.mode === 'classic') steps.push(setPersonality(obs.config.path, obs.config.personality, role));
  if (opts.serviceManager === 'systemd') {
    steps.push(envFile(role, autoRecovery, opts), systemctl('restart', opts));
  } else {
    steps.push({
      kind: 'run',
      description: `restart as ${role}`,
      argv: masterArgv(opts.master, 'restart', { role, autoRecovery }),
      escalation: {
        isaliveArgv: masterArgv(opts.master, 'isalive'),
        startArgv: masterArgv(opts.master, 'start', { role, autoRecovery: true }),
      },
    });
  }
  steps.push(verify(role));
  return {
    wanted,
    outcome: 'transition',
    method: opts.serviceManager === 'systemd' ? 'systemd' : 'restart',
    reason: `${why}: restart it as ${role}${autoRecovery ? ' with auto-recovery' : ''}`,
    steps,
    notes,
  };
}

function setPersonality(path: string, from: string, to: Role): Step {
  return { kind: 'set-config-personality', description: `set PERSONALITY = ${to} in ${path} (was ${from})`, path, to };
}

function envFile(role: Role, autoRecovery: boolean, opts: PlanOptions): Step {
  return {
    kind: 'write-env-file',
    description: `write PERSONALITY=${role} to ${opts.systemd.envFile}`,
    path: opts.systemd.envFile,
    role,
    autoRecovery,
  };
}

function envFileIfSystemd(role: Role, opts: PlanOptions): Step[] {
  // The unit must restart the server in the role it now has, or a later crash-restart flips it back.
  return opts.serviceManager === 'systemd' ? [envFile(role, false, opts)] : [];
}

function systemctl(action: 'restart', opts: PlanOptions): Step {
  return { kind: 'run', description: `systemctl ${action} ${opts.systemd.unit}`, argv: [...opts.systemd.systemctl, action, opts.systemd.unit] };
}

function verify(role: Role): Step {
  return { kind: 'verify', description: `wait until the server reports ${role === 'master' ? 'master running' : 'shadow'}`, role };
}
