#!/usr/bin/env node
// The man page and the bash completion, generated from buildProgram(): the commander program is the
// one description of the commands, options and arguments. Nothing here lists them by hand; what is
// written by hand (the prose of DESCRIPTION, FILES, EXAMPLES) is checked against the program, and
// the exit codes come from the program's own help text, checked against EXIT.
//
//   dist/man/lizardfs-ha.8              roff, man(7) macros only (no groff extensions)
//   dist/man/lizardfs-ha-check.8        from the header comment of keepalived/lizardfs-ha-check, if present
//   dist/completion/lizardfs-ha.bash    bash completion, function _lizardfs_ha
//
// Needs the tsc build (dist/cli/program.js). Usage: node scripts/gen-docs.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { out: { type: 'string', default: path.join(root, 'dist') } } });
const load = (rel) => import(pathToFileURL(path.join(root, 'dist', rel)).href);

const { buildProgram } = await load('cli/program.js');
const { ENV, DEFAULTS, resolveSettings } = await load('cli/options.js');
const { FLAVORS } = await load('lizardfs/flavor.js');
const { EXIT } = await load('engine/types.js');

const CHECK_SCRIPT = path.join(root, 'keepalived/lizardfs-ha-check');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// ---- the model: read everything from the program -----------------------------------------------

// An empty environment: nothing of the caller's LIZARDFS_HA_* may leak into defaults or help.
const program = buildProgram({});
const NAME = program.name();
const helper = program.createHelp();

function helpText(cmd) {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

/** `-v, --verbose <x>` -> { flags, short, long, value, optionalValue } */
function optionModel(opt) {
  const value = opt.flags.match(/[<[]([^>\]]+)[>\]]/)?.[1] ?? null;
  return {
    opt,
    flags: opt.flags,
    short: opt.short ?? null,
    long: opt.long ?? null,
    value,
    takesValue: Boolean(opt.required || opt.optional),
    attr: opt.attributeName(),
    description: opt.description ?? '',
    choices: opt.argChoices ?? null,
  };
}

const commands = helper.visibleCommands(program).map((cmd) => ({
  cmd,
  name: cmd.name(),
  summary: cmd.summary() || '',
  description: cmd.description() || '',
  args: cmd.registeredArguments,
  options: helper.visibleOptions(cmd).map(optionModel),
}));
const globalOptions = helper.visibleOptions(program).map(optionModel);
const realCommands = commands.filter((c) => c.name !== 'help');

// Exit codes: the "Exit status:" block of the program's help, which must cover EXIT exactly.
const exitCodes = (() => {
  const lines = helpText(program).split('\n');
  const start = lines.findIndex((l) => /^exit status:?$/i.test(l.trim()));
  if (start < 0) throw new Error('gen-docs: no "Exit status:" block in the program help');
  const codes = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^\s+(\d+)\s+(.+)$/.exec(l);
    if (!m) break;
    codes.push({ code: Number(m[1]), text: m[2].trim() });
  }
  const want = Object.values(EXIT).sort((a, b) => a - b).join(',');
  const got = codes.map((c) => c.code).sort((a, b) => a - b).join(',');
  if (want !== got) throw new Error(`gen-docs: help lists exit codes ${got}, EXIT has ${want}`);
  return codes;
})();

// Environment variables: every LIZARDFS_HA_* named in the help of any command, plus the ENV map.
const ENV_RE = /\bLIZARDFS_HA_[A-Z0-9_]+\b/g;
const attrToVar = new Map(Object.entries(ENV));
const camel = (v) => v.replace(/^LIZARDFS_HA_/, '').toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const envVars = (() => {
  const names = new Set(Object.values(ENV));
  for (const c of commands) {
    for (const m of `${c.summary}\n${c.description}`.matchAll(ENV_RE)) names.add(m[0]);
    for (const o of c.options) for (const m of o.description.matchAll(ENV_RE)) names.add(m[0]);
  }
  const out = [];
  for (const name of names) {
    const attr = [...attrToVar].find(([, v]) => v === name)?.[0] ?? camel(name);
    // The options this variable stands for, and the commands that have them.
    const uses = [];
    for (const c of realCommands) {
      for (const o of c.options) {
        if (o.attr !== attr) continue;
        let u = uses.find((x) => x.flags === o.flags && stripEnv(x.description) === stripEnv(o.description));
        if (!u) uses.push((u = { flags: o.flags, long: o.long, description: o.description, takesValue: o.takesValue, negate: o.opt.negate, commands: [] }));
        u.commands.push(c.name);
      }
    }
    if (uses.length === 0) throw new Error(`gen-docs: ${name} names no option of any command`);
    out.push({ name, attr, uses, boolean: !uses[0].takesValue });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
})();

function stripEnv(description) {
  return description.replace(/\s*\[LIZARDFS_HA_[^\]]*\]\s*$/, '').trim();
}

