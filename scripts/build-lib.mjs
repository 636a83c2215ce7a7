#!/usr/bin/env node
// Builds what the package (npm pack, "prepack") ships besides the wxplugin bundle that
// `node scripts/build.mjs --tools` writes to dist/wxplugin.js:
//   dist/lib/index.js            the library (src/index.ts), CommonJS
//   dist/lib/index.mjs           the same, as an ES module
//   dist/lib/types/**.d.ts       its declarations (tsc -p tsconfig.lib.json); index.d.mts for `import`
//   dist/bin/wxplugin.js         the `wxplugin` bin: a shebang and a require of ../wxplugin.js
// Both bundles are self-contained but for the package's own dependencies (the batch runs' job
// engine and drivers, loaded only when a batch opens its store): anything else they import at run
// time other than Node's own modules fails the build.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
process.chdir(root);
const lib = join(root, 'dist', 'lib');
const builtins = new Set(builtinModules);
const dependencies = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {});
/**
 * The batch's drivers are loaded with require() where they are first needed; in the ES module
 * build, require is made with createRequire (esbuild's own shim refuses a dynamic require).
 */
const ESM_REQUIRE = "import { createRequire as __wxpluginCreateRequire } from 'node:module';\nconst require = __wxpluginCreateRequire(import.meta.url);";

/** Consumers run Node 18 or later (package.json "engines"). */
const LIB_TARGET = 'node18';

rmSync(lib, { recursive: true, force: true });

for (const [format, file] of [['cjs', 'index.js'], ['esm', 'index.mjs']]) {
  const { metafile } = await build({
    entryPoints: ['src/index.ts'],
    outfile: join(lib, file),
    bundle: true,
    platform: 'node',
    target: LIB_TARGET,
    format,
    packages: 'bundle',
    external: dependencies,
    ...(format === 'esm' ? { banner: { js: ESM_REQUIRE } } : {}),
    charset: 'utf8',
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const imported = Object.values(metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path));
  const foreign = imported.filter((path) => !path.startsWith('node:') && !builtins.has(path) && !dependencies.includes(path));
  if (foreign.length) throw new Error(`dist/lib/${file} imports ${foreign.join(', ')} at run time; only the package's dependencies may be`);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json'], { stdio: ['ignore', 'inherit', 'inherit'] });
// `import` resolves to index.mjs, an ES module; its declarations must be one too (a .d.mts), or
// TypeScript takes the package for CommonJS under "module": "node16"/"nodenext".
writeFileSync(join(lib, 'types', 'index.d.mts'), "export * from './index.js';\n");

const tool = join(root, 'dist', 'wxplugin.js');
if (!existsSync(tool)) throw new Error('dist/wxplugin.js is missing: run node scripts/build.mjs --tools first');
const bin = join(root, 'dist', 'bin', 'wxplugin.js');
mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
writeFileSync(bin, "#!/usr/bin/env node\n'use strict';\nrequire('../wxplugin.js');\n");
chmodSync(bin, 0o755);
