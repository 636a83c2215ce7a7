// esbuild plugins for bundling wx-server-sdk faithfully and starting it fast.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const sdkRequire = createRequire(require.resolve('wx-server-sdk'));
const DEFER_HELPER = fileURLToPath(new URL('../src/cloud/defer-require.ts', import.meta.url));

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
      const { version } = JSON.parse(readFileSync(sdkRequire.resolve('@cloudbase/node-sdk/package.json'), 'utf8'));
      return {
        contents: `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.version = ${JSON.stringify(version)};\n`,
        loader: 'js',
      };
    });
  },
};

/**
 * The requires whose evaluation is deferred to first use (see src/cloud/defer-require.ts and the
 * README's "Cold start" section for why each one is off the cloud-call path). Keys are files inside
 * node_modules, values map each `require("specifier")` in that file to its deferRequire options.
 * Reasoned for wx-server-sdk 4.0.2 with @cloudbase/node-sdk 3.17.2; test/unit/cold-start.test.ts
 * fails if either version changes.
 */
export const DEFERRED_REQUIRES = {
  '@cloudbase/node-sdk/dist/cloudbase.js': {
    axios: { esModule: false },
    // init() always builds the data-models client; its construction is deferred with it.
    '@cloudbase/wx-cloud-client-sdk': { esModule: true, deferredCalls: ['default.generateHTTPClient'] },
    './auth': {},
    './functions': {},
    './cloudrun': {},
    './database': {},
    './storage': {},
    './analytics': {},
    './ai': {},
    './logger': {},
    './notification': {},
  },
  '@cloudbase/node-sdk/dist/utils/metadata.js': { axios: { esModule: false } },
  '@cloudbase/node-sdk/dist/utils/request-core.js': { 'https-proxy-agent': {}, 'http-proxy-agent': {} },
  'wx-server-sdk/index.js': { 'mime-db': {} },
  'form-data/lib/form_data.js': { 'mime-types': {} },
};

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Rewrites `require("x")` into `__deferRequire(() => require("x"), options)`; fails if one is missing. */
export function deferRequires(source, file, requires) {
  let out = source;
  for (const [specifier, options] of Object.entries(requires)) {
    const call = new RegExp(`require\\((["'])${escapeRegExp(specifier)}\\1\\)`, 'g');
    const found = out.match(call)?.length ?? 0;
    if (found !== 1) {
      throw new Error(`defer-unused-services: expected one require("${specifier}") in ${file}, found ${found}; re-check the cold-start reasoning for this SDK version`);
    }
    out = out.replace(call, (text) => `__deferRequire(() => ${text}, ${JSON.stringify(options)})`);
  }
  const header = `var __deferRequire = require(${JSON.stringify(DEFER_HELPER)}).deferRequire;\n`;
  return out.startsWith('"use strict";') ? out.replace('"use strict";', `"use strict";\n${header}`) : header + out;
}

export const deferUnusedServices = {
  name: 'defer-unused-services',
  setup(build) {
    const files = Object.keys(DEFERRED_REQUIRES);
    const seen = new Set();
    const filter = new RegExp(`node_modules[\\\\/](${files.map((file) => escapeRegExp(file).replace(/\\\//g, '[\\\\/]')).join('|')})$`);
    build.onLoad({ filter }, (args) => {
      const file = files.find((candidate) => args.path.replace(/\\/g, '/').endsWith(`node_modules/${candidate}`));
      seen.add(file);
      return { contents: deferRequires(readFileSync(args.path, 'utf8'), file, DEFERRED_REQUIRES[file]), loader: 'js', resolveDir: args.path.replace(/[\\/][^\\/]*$/, '') };
    });
    build.onEnd((result) => {
      const missing = files.filter((file) => !seen.has(file));
      if (result.errors.length === 0 && missing.length > 0) {
        throw new Error(`defer-unused-services: never loaded ${missing.join(', ')}; re-check the cold-start reasoning for this SDK version`);
      }
    });
  },
};
