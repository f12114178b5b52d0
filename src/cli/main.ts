// The thin shell: parse and validate argv (nothing runs before that succeeds), call the engine,
// print the result, set the exit code.
import { CommanderError } from 'commander';
import { EXIT } from '../engine/types.js';
import { InputError } from './options.js';
import { loadDefaults } from './defaults-file.js';
import { buildProgram } from './program.js';

export async function main(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const defaults = loadDefaults(env);
    await buildProgram(defaults.env, defaults.fromFile).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        return e.code === 'commander.help' ? EXIT.badInput : EXIT.ok;
      }
      await logBadInput(argv, e.message.replace(/^error: /, ''), env);
      return EXIT.badInput;
    }
    if (e instanceof InputError) {
      process.stderr.write(`lizardfs-ha: ${e.message}\n`);
      await logBadInput(argv, e.message, env);
      return EXIT.badInput;
    }
    process.stderr.write(`lizardfs-ha: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failed;
  }
}

/** keepalived discards stderr: a misconfigured notify line must still leave a trace in syslog. */
async function logBadInput(argv: string[], message: string, env: NodeJS.ProcessEnv) {
  if (argv[2] !== 'notify' || ['0', 'false', 'no', 'off'].includes((env.LIZARDFS_HA_SYSLOG ?? '').toLowerCase()) || argv.includes('--no-syslog')) return;
  const { RunLogger } = await import('../log/logger.js');
  const log = new RunLogger({ syslog: true, logFile: null, verbose: false, context: 'notify' });
  log.error(`bad input, nothing done: ${message}`);
  await log.close();
}

// No top-level await: the bundle is CommonJS (the ESM loader alone costs ~40 ms per run, bench/).
void main().then((code) => {
  process.exitCode = code;
});
