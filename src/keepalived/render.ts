// Renders one node's keepalived.conf for a lizardfs-ha group.
//
// Pure: no I/O, no imports. The output follows keepalived/two-node/*.conf
// (the reference, where every setting is explained) and passes
// `keepalived -t` (keepalived 2.2.7) once the check script exists and is
// root-owned and not writable by others, and the interface exists.

/** Track-script tuning; whole seconds (keepalived accepts no fractions here). */
export interface KeepalivedCheckOptions {
  /** Seconds between probes (default 1). */
  interval?: number;
  /** Seconds after which keepalived counts a probe as failed (default 1). */
  timeout?: number;
  /** Failed probes in a row before FAULT (default 2). */
  fall?: number;
  /** Good probes in a row before the node may hold the VIP again (default 2). */
  rise?: number;
}

export interface KeepalivedOptions {
  /** This node's address on `interface`: the source of its VRRP adverts (unicast_src_ip). */
  nodeAddress: string;
  /**
   * Every other node of the group (unicast_peer). Empty: multicast VRRP,
   * for networks that carry it.
   */
  peers: string[];
  /** Virtual IP address (IPv4) that follows the master. */
  vip: string;
  /** Prefix length of the VIP, e.g. 24. */
  vipPrefix: number;
  /** Interface carrying the VIP and the adverts, e.g. eth0. */
  interface: string;
  /** 1-254; decides the first election only (nopreempt keeps the VIP where it is afterwards). */
  priority: number;
  /** 1-255; the same on every node of the group, unique on the segment. */
  virtualRouterId: number;
  /** Seconds between adverts. Below 1 s (multiples of 0.01) needs VRRPv3, which is then used. */
  advertInt: number;
  /** vrrp_instance name, e.g. VI_LIZARDFS. */
  instanceName: string;
  /** Absolute path of the lizardfs-ha executable the hooks call. */
  lizardfsHaPath: string;
  /** Absolute path of the track script (keepalived/lizardfs-ha-check). */
  checkScriptPath: string;
  /** Where the LOCAL metadata server answers admin requests (usually 127.0.0.1). */
  adminIp: string;
  /** Its admin port (MATOCL_LISTEN_PORT, usually 9421). */
  adminPort: number;
  /** router_id in global_defs: names the node in keepalived's log. */
  nodeName?: string;
  /** Force a VRRP version; by default 3 when advertInt is below 1 s, else keepalived's default (2). */
  vrrpVersion?: 2 | 3;
  /**
   * Deliver transitions through keepalived's notify FIFO to one
   * `lizardfs-ha fifo` reader instead of notify_* hooks.
   */
  fifo?: { path: string };
  /**
   * With `fifo`: the reader also watches the local server's admin port (a TCP connect every 0.2 s),
   * and writes 1 to this file the moment nothing listens there, 0 when it
   * does; keepalived reads it on every change (track_file, weight 0: non-zero = FAULT). A crashed
   * server then costs the VIP at once instead of at the next failed check.
   */
  trackFile?: { path: string };
  check?: KeepalivedCheckOptions;
}

export interface KeepalivedProblem {
  /** Option name, dotted for nested ones (peers.1, check.fall). */
  field: string;
  value: unknown;
  /** What would have been accepted. */
  expected: string;
}

export class KeepalivedOptionsError extends Error {
  readonly problems: KeepalivedProblem[];
  constructor(problems: KeepalivedProblem[]) {
    super(
      'invalid keepalived options: ' +
        problems.map((p) => `${p.field}=${JSON.stringify(p.value)} (expected ${p.expected})`).join('; '),
    );
    this.name = 'KeepalivedOptionsError';
    this.problems = problems;
  }
}

