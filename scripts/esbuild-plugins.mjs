// esbuild plugins for bundling wx-server-sdk faithfully and starting it fast.
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const sdkRequire = createRequire(require.resolve('wx-server-sdk'));
export const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const DEFER_HELPER = resolve(PROJECT_ROOT, 'src/cloud/defer-require.ts');
const ANSWER_CAP = resolve(PROJECT_ROOT, 'src/cloud/answer-cap.ts');
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
 * ICU-free key sorting for request signing, same order as before.
 *
 * @cloudbase/signature-nodejs signs every request over its header and parameter names sorted with
 * `l.toString().localeCompare(r)`. The first `localeCompare` of a process builds ICU's collator:
 * 9-16 ms on Node 20 and 20-50 ms on Node 16.13/18.15 (measured, docs/cold-start.md), inside every
 * cold start's first call, for a dozen lowercase ASCII names. This replaces the comparator with
 * one that answers exactly what `localeCompare` answers, without ICU, where that is proven, and
 * calls `localeCompare` itself everywhere else:
 * - both names consist only of `_ - . 0-9 a-z` (the lowercased, URL-encoded names the signer
 *   produces; anything else, such as `%2A`, falls back). For these characters ICU's collation
 *   (root, and the en and zh tailorings) gives each a distinct primary weight in the order
 *   `COLLATE_ORDER`, with no contractions and nothing ignorable, so it compares strings
 *   character by character in that order, a proper prefix first;
 * - and the process's default collation locale is one of those: every one of LC_ALL, LC_COLLATE,
 *   LC_MESSAGES and LANG is unset, empty, C, POSIX, en* or zh* (Danish, for one, sorts `aa`
 *   after `z`), and no --icu-* option is given.
 * The build checks the claim against `localeCompare` on every Node build it targets
 * (`checkCollateFastPath` below) and fails if it does not hold.
 */
export const COLLATE_ORDER = '_-.0123456789abcdefghijklmnopqrstuvwxyz';
const COLLATE_HELPER = `var __collate = (function () {
  var ORDER = ${JSON.stringify(COLLATE_ORDER)};
  var SIMPLE = /^[a-z0-9_.-]*$/;
  var SAFE_LOCALE = /^(?:(?:C|POSIX|en|zh)(?:[-_.@].*)?)?$/;
  var fast;
  function fastPathAllowed() {
    var env = process.env;
    var names = ["LC_ALL", "LC_COLLATE", "LC_MESSAGES", "LANG"];
    for (var i = 0; i < names.length; i++) if (env[names[i]] !== undefined && !SAFE_LOCALE.test(env[names[i]])) return false;
    return !/--icu/.test(process.execArgv.join(" ") + " " + (env.NODE_OPTIONS || ""));
  }
  return function collate(a, b) {
    if (fast === undefined) fast = fastPathAllowed();
    if (!fast || typeof b !== "string" || !SIMPLE.test(a) || !SIMPLE.test(b)) return a.localeCompare(b);
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = ORDER.indexOf(a[i]), y = ORDER.indexOf(b[i]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  };
})();
`;
const COLLATE_CALL = '.sort((l, r) => l.toString().localeCompare(r))';

export function collateWithoutIcu(source) {
  const found = source.split(COLLATE_CALL).length - 1;
  if (found !== 1) throw new Error(`collate-without-icu: expected one ${COLLATE_CALL} in @cloudbase/signature-nodejs/lib/keyvalue.js, found ${found}; re-check for this version`);
  const out = source.replace(COLLATE_CALL, '.sort((l, r) => __collate(l.toString(), r))');
  return out.startsWith('"use strict";') ? out.replace('"use strict";', `"use strict";\n${COLLATE_HELPER}`) : COLLATE_HELPER + out;
}

