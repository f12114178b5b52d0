// The command-line surface: commands, options, help. Also the single source of the man page and the
// shell completion (scripts/gen-docs.mjs reads buildProgram()).
import path from 'node:path';
import { Command, Option } from 'commander';
import { EXIT, type Role } from '../engine/types.js';
import type { TransitionRequest } from '../engine/transition.js';
import { check, countSchema, DEFAULTS, ENV, InputError, ipSchema, pathSchema, portSchema, resolveSettings, STATE_ROLES, stateSchema, type RawOptions, type Settings } from './options.js';

export const VERSION = '0.1.0';

const EXIT_HELP = `
Exit status:
  0  done, or nothing to do (already in the wanted role); also a dry run
  1  the transition failed (command failed or hung, or the role was not verified in time)
  2  bad input or refused configuration: nothing was run
  3  refused by a safety guard (split brain, behind a peer, version-0 peer, empty master, last master); --force overrides
  4  superseded: a newer keepalived event arrived, this one was not acted on

Every option can also be set in the environment (LIZARDFS_HA_CONFIG, LIZARDFS_HA_TIMEOUT, ...;
see the README); the flag wins. Runs of notify/promote/demote are logged to syslog (tag lizardfs-ha).`;

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--config <path>', `metadata server config (default per flavor: /etc/mfs/mfsmaster.cfg) [${ENV.config}]`)
    .option('--flavor <name>', `lizardfs or saunafs: binary names and default paths [${ENV.flavor}]`)
    .option('--master-bin <cmd>', `metadata server binary (default mfsmaster / sfsmaster) [${ENV.masterBin}]`)
    .option('--admin-bin <cmd>', `admin tool (default lizardfs-admin / saunafs-admin) [${ENV.adminBin}]`)
    .option('--metarestore-bin <cmd>', `reads the on-disk metadata version (default mfsmetarestore / sfsmetarestore) [${ENV.metarestoreBin}]`)
    .option('--exec-prefix <words>', `run LizardFS binaries through this prefix, e.g. "chroot /srv/sid" [${ENV.execPrefix}]`)
    .option('--timeout <seconds>', `limit for each external command (default ${DEFAULTS.timeoutSec}) [${ENV.timeout}]`)
    .option('--probe-timeout <seconds>', `limit for each status probe (default ${DEFAULTS.probeTimeoutSec}) [${ENV.probeTimeout}]`)
    .option('--json', `print one JSON object instead of text [${ENV.json}]`)
    .option('--metrics-file <path>', `write node_exporter textfile metrics here after every transition and check [${ENV.metricsFile}]`)
    .option('-v, --verbose', `log every command and its stderr to stderr [${ENV.verbose}]`);
}