// What boolean variables accept: stated once, checked here against resolveSettings().
const BOOL_WORDS = { true: ['1', 'true', 'yes', 'on'], false: ['0', 'false', 'no', 'off'] };
for (const v of envVars.filter((e) => e.boolean && Object.values(ENV).includes(e.name))) {
  for (const [want, words] of Object.entries(BOOL_WORDS)) {
    for (const w of words) {
      const got = resolveSettings({}, { [v.name]: w })[v.attr === 'peer' ? 'peers' : v.attr];
      if (got !== (want === 'true')) throw new Error(`gen-docs: ${v.name}=${w} gives ${got}, the man page says ${want}`);
    }
  }
}

/**
 * The values an option accepts, if it is an enumeration: commander's choices when set, else the words
 * of its help text that resolveSettings() accepts where it rejects a nonsense word. (program.ts checks
 * these with zod; this reads them back without a second list that could drift.)
 */
function enumValues(o) {
  if (o.choices) return [...o.choices];
  if (!o.takesValue || !attrToVar.has(o.attr)) return null;
  const accepts = (v) => {
    try {
      resolveSettings({ [o.attr]: o.attr === 'peer' ? [v] : v }, {});
      return true;
    } catch {
      return false;
    }
  };
  if (accepts('zz-not-a-value')) return null;
  const words = [...new Set(stripEnv(o.description).match(/\b[a-z][a-z-]*\b/g) ?? [])];
  const ok = words.filter(accepts);
  return ok.length ? ok : null;
}

// ---- roff --------------------------------------------------------------------------------------

