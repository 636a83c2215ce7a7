// How a cloud function is bundled: index.js with everything a cloud call needs, and deferred.js
// with the SDK services it never uses, loaded only if something does use them. Kept apart from
// build.mjs so the tests and the benchmark reason about the very same build.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { chunkFromDeferred, deferToChunk, DEFERRED_CHUNK, inlineCloudbaseVersion, PROJECT_ROOT } from './esbuild-plugins.mjs';

/** WeChat cloud functions still run Node 16.13 (older functions) as well as 18.15 and newer. */
export const FUNCTION_TARGET = 'node16.13';

const common = {
  bundle: true,
  platform: 'node',
  target: FUNCTION_TARGET,
  format: 'cjs',
  // Self-contained: the function folder uploads with no node_modules and no cloud npm install.
  packages: 'bundle',
  // Smaller files read and parse faster at cold start; licences are kept at the end of each file.
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
  absWorkingDir: PROJECT_ROOT,
};

/**
 * Three esbuild passes, all deterministic: index.js once to learn which modules it holds, then
 * deferred.js (sharing those modules through a bridge instead of copying them), then index.js
 * again with the bridge deferred.js asked for.
 */
export async function buildFunction({ entry, outDir }) {
  const mainOptions = (bridged) => ({
    ...common,
    entryPoints: [entry],
    outfile: join(outDir, 'index.js'),
    metafile: true,
    plugins: [inlineCloudbaseVersion, deferToChunk({ bridged })],
  });
  const probe = await build({ ...mainOptions([]), write: false });
  const mainInputs = new Set(Object.keys(probe.metafile.inputs).filter((input) => !input.includes(':')).map((input) => resolve(PROJECT_ROOT, input)));
  const bridged = new Set();
  await build({
    ...common,
    entryPoints: ['deferred-chunk-entry'],
    outfile: join(outDir, DEFERRED_CHUNK),
    plugins: [inlineCloudbaseVersion, chunkFromDeferred({ mainInputs, bridged })],
  });
  await build(mainOptions(bridged));
}
