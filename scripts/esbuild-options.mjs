import { deferUnusedServices, inlineCloudbaseVersion } from './esbuild-plugins.mjs';

// How a cloud function is bundled. Kept apart from build.mjs so the benchmark and the tests reason
// about the very same options.

/** WeChat cloud functions still run Node 16.13 (older functions) as well as 18.15 and newer. */
export const FUNCTION_TARGET = 'node16.13';

export function functionBuildOptions({ entry, outfile }) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: FUNCTION_TARGET,
    format: 'cjs',
    // Self-contained: the function folder uploads with no node_modules and no cloud npm install.
    packages: 'bundle',
    legalComments: 'eof',
    minify: true,
    charset: 'utf8',
    logLevel: 'warning',
    plugins: [inlineCloudbaseVersion, deferUnusedServices],
  };
}
