// Writes docs/errors.md from the error catalogue (src/tools/errors-doc.ts renders it from
// src/core/codes.ts). Run through `npm run types`; a unit test fails when the file drifts.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';

const out = await build({
  entryPoints: [join(PROJECT_ROOT, 'src', 'tools', 'errors-doc.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const module = { exports: {} };
new Function('module', 'exports', out.outputFiles[0].text)(module, module.exports);
writeFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), module.exports.renderErrorsDoc());
