// Writes the operation lists of docs/https-cli.md (the HTTPS paths, the client's methods, the
// command table) from the registry (src/tools/operation-lists.ts renders them). Run through
// `npm run types`; a unit test fails when the file drifts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';
import { loadSourceModule } from './registry.mjs';

const { operationLists, withGeneratedParts } = await loadSourceModule('src', 'tools', 'operation-lists.ts');
const file = join(PROJECT_ROOT, 'docs', 'https-cli.md');
writeFileSync(file, withGeneratedParts(readFileSync(file, 'utf8'), operationLists()));