function transitionOptions(cmd: Command): Command {
  return commonOptions(cmd)
    .option('--dry-run', `observe and print the plan; change nothing [${ENV.dryRun}]`)
    .option('--deadline <seconds>', `limit for the whole transition, lock wait included (default ${DEFAULTS.deadlineSec}) [${ENV.deadline}]`)
    .option('--lock-timeout <seconds>', `-t passed to mfsmaster stop/restart (default ${DEFAULTS.lockTimeoutSec}) [${ENV.lockTimeout}]`)
    .option('--method <method>', `promotion: auto, admin (promote-shadow) or restart (default auto) [${ENV.method}]`)
    .option('--peer <host:port>', `another metadata server to check before promoting; repeatable [${ENV.peer}, comma separated]`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--force', `override the safety guards (split brain, behind a peer, empty master) [${ENV.force}]`)
    .option('--split-brain-wait <seconds>', `a promotion that finds the old master still running waits this long for it to step down, beyond --deadline (default: notify ${DEFAULTS.splitBrainWaitSec}, others 0: within --deadline) [${ENV.splitBrainWait}]`)
    .option('--demote-grace <seconds>', `on BACKUP, a running master with no live master peer waits this long for a newer event first; 0 disables (default ${DEFAULTS.demoteGraceSec}) [${ENV.demoteGrace}]`)
    .option('--service-manager <name>', `auto, direct or systemd (default auto: systemd if it runs) [${ENV.serviceManager}]`)
    .option('--unit <name>', `systemd unit of the server (default ${DEFAULTS.unit}) [${ENV.unit}]`)
    .option('--env-file <path>', `environment file the unit reads (default ${DEFAULTS.envFile}) [${ENV.envFile}]`)
    .option('--systemctl-bin <cmd>', `systemctl binary [${ENV.systemctlBin}]`)
    .option('--state-dir <path>', `lock, event order and history (default ${DEFAULTS.stateDir}) [${ENV.stateDir}]`)
    .option('--log-file <path>', `also append log lines to this file [${ENV.logFile}]`)
    .option('--no-syslog', `do not send log lines to syslog [${ENV.syslog}=0]`);
}


/** notify's words: `<state> <ip> <port>`, or keepalived's generic `INSTANCE|GROUP <name> <STATE> [priority]`. */
export function parseNotifyWords(words: string[], raw: { ip?: string; port?: string }, env: NodeJS.ProcessEnv): { event: string; wanted: Role; ip: string; port: number } {
  const first = words[0]?.toUpperCase();
  if (first === 'INSTANCE' || first === 'GROUP') {
    // Parse from the end: older keepalived passes 3 words (no priority).
    const hasPriority = words.length === 4 && /^\d+$/.test(words[3] ?? '');
    if (words.length !== 3 && !hasPriority) {
      throw new InputError(`invalid keepalived notify arguments ${JSON.stringify(words.join(' '))}: expected INSTANCE|GROUP <name> <STATE> [priority]`);
    }
    // DELETED comes only with notify_deleted: the instance is gone, like STOP.
    return notifyTarget(words[2] ?? '', raw, env);
  }
  if (words.length !== 3) {
    throw new InputError(
      `invalid notify arguments: expected <state> <ip> <port> (got ${words.length} word${words.length === 1 ? '' : 's'}: ${JSON.stringify(words.join(' '))})`,
    );
  }
  const [stateWord, ip, port] = words as [string, string, string];
  return { ...stateFor(stateWord, false), ip: check(ipSchema, ip, 'ip'), port: check(portSchema, port, 'port') };
}

function stateFor(word: string, generic: boolean): { event: string; wanted: Role } {
  const state = check(stateSchema(generic), word, 'state');
  return { event: word.toUpperCase(), wanted: STATE_ROLES[state] };
}

function notifyTarget(stateWord: string, raw: { ip?: string; port?: string }, env: NodeJS.ProcessEnv) {
  const ip = raw.ip ?? env.LIZARDFS_HA_IP ?? '127.0.0.1';
  const port = raw.port ?? env.LIZARDFS_HA_PORT ?? '9421';
  const ipField = raw.ip !== undefined ? '--ip' : env.LIZARDFS_HA_IP ? 'LIZARDFS_HA_IP (from the environment)' : 'ip';
  const portField = raw.port !== undefined ? '--port' : env.LIZARDFS_HA_PORT ? 'LIZARDFS_HA_PORT (from the environment)' : 'port';
  return { ...stateFor(stateWord, true), ip: check(ipSchema, ip, ipField), port: check(portSchema, port, portField) };
}

function target(ip: string | undefined, port: string | undefined): { ip: string; port: number } {
  return { ip: check(ipSchema, ip ?? '127.0.0.1', 'ip'), port: check(portSchema, port ?? '9421', 'port') };
}

function print(text: string) {
  process.stdout.write(text);
}

async function transition(command: 'notify' | 'promote' | 'demote', event: string | null, wanted: Role, ip: string, port: number, s: Settings, handedOver: TransitionRequest['handedOver'] = null) {
  const { runTransition } = await import('../engine/transition.js');
  const report = await runTransition({ command, event, wanted, ip, port, handedOver }, s);
  if (s.json) print(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const { colours, renderTransition } = await import('./output.js');
    print(renderTransition(report, colours()));
  }
  process.exitCode = report.exitCode;
}

export function buildProgram(env: NodeJS.ProcessEnv = process.env, fromFile: Map<string, string> = new Map()): Command {
  const program = new Command('lizardfs-ha')
    .description('Fail over LizardFS/SaunaFS metadata servers from keepalived: promote, demote, check, report.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`lizardfs-ha: ${str.replace(/^error: /, '')}`),
    })
    .addHelpText('after', EXIT_HELP);

  transitionOptions(
    program
      .command('notify')
      .summary('keepalived notify hook: notify <master|backup|fault|stop> <ip> <port>')
      .description(
        'Bring the local metadata server into the role keepalived just gave this node: master -> master; backup, fault, stop -> shadow.\n' +
          "Also accepts keepalived's generic notify form: INSTANCE|GROUP <name> <STATE> [priority] (ip/port from --ip/--port or LIZARDFS_HA_IP/LIZARDFS_HA_PORT).",
      )
      .argument('<words...>', '<state> <ip> <port>')
      .addOption(new Option('--ip <ip>', 'server address for the generic notify form'))
      .addOption(new Option('--port <port>', 'server port for the generic notify form'))
      .option('--detach <when>', `run the transition in its own session, out of reach of keepalived's kill of a STOP hook 1 s after it starts: auto (STOP and DELETED events), always or never (default auto) [${ENV.detach}]`),
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (words: string[], raw: RawOptions & { ip?: string; port?: string }) => {
      const n = parseNotifyWords(words, raw, env);
      const s = resolveSettings(raw, env, fromFile);
      s.splitBrainWaitMs ??= DEFAULTS.splitBrainWaitSec * 1000;
      let handedOver = null;
      if (!s.dryRun) {
        const { handedOverTo, handOff, shouldDetach } = await import('./detach.js');
        if (shouldDetach(s.detach, n.event)) {
          const code = await handOff(s.stateDir, n.ip, n.port);
          if (code !== null) {
            process.exitCode = code;
            return;
          }
        }
        handedOver = handedOverTo();
      }
      await transition('notify', n.event, n.wanted, n.ip, n.port, s, handedOver);
    });

  transitionOptions(
    program
      .command('fifo')
      .summary("vrrp_notify_fifo_script: apply keepalived's ordered events from its notify FIFO")
      .description(
        "Reads keepalived's notify FIFO (its path comes last, as keepalived appends it) and applies each transition in order,\n" +
          'collapsing a backlog to the newest event; other states (MASTER_RX_LOWER_PRI, *_PRIORITY) are ignored. On SIGTERM the\n' +
          'current transition is finished first. ip/port of the local server from --ip/--port or LIZARDFS_HA_IP/LIZARDFS_HA_PORT.',
      )
      .argument('<path>', 'the FIFO (vrrp_notify_fifo)')
      .addOption(new Option('--ip <ip>', 'local metadata server address (default 127.0.0.1)'))
      .addOption(new Option('--port <port>', 'local metadata server port (default 9421)'))
      .addOption(new Option('--instance <name>', 'only events of this vrrp_instance or group (default: all)'))
      .addOption(new Option('--track-file <path>', "also watch the server's admin port (TCP connect every 0.2 s) and keep this keepalived track_file at 1 while nothing listens there, else 0")),
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (fifoPath: string, raw: RawOptions & { ip?: string; port?: string; instance?: string; trackFile?: string }) => {
      const t = notifyTarget('master', raw, env);
      const s = resolveSettings(raw, env, fromFile);
      const trackFile = raw.trackFile === undefined ? null : path.resolve(check(pathSchema, raw.trackFile, '--track-file'));
      const { runFifoReader } = await import('./fifo.js');
      process.exitCode = await runFifoReader({ path: fifoPath, ip: t.ip, port: t.port, instance: raw.instance ?? null, trackFile }, s);
    });

  for (const [name, role] of [
    ['promote', 'master'],
    ['demote', 'shadow'],
  ] as const) {
    transitionOptions(
      program
        .command(name)
        .description(`${name === 'promote' ? 'Promote the metadata server to master' : 'Demote the metadata server to shadow'} (operators; same engine as notify)`)
        .argument('[ip]', 'server address', undefined)
        .argument('[port]', 'server port', undefined),
    )
      .addHelpText('after', EXIT_HELP)
      .action(async (ip: string | undefined, port: string | undefined, raw: RawOptions) => {
        const t = target(ip, port);
        await transition(name, null, role, t.ip, t.port, resolveSettings(raw, env, fromFile));
      });
  }

  commonOptions(
    program
      .command('status')
      .description('Show the server personality, status, metadata version and the config mode')
      .argument('[ip]', 'server address (default 127.0.0.1)')
      .argument('[port]', 'server port (default 9421)')
      .option('-w, --watch', 'live view refreshed every second until Ctrl-C (plain lines when not a TTY)')
      .option('--peer <host:port>', `other metadata servers to show with --watch; repeatable [${ENV.peer}]`, (v: string, prev: string[] = []) => [...prev, v])
      .option('--vip <ip>', 'with --watch: show whether this address is held by this host [LIZARDFS_HA_VIP]')
      .option('--count <n>', 'with --watch: stop after n refreshes')
      .option('--state-dir <path>', `where the history lives, for the last transition (default ${DEFAULTS.stateDir}) [${ENV.stateDir}]`),
  ).action(async (ip: string | undefined, port: string | undefined, raw: RawOptions & { watch?: boolean; vip?: string; count?: string }) => {
    const t = target(ip, port);
    const s = resolveSettings(raw, env, fromFile);
    if (raw.watch) {
      const vipRaw = raw.vip ?? env.LIZARDFS_HA_VIP;
      const vip = vipRaw ? check(ipSchema, vipRaw, raw.vip ? '--vip' : 'LIZARDFS_HA_VIP (from the environment)') : null;
      const count = raw.count === undefined ? null : check(countSchema, raw.count, '--count');
      const { watchStatus } = await import('./watch.js');
      const { colours } = await import('./output.js');
      await watchStatus({ admin: { adminCommand: s.adminCommand, ...t }, peers: s.peers, probeTimeoutMs: s.probeTimeoutMs, stateDir: s.stateDir, vip, intervalMs: 1000, count }, colours());
      return;
    }
    const { readServerStatus, isHealthy } = await import('../lizardfs/status.js');
    const { readMasterConfig } = await import('../lizardfs/config.js');
    const { status } = await readServerStatus({ adminCommand: s.adminCommand, ...t }, s.probeTimeoutMs);
    let config;
    let dataPath = s.dataPath;
    try {
      const c = readMasterConfig(s.configPath);
      config = { path: c.path, mode: c.mode, personality: c.personality };
      dataPath = c.dataPath ?? dataPath;
    } catch (e) {
      config = { path: s.configPath, error: (e as Error).message };
    }
    // Nothing in RAM: what is on disk is what a promotion would serve, and what a person compares
    // between two version-0 shadows (the unknown-peer-metadata refusal).
    let disk: { version: number | null; error: string | null } | null = null;
    if (!(status.reachable && status.metadataVersion > 0)) {
      const { readDiskVersion } = await import('../lizardfs/disk-version.js');
      const d = await readDiskVersion(s.metarestoreCommand, dataPath, s.timeoutMs);
      disk = { version: d.version, error: d.error };
    }
    const view = { server: t, status, healthy: isHealthy(status), config, disk };
    if (s.json) print(`${JSON.stringify(view, null, 2)}\n`);
    else {
      const { colours, renderStatus } = await import('./output.js');
      print(renderStatus(view, colours()));
    }
    process.exitCode = status.reachable ? EXIT.ok : EXIT.failed;
  });

  commonOptions(
    program
      .command('check')
      .description('VRRP track check: exit 0 when the server is a running master or a shadow with metadata (version > 0), else 1')
      .argument('[ip]', 'server address (default 127.0.0.1)')
      .argument('[port]', 'server port (default 9421)'),
  ).action(async (ip: string | undefined, port: string | undefined, raw: RawOptions) => {
    const t = target(ip, port);
    const s = resolveSettings(raw, env, fromFile);
    const { readServerStatus, isHealthy } = await import('../lizardfs/status.js');
    const { status } = await readServerStatus({ adminCommand: s.adminCommand, ...t }, s.probeTimeoutMs, true);
    const healthy = isHealthy(status);
    if (s.metricsFile) {
      const { recordCheck } = await import('../log/metrics.js');
      await recordCheck(s.metricsFile, {
        healthy,
        role: status.reachable && status.personality !== 'unknown' ? status.personality : 'unknown',
        metadataVersion: status.reachable ? status.metadataVersion : null,
        timestampSeconds: Date.now() / 1000,
      });
    }
    if (s.json) print(`${JSON.stringify({ server: t, healthy, status })}\n`);
    else {
      const { colours, renderCheck } = await import('./output.js');
      print(renderCheck(status, healthy, colours()));
    }
    process.exitCode = healthy ? EXIT.ok : EXIT.failed;
  });

  program
    .command('keepalived-config')
    .description("Print one node's keepalived.conf for a lizardfs-ha group (the shipped configs, with your addresses)")
    .requiredOption('--node-address <ip>', "this node's IPv4 address on --interface (VRRP source)")
    .option('--unicast-peer <ip>', 'another node of the group (repeatable); none: multicast VRRP', (v: string, prev: string[] = []) => [...prev, v])
    .requiredOption('--vip <ip/prefix>', 'the floating address, e.g. 10.0.0.9/24')
    .option('--interface <name>', 'interface for the VIP and the adverts', 'eth0')
    .option('--priority <n>', '1-254: decides the first election only (nopreempt)', '100')
    .option('--router-id <n>', 'virtual_router_id, 1-255, the same on every node', '51')
    .option('--advert-int <seconds>', 'advert interval; below 1 s uses VRRPv3', '1')
    .option('--instance <name>', 'vrrp_instance name', 'VI_LIZARDFS')
    .option('--node-name <name>', 'router_id in global_defs (default: none)')
    .option('--lizardfs-ha <path>', 'absolute path of lizardfs-ha for the hooks', '/usr/sbin/lizardfs-ha')
    .option('--check-script <path>', 'absolute path of the track script', '/usr/lib/lizardfs-ha/lizardfs-ha-check')
    .option('--admin-ip <ip>', 'where the local metadata server answers', '127.0.0.1')
    .option('--admin-port <port>', 'its admin port', '9421')
    .option('--fifo <path>', "deliver events through keepalived's notify FIFO to `lizardfs-ha fifo` instead of notify_* hooks")
    .option('--track-file <path>', 'with --fifo: the reader also watches the server and keeps this keepalived track_file (FAULT the moment the server is gone), e.g. /run/lizardfs-ha/server.track')
    .option('--check-interval <seconds>', 'track script interval (whole seconds)', '1')
    .option('--check-fall <n>', 'failed checks before FAULT', '2')
    .option('--check-rise <n>', 'good checks before the node may hold the VIP again', '2')
    .action(async (raw: Record<string, string | string[] | undefined>) => {
      const { keepalivedConfigFromFlags } = await import('./keepalived-config.js');
      print(keepalivedConfigFromFlags(raw));
    });

  program
    .command('history')
    .description('Show the audit trail of transitions on this host (newest last)')
    .option('-n, --lines <count>', 'how many entries (default 20)')
    .option('--state-dir <path>', `where the history lives (default ${DEFAULTS.stateDir}) [${ENV.stateDir}]`)
    .option('--json', 'print JSON lines as recorded')
    .action(async (raw: { lines?: string; stateDir?: string; json?: boolean }) => {
      const n = raw.lines === undefined ? 20 : check(countSchema, raw.lines, '--lines');
      const s = resolveSettings({ ...(raw.stateDir !== undefined ? { stateDir: raw.stateDir } : {}), ...(raw.json ? { json: true } : {}) }, env, fromFile);
      const { readHistory, renderHistory } = await import('./history.js');
      const entries = readHistory(s.stateDir, n);
      if (s.json) print(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      else {
        const { colours } = await import('./output.js');
        print(renderHistory(entries, colours()));
      }
    });

  return program;
}