/** Text for roff: backslashes, every hyphen a minus (ASCII '-' when rendered: options stay copyable), non-ASCII as \[uXXXX]. */
function esc(s) {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
/** A whole text line: escaped, and a leading . or ' made harmless. */
function line(s) {
  const e = esc(s);
  return /^[.']/.test(e) ? `\\&${e}` : e;
}
/** Prose that may span several lines (commander descriptions use \n): one roff line each, blank lines dropped. */
function para(s) {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(line)
    .join('\n');
}
const B = (s) => `\\fB${esc(s)}\\fR`;
const I = (s) => `\\fI${esc(s)}\\fR`;

/** A usage string like `notify [options] <state> <ip> [port] <words...> master|backup` in man style. */
function usageRoff(u) {
  return u
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => {
      let m;
      if ((m = /^<([^>]+?)(\.\.\.)?>$/.exec(w))) return I(m[1]) + (m[2] ? '\\&...' : '');
      if ((m = /^\[([^\]]+?)(\.\.\.)?\]$/.exec(w))) return `[${m[1] === 'options' ? I('options') : I(m[1])}${m[2] ? '\\&...' : ''}]`;
      return B(w);
    })
    .join(' ');
}
/** Usage words of a command: the variadic argument's description stands in for it when it reads like a usage (<a> <b>). */
function argUsage(c) {
  return c.args
    .map((a) => {
      if (a.variadic && /^<[^>]+>( <[^>]+>| \[[^\]]+\])*$/.test(a.description ?? '')) return a.description;
      const n = `${a.name()}${a.variadic ? '...' : ''}`;
      return a.required ? `<${n}>` : `[${n}]`;
    })
    .join(' ');
}
/** Other call forms a description spells out, e.g. `INSTANCE|GROUP <name> <STATE> [priority]`. */
function altForms(c) {
  return [...`${c.summary}\n${c.description}`.matchAll(/\b([A-Z][A-Z_]*(?:\|[A-Z][A-Z_]*)+(?: (?:<[^>\s]+>|\[[^\]\s]+\]))+)/g)].map((m) => m[1]);
}
function optionTerm(o) {
  // `-v, --verbose` / `--config <path>`: names bold, value italic.
  const names = o.flags.replace(/\s*[<[].*$/, '').split(/,\s*|\s+/).filter(Boolean);
  const value = o.value ? ` ${o.opt.optional ? '[' : ''}${I(o.value.replace(/\.\.\.$/, ''))}${o.value.endsWith('...') ? '\\&...' : ''}${o.opt.optional ? ']' : ''}` : '';
  return names.map(B).join(', ') + value;
}

function sourceDate() {
  let epoch = process.env.SOURCE_DATE_EPOCH;
  if (!epoch) {
    try {
      epoch = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      /* not a git checkout */
    }
  }
  const d = epoch ? new Date(Number(epoch) * 1000) : new Date();
  return d.toISOString().slice(0, 10);
}

// Examples: written here, each run through the program's own parser (actions replaced by no-ops), so
// a renamed option or command fails the build instead of shipping a wrong example.
const EXAMPLES = [
  ['keepalived.conf: the notify hooks of a vrrp_instance (absolute paths; keepalived appends nothing):', [
    'notify_master "/usr/sbin/lizardfs-ha notify master 127.0.0.1 9421"',
    'notify_backup "/usr/sbin/lizardfs-ha notify backup 127.0.0.1 9421"',
    'notify_fault  "/usr/sbin/lizardfs-ha notify fault 127.0.0.1 9421"',
    'notify_stop   "/usr/sbin/lizardfs-ha notify stop 127.0.0.1 9421"',
  ]],
  ['Show what a promotion would do, and change nothing:', ['lizardfs-ha promote --dry-run 127.0.0.1 9421']],
  ['Promote although a guard refuses, after fencing the old master, checking a peer first:', ['lizardfs-ha promote --peer mfs-master2:9421 --force']],
  ['The local server as JSON (personality, status, metadata version, config mode):', ['lizardfs-ha status --json']],
  ['The VRRP health rule by hand; the exit status is the answer:', ['lizardfs-ha check 127.0.0.1 9421; echo $?']],
  ['A SaunaFS server, its binaries run inside a chroot:', ['lizardfs-ha status --flavor saunafs --exec-prefix "chroot /srv/sid"']],
  ['The last five transitions on this host:', ['lizardfs-ha history -n 5']],
];
{
  const p = buildProgram({});
  const stub = (cmd) => {
    cmd.action(() => {});
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    cmd.commands.forEach(stub);
  };
  stub(p);
  for (const [, lines] of EXAMPLES) {
    for (const l of lines) {
      const m = /"\/usr\/sbin\/(lizardfs-ha [^"]+)"/.exec(l) ?? /^(lizardfs-ha [^;]+)/.exec(l);
      if (!m) throw new Error(`gen-docs: example without a lizardfs-ha command: ${l}`);
      const words = [...m[1].matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]).slice(1);
      try {
        await p.parseAsync(words, { from: 'user' });
      } catch (e) {
        throw new Error(`gen-docs: example does not parse: ${m[1]}: ${e.message}`);
      }
    }
  }
}

// Options grouped by the set of commands that share them (common, transition, per command).
function optionGroups() {
  const groups = [];
  for (const c of realCommands) {
    for (const o of c.options) {
      if (o.long === '--help') continue;
      const key = `${o.flags}\u0000${o.description}`;
      let g = groups.find((x) => x.keys.has(key));
      if (!g) {
        g = { keys: new Set([key]), option: o, commands: [] };
        groups.push(g);
      }
      g.commands.push(c.name);
    }
  }
  const bySet = new Map();
  for (const g of groups) {
    const set = g.commands.join(', ');
    if (!bySet.has(set)) bySet.set(set, { commands: g.commands, options: [] });
    bySet.get(set).options.push(g.option);
  }
  // Widest groups first: what every command has, then narrower sets.
  return [...bySet.values()].sort((a, b) => b.commands.length - a.commands.length);
}