export const KEEPALIVED_CHECK_DEFAULTS: Required<KeepalivedCheckOptions> = {
  interval: 1,
  timeout: 1,
  fall: 2,
  rise: 2,
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// keepalived splits words on blanks, has no escapes inside quotes, and treats
// # and ! as comments: keep paths and names to characters that need none.
const SAFE_PATH = /^\/[A-Za-z0-9._+\/-]*$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function centiseconds(v: number): number | undefined {
  const cs = Math.round(v * 100);
  return Math.abs(cs - v * 100) < 1e-6 ? cs : undefined;
}

/** The VRRP version the rendered config will ask for (undefined: keepalived's default, 2). */
function vrrpVersionFor(o: KeepalivedOptions): 2 | 3 | undefined {
  if (o.vrrpVersion !== undefined) return o.vrrpVersion;
  return Number.isInteger(o.advertInt) ? undefined : 3;
}

/** Every problem with the options; empty when renderKeepalivedConfig will accept them. */
export function validateKeepalivedOptions(options: KeepalivedOptions): KeepalivedProblem[] {
  const problems: KeepalivedProblem[] = [];
  const o = (options ?? {}) as unknown as Record<string, unknown>;
  const bad = (field: string, value: unknown, expected: string): void => {
    problems.push({ field, value, expected });
  };
  const ipv4 = (field: string, v: unknown): boolean => {
    if (typeof v === 'string' && IPV4.test(v)) return true;
    bad(field, v, 'an IPv4 address (dotted quad, no leading zeros)');
    return false;
  };
  const path = (field: string, v: unknown): void => {
    if (typeof v !== 'string' || !SAFE_PATH.test(v) || v.length < 2 || v.endsWith('/') || v.split('/').includes('..')) {
      bad(field, v, 'an absolute path of letters, digits and . _ + - / (keepalived cannot quote anything else)');
    }
  };

  ipv4('nodeAddress', o.nodeAddress);
  const vipOk = ipv4('vip', o.vip);
  if (vipOk && o.vip === o.nodeAddress) bad('vip', o.vip, "an address other than the node's own (nodeAddress)");
  if (!isInt(o.vipPrefix, 1, 32)) bad('vipPrefix', o.vipPrefix, 'an integer 1-32');

  if (!Array.isArray(o.peers)) {
    bad('peers', o.peers, 'an array of IPv4 addresses (empty for multicast VRRP)');
  } else {
    const seen = new Set<unknown>();
    o.peers.forEach((p: unknown, i: number) => {
      const field = `peers.${i}`;
      if (!ipv4(field, p)) return;
      if (p === o.nodeAddress) bad(field, p, 'another node\'s address, not this node\'s own (nodeAddress)');
      else if (p === o.vip) bad(field, p, 'a node address, not the VIP');
      else if (seen.has(p)) bad(field, p, 'each peer once');
      seen.add(p);
    });
  }

  if (typeof o.interface !== 'string' || !IFNAME.test(o.interface)) {
    bad('interface', o.interface, 'a Linux interface name (1-15 of letters, digits, _ . -)');
  }
  if (!isInt(o.priority, 1, 254)) {
    bad('priority', o.priority, 'an integer 1-254 (255 means address owner, which never starts as BACKUP)');
  }
  if (!isInt(o.virtualRouterId, 1, 255)) bad('virtualRouterId', o.virtualRouterId, 'an integer 1-255');

  if (o.vrrpVersion !== undefined && o.vrrpVersion !== 2 && o.vrrpVersion !== 3) {
    bad('vrrpVersion', o.vrrpVersion, '2 or 3');
  }
  const adv = o.advertInt;
  if (typeof adv !== 'number' || !Number.isFinite(adv)) {
    bad('advertInt', adv, 'a number of seconds');
  } else if (Number.isInteger(adv) && o.vrrpVersion !== 3) {
    if (adv < 1 || adv > 255) bad('advertInt', adv, 'whole seconds 1-255 (VRRPv2)');
  } else {
    const cs = centiseconds(adv);
    if (o.vrrpVersion === 2) {
      bad('advertInt', adv, 'whole seconds with vrrpVersion 2 (below 1 s or fractions need VRRPv3)');
    } else if (cs === undefined || cs < 1 || cs > 4095) {
      bad('advertInt', adv, 'seconds 0.01-40.95 in steps of 0.01 (VRRPv3)');
    }
  }

  if (typeof o.instanceName !== 'string' || !NAME.test(o.instanceName)) {
    bad('instanceName', o.instanceName, 'a name of 1-64 letters, digits, _ . - (e.g. VI_LIZARDFS)');
  }
  if (o.nodeName !== undefined && (typeof o.nodeName !== 'string' || !NAME.test(o.nodeName))) {
    bad('nodeName', o.nodeName, 'a name of 1-64 letters, digits, _ . -');
  }
  path('lizardfsHaPath', o.lizardfsHaPath);
  path('checkScriptPath', o.checkScriptPath);
  ipv4('adminIp', o.adminIp);
  if (!isInt(o.adminPort, 1, 65535)) bad('adminPort', o.adminPort, 'a TCP port 1-65535');

  if (o.fifo !== undefined) {
    const f = o.fifo as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null) bad('fifo', f, 'an object { path }');
    else path('fifo.path', f.path);
  }

  if (o.trackFile !== undefined) {
    const f = o.trackFile as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null) bad('trackFile', f, 'an object { path }');
    else path('trackFile.path', f.path);
    if (o.fifo === undefined) bad('trackFile', f?.path ?? f, 'fifo as well (the FIFO reader is what watches the server)');
  }

  if (o.check !== undefined) {
    const c = o.check as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null) {
      bad('check', c, 'an object { interval, timeout, fall, rise }');
    } else {
      for (const k of ['interval', 'timeout', 'fall', 'rise'] as const) {
        if (c[k] !== undefined && !isInt(c[k], 1, 3600)) {
          bad(`check.${k}`, c[k], k === 'fall' || k === 'rise' ? 'an integer 1-3600' : 'whole seconds 1-3600');
        }
      }
    }
  }
  return problems;
}

function formatSeconds(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const cs = centiseconds(v) ?? Math.round(v * 100);
  return (cs / 100).toFixed(2).replace(/0$/, '');
}

/**
 * keepalived.conf text for one node. Throws KeepalivedOptionsError (with
 * .problems) when validateKeepalivedOptions finds anything.
 */
