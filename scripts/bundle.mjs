#!/usr/bin/env node
// Single-file bundle: dist/lizardfs-ha.cjs, every runtime dependency inside (commander, zod, chalk),
// CommonJS for node20, executable, `#!/usr/bin/env node` first. The .deb ships it as
// /usr/lib/lizardfs-ha/lizardfs-ha.cjs (.cjs: CommonJS whatever package.json is above it).
//
// CommonJS, not ESM: Node's ESM loader costs ~15-40 ms per start-up over require(), and every notify
// and every check pays start-up (bench/RESULTS.md, part 1).
//
// Built from src/ (esbuild strips the types itself), so it does not wait for tsc.
//
// Laziness: program.ts loads the engine with `await import()`. Without code splitting esbuild
// cannot emit a second file, but it keeps the laziness: every module reached only through a dynamic
// import is wrapped in an __esm() initialiser that runs on the first import() call. So
// `lizardfs-ha --version` evaluates commander + zod + the option parsing, not the engine.
// test/package.test.mjs checks that (`--trace` build below: each module logs when it is evaluated).
//
// Usage: node scripts/bundle.mjs [--outfile PATH] [--trace] [--metafile PATH]
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    outfile: { type: 'string', default: path.join(root, 'dist/lizardfs-ha.cjs') },
    trace: { type: 'boolean', default: false },
    metafile: { type: 'string' },
  },
});

const banner = '#!/usr/bin/env node';

/** --trace: prepend `globalThis.__lzhaEvaluated.push(<module>)` to every module, to see what ran. */
const tracePlugin = {
  name: 'trace-evaluation',
  setup(b) {
    b.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, async (a) => {
      const rel = path.relative(root, a.path).split(path.sep).join('/');
      const source = await fs.promises.readFile(a.path, 'utf8');
      const loader = a.path.endsWith('.ts') ? 'ts' : 'js';
      // After a hashbang, if any; CJS modules get it inside their wrapper, which is what we want.
      const mark = `(globalThis.__lzhaEvaluated ??= []).push(${JSON.stringify(rel)});\n`;
      const contents = source.startsWith('#!') ? source.replace(/^.*\n/, (l) => l + mark) : mark + source;
      return { contents, loader };
    });
  },
};

const started = performance.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: args.outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  tsconfig: 'tsconfig.json',
  banner: { js: banner },
  // Keep the dependencies' licence headers (all MIT): the .deb's copyright file points at them.
  legalComments: 'eof',
  // Readable on a server at 3 a.m.: no minification, stack traces name real functions.
  minify: false,
  sourcemap: false,
  metafile: Boolean(args.metafile),
  logLevel: 'warning',
  plugins: args.trace ? [tracePlugin] : [],
});
fs.chmodSync(args.outfile, 0o755);
if (args.metafile) fs.writeFileSync(args.metafile, JSON.stringify(result.metafile, null, 1));
const size = fs.statSync(args.outfile).size;
process.stderr.write(
  `bundle: ${path.relative(process.cwd(), args.outfile) || args.outfile} (${(size / 1024).toFixed(0)} KiB) in ${(performance.now() - started).toFixed(0)} ms\n`,
);