function manPage() {
  const date = sourceDate();
  const out = [];
  const push = (...l) => out.push(...l);
  push(`.\\" Generated by scripts/gen-docs.mjs from buildProgram() in src/cli/program.ts: do not edit.`);
  push(`.TH ${NAME.toUpperCase().replace(/-/g, '\\-')} 8 "${date}" "${NAME} ${program.version()}" "System Administration"`);
  // No hyphenation, ragged right: option and variable names stay whole and copyable.
  push('.nh', '.ad l');
  push('.SH NAME', `${esc(NAME)} \\- ${esc(lowerFirst(program.description().replace(/[.:].*$/s, '')))}`);

  push('.SH SYNOPSIS');
  const syn = [];
  for (const c of realCommands) {
    syn.push(`${B(NAME)} ${usageRoff(`${c.name} [options] ${argUsage(c)}`)}`);
    for (const f of altForms(c)) syn.push(`${B(NAME)} ${usageRoff(`${c.name} [options] ${f}`)}`);
  }
  syn.push(`${B(NAME)} ${usageRoff('help [command]')}`, `${B(NAME)} ${globalOptions.map((o) => `[${B(o.long)}]`).join(' ')}`);
  push(syn.join('\n.br\n'));

  push('.SH DESCRIPTION', para(program.description()));
  push(
    '.PP',
    para(`keepalived moves a virtual IP (VIP) between the metadata server nodes and runs ${NAME} as its notify hook on every VRRP transition.
${NAME} then makes the local LizardFS or SaunaFS metadata server (mfsmaster, sfsmaster) the master when keepalived enters MASTER state,
and a shadow on BACKUP, FAULT and STOP. Clients, chunkservers and shadows reach the master through the VIP's name, so the master role follows the VIP.`),
    '.PP',
    para(`Each transition runs observe, plan, act, verify: the server's personality and metadata version are read,
the commands valid for the configuration found are planned, each runs with its own timeout and an argv array (never a shell),
and the server's status is polled until it reports the wanted role or the deadline passes.
Only one transition acts on a server at a time; when keepalived's events overlap, the newest one wins and older ones exit without acting.
Every transition is logged to syslog (tag ${NAME}) and appended to the history file.`),
  );

  push('.SH COMMANDS');
  for (const c of commands) {
    push('.TP', `${B(c.name)}${argUsage(c) ? ` ${usageRoff(argUsage(c))}` : ''}`);
    // The summary (one line, as in the command list) first, then the full description.
    if (c.summary && c.summary !== c.description) push(para(`${c.summary}.`), '.br');
    push(para(c.description || c.summary));
    const args = c.args.filter((a) => a.description && !(a.variadic && a.description === argUsage(c)));
    for (const a of args) push('.RS', '.TP', I(a.name()), para(a.description), '.RE');
  }

  push('.SH OPTIONS');
  push('.SS Global options');
  for (const o of globalOptions) push('.TP', optionTerm(o), para(o.description));
  for (const g of optionGroups()) {
    const who = g.commands.length === realCommands.length ? 'every command' : g.commands.join(', ');
    push(`.SS Options of ${esc(who)}`);
    for (const o of g.options) {
      push('.TP', optionTerm(o), para(o.description));
      const values = enumValues(o);
      if (values && !o.choices) push('.br', `Values: ${values.map(B).join(', ')}.`);
    }
  }
  push('.PP', para('Every command also takes -h, --help.'));

  push('.SH EXIT STATUS');
  for (const e of exitCodes) push('.TP', B(String(e.code)), para(e.text));

  push('.SH ENVIRONMENT');
  push(
    para(`Every option can also be set in the environment, so keepalived.conf lines stay short. The flag wins over the variable.
An empty variable counts as unset. Boolean variables take ${BOOL_WORDS.true.join(', ')} or ${BOOL_WORDS.false.join(', ')}.`),
  );
  for (const v of envVars) {
    push('.TP', B(v.name));
    const u = v.uses[0];
    const bracket = /\[([^\]]+)\]\s*$/.exec(u.description)?.[1] ?? '';
    const extra = bracket.replace(/^LIZARDFS_HA_[A-Z0-9_]+/, '').replace(/^, /, '');
    const flag = u.negate ? `${v.name}=0 is ${u.long}` : `as ${u.long}`;
    const where = v.uses.map((x) => x.commands.join(', ')).join('; ');
    const notes = [extra && !extra.startsWith('=') ? extra : '', v.boolean ? 'boolean' : ''].filter(Boolean).join(', ');
    push(para(`${flag} (${where})${notes ? `, ${notes}` : ''}: ${stripEnv(u.description)}.`));
  }
  const checkVars = fs.existsSync(CHECK_SCRIPT) ? [...new Set(fs.readFileSync(CHECK_SCRIPT, 'utf8').match(ENV_RE) ?? [])].sort() : [];
  if (checkVars.length) push('.PP', para(`${path.basename(CHECK_SCRIPT)}(8) reads ${checkVars.join(' and ')}; see its manual.`));
  push('.TP', B('NO_COLOR'), para('When set and not empty, text output has no colours (otherwise colours only on a terminal).'));

  push('.SH FILES');
  const files = [
    [Object.values(FLAVORS).map((f) => f.configPath).join(', '), `The metadata server configuration (LizardFS, SaunaFS; --config). PERSONALITY and DATA_PATH are read from it, ADMIN_PASSWORD is handed to promote-shadow on stdin only; with PERSONALITY master or shadow (classic configuration) the PERSONALITY line is rewritten in place on a transition.`],
    [`${DEFAULTS.stateDir}/`, `State directory (--state-dir): the arrival stamps that order keepalived's events (arrivals-*, applied-*) and the audit trail history.jsonl. The per-server lock is an abstract unix socket whose name includes this directory, so a killed run leaves no stale lock.`],
    [DEFAULTS.envFile, `Written atomically before each restart under systemd (--env-file): PERSONALITY and MFSMASTER_EXTRA_OPTS, read by ${DEFAULTS.unit}.`],
    [`/lib/systemd/system/${DEFAULTS.unit}`, 'The systemd unit that runs the metadata server in the role chosen (--unit, --service-manager systemd).'],
    [`/usr/share/${NAME}/keepalived/`, 'Example keepalived.conf files (two-node, three-node, unicast, notify FIFO, fast), the mfsmaster.cfg snippet and the unit.'],
    [`/usr/lib/${NAME}/${NAME}.js`, `The program; /usr/sbin/${NAME} runs it with /usr/bin/node.`],
  ];
  if (fs.existsSync(CHECK_SCRIPT)) files.push([`/usr/sbin/${path.basename(CHECK_SCRIPT)}`, 'The VRRP track script (POSIX sh), for vrrp_script.']);
  for (const [f, t] of files) push('.TP', `.I ${esc(f)}`, para(t));

  push('.SH EXAMPLES');
  for (const [title, lines] of EXAMPLES) {
    push('.PP', para(title), '.PP', '.RS 4', '.nf', ...lines.map(line), '.fi', '.RE');
  }

  push('.SH SEE ALSO');
  const see = ['keepalived(8)', 'keepalived.conf(5)', 'mfsmaster(8)', 'mfsmaster.cfg(5)', 'lizardfs-admin(8)', 'systemd.service(5)'];
  if (fs.existsSync(CHECK_SCRIPT)) see.unshift(`${path.basename(CHECK_SCRIPT)}(8)`);
  push(see.map((s) => s.replace(/^(.*)\((\d)\)$/, (_, n, sec) => `.BR ${esc(n)} (${sec})`)).join(',\n'));
  push('.PP', para(`The README in /usr/share/doc/${NAME}/ explains the transitions and the safety guards in detail.`));
  return `${out.join('\n')}\n`;
}

