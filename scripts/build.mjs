#!/usr/bin/env node
// Builds every cloud function the operation registry declares (src/core/operations/index.ts,
// CLOUD_FUNCTIONS) into cloudfunctions/NAME/: index.js and deferred.js (the bundle), config.json
// (exactly the APIs its operations call) and package.json, all committed; and the local tools
// (src/tools/*.ts -> dist/, not committed).
//
//   node scripts/build.mjs                      both
//   node scripts/build.mjs --tools              tools only
//   node scripts/build.mjs --functions-to DIR   functions only, into DIR/NAME/ (the reproducibility test)
//   node scripts/build.mjs --bundle FILE --out DIR   any entry, built as a function is (the cold-start tests)
import { build } from 'esbuild';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunction } from './esbuild-options.mjs';
import { functionConfig, functionPackage, loadRegistry, writeFunctionEntry } from './registry.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
process.chdir(root);

const names = (dir) => readdirSync(join(root, dir)).filter((file) => file.endsWith('.ts')).map((file) => basename(file, '.ts'));

async function buildFunctions(outRoot) {
  const registry = await loadRegistry();
  for (const name of Object.keys(registry.CLOUD_FUNCTIONS)) {
    const outDir = join(outRoot, name);
    await buildFunction({ entry: writeFunctionEntry(name), outDir });
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'config.json'), functionConfig(registry, name));
    writeFileSync(join(outDir, 'package.json'), functionPackage(name));
  }
}

async function buildTools() {
  await build({
    entryPoints: names('src/tools').map((name) => `src/tools/${name}.ts`),
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node16.13',
    format: 'cjs',
    // Tools run beside node_modules: the SDK and esbuild stay external so the platform stand-in and
    // the benchmark load exactly what is installed.
    packages: 'external',
    logLevel: 'warning',
  });
}

const args = process.argv.slice(2);
const to = args.indexOf('--functions-to');
const entry = args.indexOf('--bundle');
if (entry >= 0) {
  await buildFunction({ entry: resolve(args[entry + 1]), outDir: resolve(args[args.indexOf('--out') + 1]) });
} else if (to >= 0) {
  await buildFunctions(resolve(args[to + 1]));
} else {
  if (!args.includes('--tools')) await buildFunctions(join(root, 'cloudfunctions'));
  await buildTools();
}
