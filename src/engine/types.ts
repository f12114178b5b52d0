import type { MasterConfig } from '../lizardfs/config.js';
import type { MasterCommandContext } from '../lizardfs/commands.js';
import type { AdminTarget, Role, ServerStatus } from '../lizardfs/status.js';

export type { Role };

export type Method = 'auto' | 'admin' | 'restart';
export type ServiceManager = 'direct' | 'systemd';

/** What `mfsmaster isalive` said: 0 alive, 1 dead, 2 the call itself was refused. */
export type Liveness = 'alive' | 'dead' | 'refused' | 'unknown';

export interface PeerObservation {
  address: string;
  status: ServerStatus;
}

export interface Observation {
  server: ServerStatus;
  /** Asked only when the server did not answer (a failed probe does not prove it is dead). */
  liveness: Liveness | null;
  config: MasterConfig;
  /** Metadata version on disk (mfsmetarestore -g); asked only when a promotion may depend on it. */
  diskVersion: number | null;
  diskVersionError: string | null;
  peers: PeerObservation[];
}

export interface SystemdContext {
  unit: string;
  envFile: string;
  systemctl: string[];
}

export interface PlanOptions {
  method: Method;
  force: boolean;
  serviceManager: ServiceManager;
  master: MasterCommandContext;
  admin: AdminTarget;
  systemd: SystemdContext;
}

export type Step =
  | {
      kind: 'run';
      description: string;
      argv: string[];
      /** Feed ADMIN_PASSWORD from the config on stdin (promote-shadow). */
      stdinSecret?: 'admin-password';
      /** For stop/restart: when it fails or hangs, make sure the old server is gone, then start. */
      escalation?: { isaliveArgv: string[]; startArgv: string[] | null };
      /** Run these instead when this step fails (promote-shadow -> restart-based promotion). */
      fallback?: Step[];
    }
  | { kind: 'set-config-personality'; description: string; path: string; to: Role }
  | { kind: 'write-env-file'; description: string; path: string; role: Role; autoRecovery: boolean }
  | { kind: 'verify'; description: string; role: Role };

export type PlanOutcome = 'nothing-to-do' | 'transition' | 'refused';
export type RefusalKind = 'config' | 'split-brain' | 'behind-peer' | 'unknown-peer-metadata' | 'empty-master' | 'last-master' | 'method';

export interface Plan {
  wanted: Role;
  outcome: PlanOutcome;
  /** One sentence an operator can act on. */
  reason: string;
  refusal?: RefusalKind;
  method?: 'admin' | 'restart' | 'reload' | 'start' | 'systemd' | 'config-only';
  steps: Step[];
  /** Facts the guards looked at, for the log (both sides' versions). */
  notes: string[];
}

export type Outcome = 'done' | 'nothing-to-do' | 'dry-run' | 'failed' | 'refused' | 'bad-input' | 'superseded';

export const EXIT = {
  ok: 0,
  failed: 1,
  badInput: 2,
  refused: 3,
  superseded: 4,
} as const;
