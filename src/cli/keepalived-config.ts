// `lizardfs-ha keepalived-config`: flags -> validated options -> the pure renderer.
import * as z from 'zod/mini';
import { renderKeepalivedConfig, validateKeepalivedOptions, type KeepalivedOptions } from '../keepalived/render.js';
import { check, InputError, wholeSchema, type Schema } from './options.js';

const int = (min: number, max: number) => wholeSchema(min, max, 'expected a whole number', `expected ${min} to ${max}`);
const seconds = z
  .pipe(z.string().check(z.regex(/^\d+(\.\d{1,2})?$/, 'expected seconds, e.g. 1 or 0.5')), z.transform(Number))
  .check(z.refine((n: number) => n > 0 && n <= 255, 'expected more than 0 and at most 255 seconds'));
const vipSchema: Schema<{ ip: string; prefix: number }> = z.pipe(
  z.string().check(z.regex(/^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/, 'expected IPv4/PREFIX, e.g. 10.0.0.9/24')),
  z.transform((v: string) => {
    const [ip, prefix] = v.split('/');
    return { ip: ip ?? '', prefix: Number(prefix) };
  }),
);

const FLAG: Record<string, string> = {
  nodeAddress: '--node-address',
  peers: '--unicast-peer',
  vip: '--vip',
  vipPrefix: '--vip',
  interface: '--interface',
  priority: '--priority',
  virtualRouterId: '--router-id',
  advertInt: '--advert-int',
  instanceName: '--instance',
  lizardfsHaPath: '--lizardfs-ha',
  checkScriptPath: '--check-script',
  adminIp: '--admin-ip',
  adminPort: '--admin-port',
  nodeName: '--node-name',
  fifo: '--fifo',
  trackFile: '--track-file',
  check: '--check-*',
};

export function keepalivedConfigFromFlags(raw: Record<string, string | string[] | undefined>): string {
  const str = (k: string) => raw[k] as string;
  const vip = check(vipSchema, str('vip'), '--vip');
  const options: KeepalivedOptions = {
    nodeAddress: str('nodeAddress'),
    peers: (raw.unicastPeer as string[] | undefined) ?? [],
    vip: vip.ip,
    vipPrefix: vip.prefix,
    interface: str('interface'),
    priority: check(int(1, 254), str('priority'), '--priority'),
    virtualRouterId: check(int(1, 255), str('routerId'), '--router-id'),
    advertInt: check(seconds, str('advertInt'), '--advert-int'),
    instanceName: str('instance'),
    lizardfsHaPath: str('lizardfsHa'),
    checkScriptPath: str('checkScript'),
    adminIp: str('adminIp'),
    adminPort: check(int(1, 65535), str('adminPort'), '--admin-port'),
    ...(raw.nodeName ? { nodeName: str('nodeName') } : {}),
    ...(raw.fifo ? { fifo: { path: str('fifo') } } : {}),
    ...(raw.trackFile ? { trackFile: { path: str('trackFile') } } : {}),
    check: {
      interval: check(int(1, 3600), str('checkInterval'), '--check-interval'),
      fall: check(int(1, 255), str('checkFall'), '--check-fall'),
      rise: check(int(1, 255), str('checkRise'), '--check-rise'),
    },
  };
  const problems = validateKeepalivedOptions(options);
  const first = problems[0];
  if (first) {
    const field = FLAG[first.field.split('.')[0] ?? ''] ?? first.field;
    throw new InputError(`invalid ${field} ${JSON.stringify(first.value)}: expected ${first.expected}`);
  }
  return renderKeepalivedConfig(options);
}
