// esbuild plugins for bundling wx-server-sdk faithfully.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * @cloudbase/node-sdk reads its own version from `path.join(__dirname, '../../package.json')` at
 * load time and sends it in every request's User-Agent and X-SDK-Version headers. Inside a bundle
 * __dirname is the function's folder, so the read fails and the SDK reports "unknow". This inlines
 * the version the bundle really contains, read from the installed package at build time.
 */
export const inlineCloudbaseVersion = {
  name: 'inline-cloudbase-version',
  setup(build) {
    build.onLoad({ filter: /@cloudbase[\\/]node-sdk[\\/]dist[\\/]utils[\\/]version\.js$/ }, () => {
      const { version } = JSON.parse(readFileSync(require.resolve('@cloudbase/node-sdk/package.json', { paths: [require.resolve('wx-server-sdk')] }), 'utf8'));
      return {
        contents: `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.version = ${JSON.stringify(version)};\n`,
        loader: 'js',
      };
    });
  },
};
