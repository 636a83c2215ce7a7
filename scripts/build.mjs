#!/usr/bin/env node
// Builds every cloud function the operation registry declares (src/core/operations/index.ts,
// CLOUD_FUNCTIONS) into cloudfunctions/NAME/: index.js and deferred.js (the bundle), config.json
// (exactly the APIs its operations call) and package.json, all committed; and the local tools
// (src/tools/*.ts -> dist/, not committed).
//
//   node scripts/build.mjs                      both (skipped when nothing changed since the last
//                                               build: see build-stamp.mjs; --force builds anyway)
//   node scripts/build.mjs --tools              tools only (skipped likewise)
//   node scripts/build.mjs --functions-to DIR   functions only, into DIR/NAME/ (the reproducibility test)
//   node scripts/build.mjs --bundle FILE --out DIR   any entry, built as a function is (the cold-start tests)
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunction, writeIfChanged } from './esbuild-options.mjs';
import { buildStamp } from './build-stamp.mjs';
import { functionConfig, functionPackage, loadRegistry, writeFunctionEntry } from './registry.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
process.chdir(root);

const names = (dir) => readdirSync(join(root, dir)).filter((file) => file.endsWith('.ts')).map((file) => basename(file, '.ts'));

/** Builds every function into outRoot/NAME/; returns the files whose bytes changed. */
async function buildFunctions(outRoot) {
  const registry = await loadRegistry();
  const written = [];
  for (const name of Object.keys(registry.CLOUD_FUNCTIONS)) {
    const outDir = join(outRoot, name);
    const files = await buildFunction({ entry: writeFunctionEntry(name), outDir });
    if (writeIfChanged(join(outDir, 'config.json'), functionConfig(registry, name))) files.push('config.json');
    if (writeIfChanged(join(outDir, 'package.json'), functionPackage(name))) files.push('package.json');
    written.push(...files.map((file) => `${name}/${file}`));
  }
  return written;
}

/**
 * The dashboard's page files go into the bundle as text, in place of the module that reads them
 * from src/dashboard/page/ when run from source: dist/wxplugin.js then serves them from a fresh
 * clone or an installed package alike, with no file beside it.
 */
const inlinePageFiles = {
  name: 'inline-dashboard-page',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]dashboard[\\/]page-files\.ts$/ }, () => {
      const dir = join(root, 'src', 'dashboard', 'page');
      const files = readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]);
      return { contents: `export function pageFiles() { return new Map(${JSON.stringify(files)}); }`, loader: 'js' };
    });
  },
};

async function buildTools() {
  await build({
    plugins: [inlinePageFiles],
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
  const mode = args.includes('--tools') ? 'tools' : 'all';
  const stamp = buildStamp(root, mode);
  if (!args.includes('--force') && stamp.upToDate()) {
    process.stderr.write(`build: nothing changed since the last build, skipped (--force builds anyway)\n`);
  } else {
    if (mode === 'all') {
      const written = await buildFunctions(join(root, 'cloudfunctions'));
      process.stderr.write(`build: ${written.length === 0 ? 'cloudfunctions/ unchanged' : `${written.length} file(s) of cloudfunctions/ rewritten: ${written.join(', ')}`}\n`);
    }
    await buildTools();
    stamp.save();
  }
}
