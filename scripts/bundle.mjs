#!/usr/bin/env node
// Single-file bundle: dist/lizardfs-ha.js, every runtime dependency inside (commander, zod, chalk),
// ESM for node20, executable, `#!/usr/bin/env node` first. The .deb ships it.
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
    outfile: { type: 'string', default: path.join(root, 'dist/lizardfs-ha.js') },
    trace: { type: 'boolean', default: false },
    metafile: { type: 'string' },
  },
});

// commander is CommonJS and require()s node builtins; an ESM bundle has no `require`, so give it one.
const banner = [
  '#!/usr/bin/env node',
  "import { createRequire as __lzhaCreateRequire } from 'node:module';",
  'const require = __lzhaCreateRequire(import.meta.url);',
].join('\n');

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
  format: 'esm',
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