function lowerFirst(s) {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** lizardfs-ha-check(8) from the script's header comment (its documentation), if the script exists. */
function checkManPage() {
  if (!fs.existsSync(CHECK_SCRIPT)) return null;
  const name = path.basename(CHECK_SCRIPT);
  const header = [];
  for (const l of fs.readFileSync(CHECK_SCRIPT, 'utf8').split('\n').slice(1)) {
    if (!l.startsWith('#')) break;
    header.push(l.replace(/^# ?/, ''));
  }
  // First line: `name [ARGS]: summary`.
  const first = /^(\S+)\s*(.*?):\s*(.*)$/.exec(header[0] ?? '');
  if (!first || first[1] !== name) throw new Error(`gen-docs: ${name}: first comment line is not "${name} ARGS: summary"`);
  const body = header.slice(1).join('\n').trim();
  const paragraphs = body.split(/\n\s*\n/);
  const out = [];
  out.push(`.\\" Generated by scripts/gen-docs.mjs from the header of keepalived/${name}: do not edit.`);
  out.push(`.TH ${name.toUpperCase().replace(/-/g, '\\-')} 8 "${sourceDate()}" "${NAME} ${program.version()}" "System Administration"`);
  out.push('.nh', '.ad l');
  out.push('.SH NAME', `${esc(name)} \\- ${esc(first[3].replace(/\.$/, ''))}`);
  out.push('.SH SYNOPSIS', `${B(name)} ${usageRoff(first[2])}`);
  out.push('.SH DESCRIPTION');
  for (const p of paragraphs) {
    // Indented lines are literal (output formats); the rest is prose.
    const lines = p.split('\n');
    out.push('.PP');
    let literal = false;
    for (const l of lines) {
      const isLit = /^\s{2,}\S/.test(l);
      if (isLit && !literal) out.push('.RS 4', '.nf');
      if (!isLit && literal) out.push('.fi', '.RE');
      literal = isLit;
      out.push(line(l.trim()));
    }
    if (literal) out.push('.fi', '.RE');
  }
  out.push('.SH EXIT STATUS', '.TP', B('0'), 'healthy', '.TP', B('1'), 'not healthy (the reason goes to stderr)');
  out.push('.SH SEE ALSO', `.BR ${esc(NAME)} (8),`, '.BR keepalived.conf (5)');
  return `${out.join('\n')}\n`;
}

// ---- bash completion ----------------------------------------------------------------------------

function completion() {
  const fn = `_${NAME.replace(/[^A-Za-z0-9]/g, '_')}`;
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const words = (list) => q(list.join(' '));
  const optionWords = (opts) => opts.flatMap((o) => [o.short, o.long].filter(Boolean));
  const lines = [];
  const L = (...l) => lines.push(...l);
  L(`# bash completion for ${NAME}. Generated by scripts/gen-docs.mjs from buildProgram(): do not edit.`);
  L('# Standalone: works with or without the bash-completion package (no _init_completion needed).');
  L('');
  L(`${fn}() {`);
  L('    local cur prev cmd i w n_pos=0 skip=0');
  L('    cur=${COMP_WORDS[COMP_CWORD]}');
  L('    prev=${COMP_WORDS[COMP_CWORD-1]}');
  L('    COMPREPLY=()');
  L('');
  L('    # The command is the first word that is not an option; count positional words after it.');
  L('    cmd=');
  L('    for ((i = 1; i < COMP_CWORD; i++)); do');
  L('        w=${COMP_WORDS[i]}');
  L('        # The value of the option before; bash splits --opt=value into --opt, =, value.');
  L('        if ((skip)); then skip=0; [[ $w == = ]] && skip=1; continue; fi');
  L('        case $w in');
  L('            --*=*) continue ;;');
  L('            -*)');
  L('                # An option that takes a value in the next word.');
  L(`                [[ -n $cmd ]] && ${fn}_takes_value "$cmd" "$w" && skip=1`);
  L('                continue ;;');
  L('        esac');
  L('        if [[ -z $cmd ]]; then cmd=$w; else n_pos=$((n_pos + 1)); fi');
  L('    done');
  L('');
  L('    if [[ -z $cmd ]]; then');
  L(`        COMPREPLY=($(compgen -W ${words([...commands.map((c) => c.name), ...optionWords(globalOptions)])} -- "$cur"))`);
  L('        return 0');
  L('    fi');
  L('');
  L('    # --opt=value: split by bash at "=" (COMP_WORDBREAKS), or kept whole.');
  L('    if [[ $cur == = ]]; then');
  L('        cur=');
  L('    elif [[ $prev == = ]]; then');
  L('        prev=${COMP_WORDS[COMP_CWORD-2]}');
  L('    elif [[ $cur == --*=* ]]; then');
  L('        prev=${cur%%=*}');
  L('        cur=${cur#*=}');
  L(`        ${fn}_value "$cmd" "$prev" "$cur" && return 0`);
  L('        COMPREPLY=()');
  L('        return 0');
  L('    fi');
  L(`    if ${fn}_takes_value "$cmd" "$prev"; then`);
  L(`        ${fn}_value "$cmd" "$prev" "$cur"`);
  L('        return 0');
  L('    fi');
  L('');
  L('    if [[ $cur == -* ]]; then');
  L('        case $cmd in');
  for (const c of commands) {
    L(`            ${c.name}) COMPREPLY=($(compgen -W ${words(optionWords(c.options))} -- "$cur")) ;;`);
  }
  L('        esac');
  L('        return 0');
  L('    fi');
  L('');
  L('    # Positional words.');
  L('    case $cmd in');
  for (const c of commands) {
    const pos = positionalCompletions(c);
    if (!pos.length) continue;
    L(`        ${c.name})`);
    L('            case $n_pos in');
    pos.forEach((p, k) => {
      if (p) L(`                ${k}) ${p} ;;`);
    });
    L('            esac');
    L('            ;;');
  }
  L('    esac');
  L('    return 0');
  L('}');
  L('');
  // Options that take a value, per command.
  L(`${fn}_takes_value() {`);
  L('    case $1 in');
  for (const c of commands) {
    const v = optionWords(c.options.filter((o) => o.takesValue && !o.opt.optional));
    if (v.length) L(`        ${c.name}) case $2 in ${v.join('|')}) return 0 ;; esac ;;`);
  }
  L('    esac');
  L('    return 1');
  L('}');
  L('');
  // Values of an option: enumerations, files, directories, commands.
  L(`${fn}_value() {`);
  L('    local cur=$3');
  L('    case $1:$2 in');
  const seen = new Map();
  for (const c of commands) {
    for (const o of c.options.filter((x) => x.takesValue)) {
      const action = valueCompletion(o);
      if (!action) continue;
      for (const n of [o.short, o.long].filter(Boolean)) {
        const k = `${action}`;
        if (!seen.has(k)) seen.set(k, []);
        seen.get(k).push(`${c.name}:${n}`);
      }
    }
  }
  for (const [action, keys] of seen) L(`        ${keys.join('|')})`, `            ${action} ;;`);
  L('        *) return 1 ;;');
  L('    esac');
  L('    return 0');
  L('}');
  L('');
  L(`complete -F ${fn} ${NAME}`);
  return `${lines.join('\n')}\n`;

  function valueCompletion(o) {
    const values = enumValues(o);
    if (values) return `COMPREPLY=($(compgen -W ${words(values)} -- "$cur"))`;
    if (/dir$/i.test(o.attr)) return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
    if (o.value === 'path' || /file$/i.test(o.attr) || /^config$/.test(o.attr)) return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
    if (o.value === 'cmd') return 'COMPREPLY=($(compgen -c -- "$cur"))';
    return null;
  }

  function positionalCompletions(c) {
    if (c.name === 'help') return [`COMPREPLY=($(compgen -W ${words(realCommands.map((x) => x.name))} -- "$cur"))`];
    const out = [];
    c.args.forEach((a, k) => {
      if (a.variadic && /^<([^>]+)>/.test(a.description ?? '')) {
        // notify-style: `<state> <ip> <port>`; the state words come from the usage in the summary.
        const states = /<([a-z]+(?:\|[a-z]+)+)>/.exec(c.summary)?.[1]?.split('|');
        const alt = altForms(c)[0]?.split(' ')[0]?.split('|');
        if (states) out[k] = `COMPREPLY=($(compgen -W ${words([...states, ...(alt ?? [])])} -- "$cur"))`;
        return;
      }
      if (a.name() === 'path') out[k] = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
      if (a.name() === 'command') out[k] = `COMPREPLY=($(compgen -W ${words(realCommands.map((x) => x.name))} -- "$cur"))`;
    });
    return out;
  }
}

// ---- write ---------------------------------------------------------------------------------------

const manDir = path.join(args.out, 'man');
const compDir = path.join(args.out, 'completion');
fs.mkdirSync(manDir, { recursive: true });
fs.mkdirSync(compDir, { recursive: true });
const written = [];
const write = (file, text) => {
  fs.writeFileSync(file, text);
  written.push(path.relative(root, file));
};
write(path.join(manDir, `${NAME}.8`), manPage());
const checkPage = checkManPage();
const checkPath = path.join(manDir, `${path.basename(CHECK_SCRIPT)}.8`);
if (checkPage) write(checkPath, checkPage);
else fs.rmSync(checkPath, { force: true });
write(path.join(compDir, `${NAME}.bash`), completion());
process.stderr.write(`gen-docs: ${written.join(', ')}\n`);
