// Writes docs/errors.md from the error catalogue (src/tools/errors-doc.ts renders it from
// src/core/codes.ts). Run through `npm run types`; a unit test fails when the file drifts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';
import { loadSourceModule } from './registry.mjs';

const { renderErrorsDoc } = await loadSourceModule('src', 'tools', 'errors-doc.ts');
writeFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), renderErrorsDoc());
