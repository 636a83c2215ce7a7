// esbuild plugins for bundling wx-server-sdk faithfully and starting it fast.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const sdkRequire = createRequire(require.resolve('wx-server-sdk'));
export const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const DEFER_HELPER = resolve(PROJECT_ROOT, 'src/cloud/defer-require.ts');
/** The file beside index.js that holds the deferred modules. */
export const DEFERRED_CHUNK = 'deferred.js';

/** Paths as they appear in keys and comments: relative to the project, with forward slashes. */
const projectPath = (path) => relative(PROJECT_ROOT, path).split('\\').join('/');

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

const deferredKey = (file, specifier) => `${file}:${specifier}`;

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function fileIn(path) {
  const normalised = path.split('\\').join('/');
  return Object.keys(DEFERRED_REQUIRES).find((file) => normalised.endsWith(`node_modules/${file}`));
}

const importersFilter = new RegExp(`node_modules[\\\\/](${Object.keys(DEFERRED_REQUIRES).map((file) => escapeRegExp(file).replace(/\\\//g, '[\\\\/]')).join('|')})$`);

/**
 * Rewrites each `require("x")` listed for `file` into a deferred load through the runtime module
 * `deferred-runtime`; fails the build if one is not found exactly once (the SDK changed).
 */
export function deferRequires(source, file) {
  let out = source;
  for (const [specifier, options] of Object.entries(DEFERRED_REQUIRES[file])) {
    const call = new RegExp(`require\\((["'])${escapeRegExp(specifier)}\\1\\)`, 'g');
    const found = out.match(call)?.length ?? 0;
    if (found !== 1) {
      throw new Error(`defer-unused-services: expected one require("${specifier}") in ${file}, found ${found}; re-check the cold-start reasoning for this SDK version`);
    }
    out = out.replace(call, () => `__deferred.deferRequire(() => __deferred.load(${JSON.stringify(deferredKey(file, specifier))}), ${JSON.stringify(options)})`);
  }
  const header = 'var __deferred = require("deferred-runtime");\n';
  return out.startsWith('"use strict";') ? out.replace('"use strict";', `"use strict";\n${header}`) : header + out;
}

/**
 * index.js side. Deferred requires become loads from ./deferred.js (left external), and the
 * `deferred-runtime` module hands that chunk the modules it shares with index.js (`bridged`:
 * project-relative paths, known after the chunk is built).
 */
export function deferToChunk({ bridged = [] } = {}) {
  return {
    name: 'defer-to-chunk',
    setup(build) {
      const seen = new Set();
      build.onResolve({ filter: /^deferred-runtime$/ }, () => ({ path: 'deferred-runtime', namespace: 'deferred' }));
      build.onLoad({ filter: /^deferred-runtime$/, namespace: 'deferred' }, () => ({
        contents: [
          `const { deferRequire, deferredChunk } = require(${JSON.stringify(DEFER_HELPER)});`,
          `const bridge = {`,
          ...[...bridged].sort().map((path) => `  ${JSON.stringify(path)}: () => require(${JSON.stringify(resolve(PROJECT_ROOT, path))}),`),
          `};`,
          `module.exports = { deferRequire, load: deferredChunk(() => require("./${DEFERRED_CHUNK}"), bridge) };`,
        ].join('\n'),
        loader: 'js',
        resolveDir: PROJECT_ROOT,
      }));
      build.onResolve({ filter: new RegExp(`^\\./${escapeRegExp(DEFERRED_CHUNK)}$`) }, (args) =>
        args.importer === 'deferred-runtime' ? { path: `./${DEFERRED_CHUNK}`, external: true } : undefined,
      );
      build.onLoad({ filter: importersFilter }, (args) => {
        const file = fileIn(args.path);
        seen.add(file);
        return { contents: deferRequires(readFileSync(args.path, 'utf8'), file), loader: 'js', resolveDir: dirname(args.path) };
      });
      build.onEnd((result) => {
        const missing = Object.keys(DEFERRED_REQUIRES).filter((file) => !seen.has(file));
        if (result.errors.length === 0 && missing.length > 0) {
          result.errors.push({ text: `defer-unused-services: never loaded ${missing.join(', ')}; re-check the cold-start reasoning for this SDK version` });
        }
      });
    },
  };
}

/**
 * deferred.js side. Its entry exports `link(bridge)`; every module it would share with index.js
 * (`mainInputs`, absolute paths from index.js's metafile) is taken from the bridge instead of being
 * bundled a second time. `bridged` collects which ones were needed.
 */
export function chunkFromDeferred({ mainInputs, bridged }) {
  return {
    name: 'chunk-from-deferred',
    setup(build) {
      build.onResolve({ filter: /^deferred-chunk-entry$/ }, () => ({ path: 'deferred-chunk-entry', namespace: 'deferred' }));
      build.onLoad({ filter: /^deferred-chunk-entry$/, namespace: 'deferred' }, () => {
        const loaders = [];
        for (const [file, requires] of Object.entries(DEFERRED_REQUIRES)) {
          const importerDir = dirname(sdkRequire.resolve(file.replace(/\.js$/, '')));
          for (const specifier of Object.keys(requires)) {
            const target = createRequire(resolve(importerDir, 'x.js')).resolve(specifier);
            loaders.push(`  ${JSON.stringify(deferredKey(file, specifier))}: () => require(${JSON.stringify(target)}),`);
          }
        }
        return {
          contents: [
            'const link = require("deferred-link");',
            'const loaders = {',
            ...loaders,
            '};',
            'exports.link = (bridge) => { link.set(bridge); return { load: (key) => loaders[key]() }; };',
          ].join('\n'),
          loader: 'js',
          resolveDir: PROJECT_ROOT,
        };
      });
      build.onResolve({ filter: /^deferred-link$/ }, () => ({ path: 'deferred-link', namespace: 'deferred' }));
      build.onLoad({ filter: /^deferred-link$/, namespace: 'deferred' }, () => ({
        contents: 'let bridge; exports.set = (b) => { bridge = b; }; exports.get = (path) => bridge[path]();',
        loader: 'js',
      }));
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === 'bridge' || args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
        if (args.path === 'deferred-link' || args.path === 'deferred-chunk-entry') return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (resolved.errors.length > 0 || resolved.external || !mainInputs.has(resolved.path)) return undefined;
        const path = projectPath(resolved.path);
        bridged.add(path);
        return { path, namespace: 'bridge' };
      });
      build.onLoad({ filter: /.*/, namespace: 'bridge' }, (args) => ({
        contents: `module.exports = require("deferred-link").get(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: PROJECT_ROOT,
      }));
    },
  };
}
