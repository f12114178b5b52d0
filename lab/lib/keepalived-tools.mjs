// Helpers shared by the keepalived tests and the lab: a small parser for
// keepalived.conf (enough to assert on what the shipped and rendered configs
// say) and `keepalived -t` run inside a throw-away network namespace.
//
// Side-effect free on import (`node --test` may load any .mjs it finds).

import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Splits one config line into words: keepalived's quoting, `#`/`!` comments. */
export function tokenize(line) {
  const words = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '#' || ch === '!') {
      break;
    } else if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated quote: ${line}`);
      words.push(line.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '{' || ch === '}') {
      words.push(ch);
      i++;
    } else {
      let j = i;
      while (j < line.length && !' \t{}"'.includes(line[j])) j++;
      words.push(line.slice(i, j));
      i = j;
    }
  }
  return words;
}

/**
 * Parses keepalived.conf text into a tree of { key, args, children, line,
 * comment } nodes (comment: the comment lines right above the statement).
 */
export function parseKeepalivedConf(text) {
  const root = { key: '', args: [], children: [], line: 0, comment: '' };
  const stack = [root];
  let pending = [];
  text.split('\n').forEach((raw, idx) => {
    const trimmed = raw.trim();
    if (/^[#!]/.test(trimmed)) {
      pending.push(trimmed.replace(/^[#!]\s?/, ''));
      return;
    }
    if (trimmed === '') {
      pending = [];
      return;
    }
    const words = tokenize(raw);
    const comment = pending.join('\n');
    pending = [];
    let k = 0;
    while (k < words.length) {
      if (words[k] === '}') {
        if (stack.length === 1) throw new Error(`line ${idx + 1}: unbalanced }`);
        stack.pop();
        k++;
        continue;
      }
      const open = words.indexOf('{', k);
      const close = words.indexOf('}', k);
      const stop = [open, close, words.length].filter((n) => n >= 0).reduce((a, b) => Math.min(a, b));
      const node = { key: words[k], args: words.slice(k + 1, stop), children: [], line: idx + 1, comment };
      stack.at(-1).children.push(node);
      if (stop === open) {
        stack.push(node);
        k = open + 1;
      } else {
        k = stop;
      }
    }
  });
  if (stack.length !== 1) throw new Error('unbalanced {');
  return root;
}

export function findAll(node, key) {
  return node.children.filter((c) => c.key === key);
}

export function findOne(node, key) {
  const all = findAll(node, key);
  if (all.length !== 1) throw new Error(`expected exactly one ${key} in ${node.key || 'config'}, found ${all.length}`);
  return all[0];
}

export function value(node, key) {
  const all = findAll(node, key);
  return all.length === 1 ? all[0].args.join(' ') : undefined;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Why keepalived -t cannot run here, or null when it can. */
export function keepalivedTestSkipReason() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'needs root: keepalived -t checks track scripts with root-only script security and runs in a network namespace';
  }
  const v = run('keepalived', ['--version']);
  if (v.error) return 'keepalived is not installed (apt-get install -y keepalived)';
  const ip = run('ip', ['-V']);
  if (ip.error) return 'iproute2 (ip) is not installed';
  return null;
}

/**
 * A network namespace holding the interfaces the configs name (veth pairs,
 * both ends inside it, nothing touches the root namespace), plus a
 * root-owned, non-world-writable copy of the check script. Call cleanup()
 * in a finally/after hook.
 */
export async function makeConfigTestBed({ name, interfaces = ['eth0'], checkScript }) {
  const ns = `lfsha-${name}-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'lfsha-conf-'));
  const cleanup = async () => {
    run('ip', ['netns', 'del', ns]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let r = run('ip', ['netns', 'add', ns]);
    if (r.code !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
    interfaces.forEach((ifname, i) => {
      r = run('ip', ['-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `peer${i}`]);
      if (r.code !== 0) throw new Error(`creating ${ifname} in ${ns}: ${r.stderr}`);
    });
    let check;
    if (checkScript) {
      check = join(dir, 'lizardfs-ha-check');
      await copyFile(checkScript, check);
      await chmod(check, 0o755);
    }
    /** keepalived -t on a config file, inside the namespace. */
    const keepalivedTest = (confPath) => run('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', confPath]);
    return { ns, dir, check, keepalivedTest, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
