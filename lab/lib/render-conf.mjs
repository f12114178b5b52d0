#!/usr/bin/env node
// render-conf.mjs OPTIONS_JSON: print a keepalived.conf rendered by
// lizardfs-ha's own renderer (dist/keepalived/render.js) for the lab.
// Exit 2 with the problems when the options are refused.
import { renderKeepalivedConfig, validateKeepalivedOptions } from '../../dist/keepalived/render.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const problems = validateKeepalivedOptions(options);
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`render-conf: ${p.field}=${JSON.stringify(p.value)}: expected ${p.expected}\n`);
  process.exit(2);
}
process.stdout.write(renderKeepalivedConfig(options));