export function renderKeepalivedConfig(options: KeepalivedOptions): string {
  const problems = validateKeepalivedOptions(options);
  if (problems.length > 0) throw new KeepalivedOptionsError(problems);
  const o = options;
  const check = { ...KEEPALIVED_CHECK_DEFAULTS, ...(o.check ?? {}) };
  for (const k of Object.keys(KEEPALIVED_CHECK_DEFAULTS) as (keyof KeepalivedCheckOptions)[]) {
    if (check[k] === undefined) check[k] = KEEPALIVED_CHECK_DEFAULTS[k];
  }
  const version = vrrpVersionFor(o);
  const admin = `${o.adminIp} ${o.adminPort}`;
  const defaultAdmin = o.adminIp === '127.0.0.1' && o.adminPort === 9421;
  const L: string[] = [];
  const add = (...lines: string[]): void => {
    L.push(...lines);
  };

  add(
    `# keepalived.conf for ${o.nodeName ?? o.nodeAddress}, rendered by lizardfs-ha.`,
    '# keepalived moves the VIP; the hooks make the local metadata server master',
    '# (VRRP MASTER) or shadow. keepalived/two-node/*.conf explains every setting.',
    '',
    'global_defs {',
  );
  if (o.nodeName !== undefined) add(`    router_id ${o.nodeName}`);
  add(
    '    # Run scripts as root and refuse any a non-root user could modify',
    '    # (Debian has no keepalived_script user).',
    '    enable_script_security',
    '    script_user root',
  );
  if (version !== undefined) {
    add(`    # Every node of the group must speak the same VRRP version${version === 3 ? '; v3 allows advert_int below 1 s' : ''}.`);
    add(`    vrrp_version ${version}`);
  }
  if (o.fifo) {
    add(
      '    # Transitions in order, to one reader keepalived starts itself (FIFO path',
      '    # appended as its last argument; 127.0.0.1 9421 unless --ip/--port).',
      `    vrrp_notify_fifo ${o.fifo.path}`,
      `    vrrp_notify_fifo_script "${o.lizardfsHaPath} fifo${defaultAdmin ? '' : ` --ip ${o.adminIp} --port ${o.adminPort}`}${o.trackFile ? ` --track-file ${o.trackFile.path}` : ''}"`,
    );
  }
  add('}', '');

  add(
    '# Local metadata server healthy: master running, or a shadow (connected or',
    '# disconnected) holding metadata (version > 0).',
    'vrrp_script chk_lizardfs {',
    `    script "${o.checkScriptPath} ${admin}"`,
    `    interval ${check.interval}`,
    `    timeout ${check.timeout}`,
    `    fall ${check.fall}`,
    `    rise ${check.rise}`,
    '    # 0: a failing check means FAULT, which releases the VIP; a priority shift',
    '    # would never move it under nopreempt.',
    '    weight 0',
    '}',
    '',
  );
  if (o.trackFile) {
    add(
      '# Written by the FIFO reader: 1 the moment nothing listens on the local admin',
      '# port (the server died), 0 when it does; not while lizardfs-ha itself restarts',
      '# the server. Non-zero with weight 0 means FAULT at once, without waiting for',
      '# the next failed check.',
      'track_file trk_lizardfs {',
      `    file "${o.trackFile.path}"`,
      '    weight 0',
      '    init_file 0 overwrite',
      '}',
      '',
    );
  }
  add(
    `vrrp_instance ${o.instanceName} {`,
    '    # BACKUP + nopreempt: a node that comes back never takes the VIP from a',
    '    # working master; moving the master role again costs clients a reconnect',
    '    # and risks two masters while its shadow is still resyncing.',
    '    state BACKUP',
    '    nopreempt',
    '',
    `    interface ${o.interface}`,
    `    virtual_router_id ${o.virtualRouterId}`,
    `    priority ${o.priority}`,
    `    advert_int ${formatSeconds(o.advertInt)}`,
  );
  if (o.peers.length > 0) {
    add(
      '',
      '    # Unicast VRRP: this node\'s own address, and every other node.',
      `    unicast_src_ip ${o.nodeAddress}`,
      '    unicast_peer {',
      ...o.peers.map((p) => `        ${p}`),
      '    }',
    );
  }
  add(
    '',
    '    virtual_ipaddress {',
    `        ${o.vip}/${o.vipPrefix} dev ${o.interface}`,
    '    }',
    '',
    '    track_script {',
    '        chk_lizardfs',
    '    }',
    ...(o.trackFile ? ['', '    track_file {', '        trk_lizardfs', '    }'] : []),
  );
  if (o.fifo) {
    add('', '    # No notify_* hooks: the FIFO reader already gets every transition.');
  } else {
    add(
      '',
      '    # Run as-is (no shell), not waited for, exit code ignored; the address',
      '    # is the LOCAL server, never the VIP.',
      ...(['master', 'backup', 'fault', 'stop'] as const).map(
        (s) => `    notify_${s} "${o.lizardfsHaPath} notify ${s} ${admin}"`,
      ),
    );
  }
  add('}', '');
  return L.join('\n');
}