export const collateWithoutIcuPlugin = {
  name: 'collate-without-icu',
  setup(build) {
    build.onLoad({ filter: /@cloudbase[\\/]signature-nodejs[\\/]lib[\\/]keyvalue\.js$/ }, (args) => ({
      contents: collateWithoutIcu(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/**
 * A script for `node -e`, printing what it found: the fast path's comparator against
 * `localeCompare` in the locales it allows, for every pair of characters and 20 000 pseudo-random
 * pairs of names (deterministic), and its refusal for a locale it does not allow.
 */
export const COLLATE_CHECK_SCRIPT = `
const helper = ${JSON.stringify(COLLATE_HELPER)};
// An empty environment: the fast path on, whatever the build's own locale.
const collate = new Function('process', helper + 'return __collate;')({ env: {}, execArgv: [] });
const A = ${JSON.stringify(COLLATE_ORDER)};
let seed = 1;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const name = () => { let s = ''; for (let i = rnd(8); i > 0; i--) s += A[rnd(A.length)]; return s; };
const pairs = [];
for (const a of A) for (const b of A) pairs.push([a, b]);
for (let k = 0; k < 20000; k++) { const a = name(); pairs.push([a, rnd(3) ? name() : a.slice(0, rnd(a.length + 1)) + name()]); }
const problems = [];
for (const locale of [undefined, 'und', 'en-US', 'en-GB', 'zh-CN', 'zh-TW', 'zh-Hans-CN']) {
  for (const [a, b] of pairs) {
    if (Math.sign(a.localeCompare(b, locale)) !== collate(a, b)) { problems.push([locale, a, b]); break; }
  }
}
process.stdout.write(JSON.stringify({ version: process.version, problems }));
`;

/**
 * The requires whose evaluation is deferred to first use (see src/cloud/defer-require.ts and the
 * docs/design.md, "Cold start", for why each one is off the cloud-call path). Keys are files inside
 * node_modules, values map each `require("specifier")` in that file to its deferRequire options.
 * Reasoned for wx-server-sdk 4.0.2 with @cloudbase/node-sdk 3.17.2; test/e2e/cold-start.test.ts
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
  '@cloudbase/node-sdk/dist/utils/request-core.js': {
    'https-proxy-agent': {},
    'http-proxy-agent': {},
    // Node's https (and tls under it) only for an https gateway URL; a Node built-in is deferred in
    // place, never through deferred.js.
    https: { esModule: false },
    // Keep-alive agents only outside a cloud function (in SCF the SDK turns keep-alive off unless
    // init sets it); deferring them is what keeps agentkeepalive's https_agent from loading https.
    agentkeepalive: { wrappedIn: '__importStar' },
  },
  'wx-server-sdk/index.js': { 'mime-db': {} },
  'form-data/lib/form_data.js': { 'mime-types': {}, https: {} },
  // long.js compiles a WebAssembly module when it loads (1.5-10 ms on Node 20); protobufjs only
  // tests `Long && Long.isLong` then, and the open-API messages have no 64-bit fields.
  'protobufjs/src/util/minimal.js': { long: { forwardedFunctions: ['isLong'] } },
};

/**
 * Where the SDK makes its HTTP requests, and the modules it makes them with: each of those
 * `require`s goes through `withAnswerCap` (src/cloud/answer-cap.ts), so that while the transport
 * waits for an answer, an answer past the bound is cut at its socket, before the SDK buffers it
 * (whatever agent carries it, in a cloud function or not). The same file's deferred `https` is
 * wrapped inside its deferral.
 */
export const ANSWER_CAPPED_REQUIRES = {
  '@cloudbase/node-sdk/dist/utils/request-core.js': ['http', 'https'],
};

/** Routes each listed `require` of `file` through the answer cap; fails the build if one is not found exactly once. */
export function capAnswers(source, file) {
  const specifiers = ANSWER_CAPPED_REQUIRES[file];
  if (specifiers === undefined) return source;
  let out = source;
  for (const specifier of specifiers) {
    const call = new RegExp(`require\\((["'])${escapeRegExp(specifier)}\\1\\)`, 'g');
    const found = out.match(call)?.length ?? 0;
    if (found !== 1) throw new Error(`answer-cap: expected one require("${specifier}") in ${file}, found ${found}; re-check where this SDK version makes its requests`);
    out = out.replace(call, () => `__answerCap.withAnswerCap(require(${JSON.stringify(specifier)}))`);
  }
  const header = `var __answerCap = require(${JSON.stringify(ANSWER_CAP)});\n`;
  return out.startsWith('"use strict";') ? out.replace('"use strict";', `"use strict";\n${header}`) : header + out;
}

/**
 * Exact edits to the SDK's own source, each found exactly once (the build fails otherwise), for
 * what costs time on every open-API call and changes nothing the call does:
 * - wx-server-sdk's `callGeneralOpenAPI` first awaits `sleep()`, `setTimeout(resolve, 0)`: Node
 *   clamps that to 1 ms, so every call, the first one of a cold start included, sat idle for at
 *   least 1 ms before signing its request. `setImmediate` still yields to the event loop once,
 *   as the SDK meant, without the clamp.
 */
export const SOURCE_EDITS = {
  'wx-server-sdk/index.js': [
    {
      find: 'async function callGeneralOpenAPI(method, options, config) {\n    await sleep();',
      replace: 'async function callGeneralOpenAPI(method, options, config) {\n    await new Promise(resolve => setImmediate(resolve));',
    },
  ],
};

/** Applies SOURCE_EDITS to `file`; fails the build if an edit's text is not found exactly once. */
export function editSource(source, file) {
  let out = source;
  for (const { find, replace } of SOURCE_EDITS[file] ?? []) {
    const found = out.split(find).length - 1;
    if (found !== 1) throw new Error(`sdk-source-edits: expected one ${JSON.stringify(find)} in ${file}, found ${found}; re-check for this SDK version`);
    out = out.replace(find, () => replace);
  }
  return out;
}

/** Options that shape the rewrite at build time and are not passed on to deferRequire. */
const BUILD_ONLY_OPTIONS = ['wrappedIn'];
const isBuiltin = (specifier) => builtinModules.includes(specifier.replace(/^node:/, ''));

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
    const { wrappedIn } = options;
    const runtimeOptions = Object.fromEntries(Object.entries(options).filter(([key]) => !BUILD_ONLY_OPTIONS.includes(key)));
    const required = `require\\((["'])${escapeRegExp(specifier)}\\1\\)`;
    const call = new RegExp(wrappedIn ? `${escapeRegExp(wrappedIn)}\\(${required}\\)` : required, 'g');
    const found = out.match(call)?.length ?? 0;
    if (found !== 1) {
      const what = wrappedIn ? `${wrappedIn}(require("${specifier}"))` : `require("${specifier}")`;
      throw new Error(`defer-unused-services: expected one ${what} in ${file}, found ${found}; re-check the cold-start reasoning for this SDK version`);
    }
    const load = isBuiltin(specifier) ? `require(${JSON.stringify(specifier)})` : `__deferred.load(${JSON.stringify(deferredKey(file, specifier))})`;
    out = out.replace(call, () => `__deferred.deferRequire(() => ${wrappedIn ? `${wrappedIn}(${load})` : load}, ${JSON.stringify(runtimeOptions)})`);
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
        return { contents: editSource(capAnswers(deferRequires(readFileSync(args.path, 'utf8'), file), file), file), loader: 'js', resolveDir: dirname(args.path) };
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
          for (const specifier of Object.keys(requires).filter((name) => !isBuiltin(name))) {
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
