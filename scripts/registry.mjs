// The operation registry (src/core/operations/index.ts), loaded from plain JavaScript: the build
// writes each cloud function's entry and config.json from it, so nothing about a function is
// written twice.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';

/** A TypeScript module of src/ (a path from the project root), bundled and loaded from plain JavaScript. */
export async function loadSourceModule(...path) {
  const out = await build({
    entryPoints: [join(PROJECT_ROOT, ...path)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

export function loadRegistry() {
  return loadSourceModule('src', 'core', 'operations', 'index.ts');
}

/**
 * A cloud function's entry, generated from the registry into dist/ (not committed): the registry's
 * route for NAME over wx-server-sdk. Deterministic, so the bundle built from it is too.
 */
export function writeFunctionEntry(name) {
  const dir = join(PROJECT_ROOT, 'dist', 'function-entries');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  const text = [
    `// The ${name} cloud function, as the operation registry (src/core/operations/index.ts) declares it.`,
    `import * as cloud from 'wx-server-sdk';`,
    `import { createCloudFunction } from '../../src/cloud/cloud-function';`,
    `import { CLOUD_FUNCTIONS } from '../../src/core/operations';`,
    ``,
    `// Set by index.js on this module when it offered V8 a code cache (scripts/esbuild-options.mjs).`,
    `declare const module: { readonly cachedDataRejected?: boolean };`,
    ``,
    `export const main = createCloudFunction(CLOUD_FUNCTIONS[${JSON.stringify(name)}], { sdk: cloud, cachedDataRejected: module.cachedDataRejected });`,
    '',
  ].join('\n');
  // Builds may run at once (the reproducibility test runs two): a file rewritten in place could be
  // read half-written by another. Written only when it differs, and then whole, by a rename.
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    const scratch = `${file}.${process.pid}.tmp`;
    writeFileSync(scratch, text);
    renameSync(scratch, file);
  }
  return file;
}

/** config.json: exactly the cloud APIs the function's operations call. */
export function functionConfig(registry, name) {
  return `${JSON.stringify({ permissions: { openapi: registry.permissionsOf(registry.CLOUD_FUNCTIONS[name]) } }, null, 2)}\n`;
}

/** package.json: self-contained, nothing for the cloud to install. */
export function functionPackage(name) {
  return `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      description: `The ${name} cloud function: a self-contained bundle (wx-server-sdk 4.0.2 inside). Built from src/ by npm run build; upload this folder as it is.`,
      main: 'index.js',
      license: 'MIT',
      dependencies: {},
    },
    null,
    2,
  )}\n`;
}
