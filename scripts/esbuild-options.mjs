// How a cloud function is bundled: bundle.js with everything a cloud call needs, deferred.js with
// the SDK services it never uses (loaded only if something does use them), index.js, a small
// loader that starts bundle.js from a V8 code cache on the Node builds WeChat runs, and those
// caches. Kept apart from build.mjs so the tests and the benchmark reason about the very same build.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { chunkFromDeferred, collateWithoutIcuPlugin, COLLATE_CHECK_SCRIPT, deferToChunk, DEFERRED_CHUNK, inlineCloudbaseVersion, PROJECT_ROOT } from './esbuild-plugins.mjs';

/** WeChat cloud functions still run Node 16.13 (older functions) as well as 18.15 and newer. */
export const FUNCTION_TARGET = 'node16.13';
/** The function's code; index.js loads it. */
export const MAIN_CHUNK = 'bundle.js';

/**
 * The V8 code caches the build makes: one per distinct V8 version among WeChat's runtimes
 * (scripts/wechat-node/runtimes.json), made by the first Linux x64 build listed with that V8. V8
 * accepts a cache made by any build of the same V8 version and flags (the Node patch does not
 * matter: 20.19.0 takes 20.19.6's), and only such a build; none is made for the build machine's
 * own node, so the committed files do not depend on who built them. A Node whose V8 has no cache
 * here loads bundle.js with a plain require, as if there were no cache.
 */
const WECHAT_NODE_DIR = join(PROJECT_ROOT, 'scripts', 'wechat-node');
const { builds: WECHAT_NODE_BUILDS } = JSON.parse(readFileSync(join(WECHAT_NODE_DIR, 'runtimes.json'), 'utf8'));
export const V8_CACHE_RUNTIMES = WECHAT_NODE_BUILDS.filter((build, index) => build.platforms.includes('linux-x64') && WECHAT_NODE_BUILDS.findIndex((other) => other.v8 === build.v8) === index).map((build) => ({
  key: `${build.v8}-x64`,
  v8: build.v8,
  runtime: build.runtime,
  version: build.version,
  node: join(WECHAT_NODE_DIR, 'node_modules', `node${build.version}`, 'bin', 'node'),
}));
export const cacheFileFor = (key) => `${MAIN_CHUNK.replace(/\.js$/, '')}.v8-${key}.v8cache`;

/** Node's own CommonJS wrapper (Module.wrap), spelled out: the cache is made for exactly this text. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n});';
/**
 * The working directory the cache is made in. Not the build directory: what the first call compiles
 * depends on the working directory's path (measured), so caches made in different folders differed.
 * The root exists on every machine that makes caches (Linux x64).
 */
const CACHE_CWD = '/';

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
  // ASCII, non-ASCII text escaped (\uXXXX): the SDK's 336 Chinese characters made bundle.js a
  // two-byte string in V8 (560 KB instead of 280 KB) that every cold start decoded, copied and
  // kept; escaped, it is 2 KB longer and one byte per character.
  charset: 'ascii',
  logLevel: 'warning',
  absWorkingDir: PROJECT_ROOT,
};

/**
 * index.js. With a cache for this V8 (its version without Node's `-node.N` suffix, and the
 * architecture; V8 itself then checks its version, flags, the source's length and a checksum),
 * bundle.js is compiled from it and V8 skips parsing and compiling what the cache holds. A cache V8
 * rejects costs reading it and nothing else: V8 compiles the source as it would have. Without one,
 * a plain require. Either way bundle.js is one module in require.cache, loaded once, and its module
 * object carries `cachedDataRejected` (true, false, or absent when no cache was offered), which the
 * function writes into its log line: only the function can tell how the cloud started its Node.
 */
function loaderSource() {
  const caches = Object.fromEntries(V8_CACHE_RUNTIMES.map(({ key, runtime }) => [key, { file: cacheFileFor(key), node: `v${runtime}.` }]));
  return `"use strict";
// Loads ${MAIN_CHUNK} (the function, built from src/ by npm run build), from a V8 code cache made
// for this V8 version when there is one. See docs/cold-start.md.
const { readFileSync } = require("fs");
const { join } = require("path");
const CACHES = ${JSON.stringify(caches)};
const file = join(__dirname, ${JSON.stringify(MAIN_CHUNK)});
const cache = CACHES[process.versions.v8.split("-")[0] + "-" + process.arch];
let cachedData;
if (cache !== undefined && process.version.startsWith(cache.node)) {
  try {
    cachedData = readFileSync(join(__dirname, cache.file));
  } catch (error) {
    cachedData = undefined;
  }
}
if (cachedData === undefined) {
  module.exports = require(file);
} else {
  // The CommonJS loader itself (require("module") would load it again as a public module, with the
  // ES module loader and the source-map support behind it: 1 ms and more on Node 20 and 22).
  const Module = module.constructor;
  const { Script } = require("vm");
  const script = new Script(${JSON.stringify(WRAP_HEAD)} + readFileSync(file, "utf8") + ${JSON.stringify(WRAP_TAIL)}, { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = module.paths;
  loaded.cachedDataRejected = script.cachedDataRejected === true;
  Module._cache[file] = loaded;
  try {
    script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, __dirname);
  } catch (error) {
    delete Module._cache[file];
    throw error;
  }
  loaded.loaded = true;
  module.exports = loaded.exports;
}
`;
}

/**
 * Run by each cache runtime, as `node --random-seed=1 -e CACHE_SCRIPT bundle.js out.v8cache`:
 * evaluates bundle.js as the loader does, then, if it exports a cloud function's `main`, makes one
 * first call with a plain `apply` event, as an administrator, against a stub gateway inside this
 * process that answers every request `{errcode:0}` (nothing leaves the process), so that what the
 * first call compiles (the request, signing, protobuf and answer paths) is in the cache too; then
 * serialises what V8 compiled. Whatever that call answers, the cache is written: a path it did
 * not reach is simply compiled lazily at run time, as without a cache.
 *
 * Reproducible: the same source gives the same bytes whatever the build directory and however
 * busy the machine (test/unit/build.test.ts builds into two directories and compares). Three things
 * made them differ (two sets of bytes were once seen over six directories):
 * - V8 draws its string hash seed from --random-seed: fixed at 1 while the cache is made, and set
 *   back to its default before serialising, so the cache carries the flags hash of a plain `node`
 *   (on Node 16.13 the seed is part of that hash);
 * - the working directory: what the first call compiles depended on its path (short and shallow
 *   ones such as /tmp/x/NAME gave one cache, long or deep ones such as /tmp/a/b/c/d/e/f/g/h/i/jj
 *   another, each reproducible; the same bundle made with the other's working directory swapped
 *   them), so the cache is made with `/` as working directory. The script is named bundle.js, not by its path: V8 keeps the name in the cache (and
 *   replaces it with the loader's when the cache is used);
 * - the machine's load: V8 flushes the bytecode of functions that have not run for a few garbage
 *   collections, and when those happen depends on time, so a busy build machine dropped different
 *   functions: --no-flush-bytecode while the cache is made, set back before serialising. And the
 *   cache was serialised right after the first call, when whether a socket's close or a timer's
 *   callback had run yet depended on the load: it is serialised once the event loop has nothing
 *   left to run. And V8 writes each function's age (full collections since it last ran) into the
 *   cache: twenty forced full collections before serialising take every age to its cap (without
 *   them, 1 cache in 8 to 1 in 3 made at once differed in ~25 bytes on Node 24 at a load average
 *   of 14-19; with them, 42 of 42 identical).
 */
const CACHE_SCRIPT = `
const fs = require('fs'), path = require('path'), vm = require('vm'), Module = require('module'), http = require('http');
const [file, out, v8, version] = process.argv.slice(1);
if (process.version !== 'v' + version || process.versions.v8.split('-')[0] !== v8) {
  process.stderr.write('scripts/wechat-node/runtimes.json says Node ' + version + ' with V8 ' + v8 + ', but this binary is ' + process.version + ' with V8 ' + process.versions.v8 + ': correct the table\\n');
  process.exit(1);
}
// CommOpenApiResp { respData = 1: '{"errcode":0,"errmsg":"ok"}', contentType = 2: 'application/json', httpCode = 4: 200 }
const body = Buffer.from('{"errcode":0,"errmsg":"ok"}');
const answer = Buffer.concat([Buffer.from([0x0a, body.length]), body, Buffer.from([0x12, 16]), Buffer.from('application/json'), Buffer.from([0x20, 0xc8, 0x01])]);
const gateway = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => { response.writeHead(200, { 'content-type': 'application/octet-stream' }); response.end(answer); });
});
const sockets = new Set();
gateway.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
gateway.listen(0, '127.0.0.1', async () => {
  Object.assign(process.env, {
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: 'http://127.0.0.1:' + gateway.address().port + '/admin' }),
    TENCENTCLOUD_SECRETID: 'AKIDbuild', TENCENTCLOUD_SECRETKEY: 'build', TENCENTCLOUD_SESSIONTOKEN: 'build',
  });
  const script = new vm.Script(${JSON.stringify(WRAP_HEAD)} + fs.readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)}, { filename: ${JSON.stringify(MAIN_CHUNK)} });
  const loaded = new Module(file, null);
  loaded.filename = file;
  loaded.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = loaded;
  script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
  if (typeof loaded.exports.main === 'function') {
    try {
      await loaded.exports.main({ action: 'apply', pluginAppid: 'wx0123456789abcdef', reason: 'build' }, { time_limit_in_ms: 3000 });
    } catch (error) {
      // The cache holds whatever was compiled until then.
    }
  }
  // Serialised once nothing is left to run (beforeExit), not right after the call: on a busy
  // machine, whether a socket's close or a timer's callback had run by then varied.
  gateway.close();
  for (const socket of sockets) socket.destroy();
  setTimeout(() => {
    process.stderr.write('the cache generator\\'s first call left work pending for 60 s\\n');
    process.exit(1);
  }, 60000).unref();
  process.once('beforeExit', () => {
    // V8 keeps an age per function, raised by each full garbage collection since it last ran, and
    // writes it into the cache: how many collections a busy machine happened to run changed a few
    // bytes (Node 24). Twenty full collections take every age to its cap, whatever came before.
    require('v8').setFlagsFromString('--expose-gc');
    const gc = require('vm').runInNewContext('gc');
    for (let i = 0; i < 20; i += 1) gc();
    require('v8').setFlagsFromString('--no-expose-gc');
    require('v8').setFlagsFromString('--random-seed=0');
    require('v8').setFlagsFromString('--flush-bytecode');
    fs.writeFileSync(out, script.createCachedData());
    process.exit(0);
  });
});
`;
/** Makes the V8 code cache of outDir/bundle.js with `node` (Node `version`, whose V8 must be `v8`), into `out`. */
export function makeCache(node, outDir, out, { v8, version }) {
  // stdout ignored: the first call writes its log line there.
  execFileSync(node, ['--random-seed=1', '--no-flush-bytecode', '-e', CACHE_SCRIPT, join(outDir, MAIN_CHUNK), out, v8, version], { env: CACHE_ENV, cwd: CACHE_CWD, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Whether `node` accepts `cacheFile` for outDir/bundle.js, compiled as the loader compiles it
 * (same wrapper, no run). False when there is no such file.
 */
export function cacheAccepted(node, outDir, cacheFile) {
  if (!existsSync(cacheFile)) return false;
  const check = `const fs = require('fs'), vm = require('vm');
const [file, cache] = process.argv.slice(1);
const script = new vm.Script(${JSON.stringify(WRAP_HEAD)} + fs.readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)}, { filename: ${JSON.stringify(MAIN_CHUNK)}, cachedData: fs.readFileSync(cache) });
process.stdout.write(script.cachedDataRejected === false ? 'accepted' : 'rejected');`;
  return execFileSync(node, ['-e', check, join(outDir, MAIN_CHUNK), cacheFile], { env: {}, cwd: CACHE_CWD, encoding: 'utf8' }) === 'accepted';
}

/** What the function sees while the cache is made: a cloud function's platform, with fixed values. */
const CACHE_ENV = {
  TENCENTCLOUD_RUNENV: 'SCF',
  TENCENTCLOUD_REGION: 'ap-shanghai',
  SCF_NAMESPACE: 'build-env',
  TCB_ENV: 'build-env',
  WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID',
  WX_OPENID: 'oBuild',
  WX_APPID: 'wxa11ce00000000d3e',
  TCB_SOURCE: 'wx_client',
  ADMIN_OPENIDS: 'oBuild',
  TZ: 'Asia/Shanghai',
  // The SDK's url.parse deprecation warning on Node 24, on the build's terminal: not the build's concern.
  NODE_NO_WARNINGS: '1',
};

/**
 * The cache runtimes installed here. WeChat's linux-x64 builds exist only where npm publishes them
 * (scripts/wechat-node), so elsewhere (macOS, Windows) the build makes no cache, says so once, and
 * leaves the committed caches as they are: a stale cache is rejected by V8 at no cost, and CI (on
 * Linux x64, where both builds are always installed) rebuilds and checks them.
 */
let announced = false;
function installedCacheRuntimes() {
  const missing = V8_CACHE_RUNTIMES.filter(({ node }) => !existsSync(node));
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`${missing.map(({ node }) => node).join(', ')} missing: CI makes the V8 code caches with WeChat's Node builds; run npm ci`);
  }
  if (missing.length > 0 && !announced) {
    announced = true;
    process.stderr.write(`build: no V8 code cache for ${missing.map(({ key }) => key).join(', ')} (WeChat's Node build is not installed on ${process.platform}-${process.arch}); the committed caches are kept, and CI rebuilds them\n`);
  }
  return V8_CACHE_RUNTIMES.filter(({ node }) => existsSync(node));
}

let collateChecked;
/** The ICU-free comparator (esbuild-plugins.mjs) must agree with localeCompare on every target. */
function checkCollateFastPath() {
  collateChecked ??= (() => {
    for (const node of [process.execPath, ...installedCacheRuntimes().map((runtime) => runtime.node)]) {
      const { version, problems } = JSON.parse(execFileSync(node, ['-e', COLLATE_CHECK_SCRIPT], { env: {}, stdio: ['ignore', 'pipe', 'inherit'] }).toString());
      if (problems.length > 0) throw new Error(`collate-without-icu: on ${version} the fast comparator disagrees with localeCompare: ${JSON.stringify(problems)}`);
    }
    return true;
  })();
}

/**
 * The SDK chunk (deferred.js) depends only on which SDK modules the main bundle already holds: the
 * same for every function, so it is built once per build run and shared.
 */
const deferredChunks = new Map();
function deferredChunkFor(mainInputs) {
  const key = [...mainInputs].filter((input) => input.includes(`${sep}node_modules${sep}`)).sort().join('\n');
  if (!deferredChunks.has(key)) {
    deferredChunks.set(
      key,
      (async () => {
        const bridged = new Set();
        const result = await build({
          ...common,
          entryPoints: ['deferred-chunk-entry'],
          outfile: DEFERRED_CHUNK,
          write: false,
          plugins: [inlineCloudbaseVersion, collateWithoutIcuPlugin, chunkFromDeferred({ mainInputs, bridged })],
        });
        return { text: result.outputFiles[0].contents, bridged };
      })(),
    );
  }
  return deferredChunks.get(key);
}

/**
 * Three esbuild passes, all deterministic: bundle.js once to learn which modules it holds, then
 * deferred.js (sharing those modules through a bridge instead of copying them), then bundle.js
 * again with the bridge deferred.js asked for. Then index.js and one V8 cache per WeChat runtime.
 */
export async function buildFunction({ entry, outDir }) {
  checkCollateFastPath();
  const mainOptions = (bridged) => ({
    ...common,
    entryPoints: [entry],
    outfile: join(outDir, MAIN_CHUNK),
    metafile: true,
    write: false,
    plugins: [inlineCloudbaseVersion, collateWithoutIcuPlugin, deferToChunk({ bridged })],
  });
  const probe = await build(mainOptions([]));
  const mainInputs = new Set(Object.keys(probe.metafile.inputs).filter((input) => !input.includes(':')).map((input) => resolve(PROJECT_ROOT, input)));
  const { text, bridged } = await deferredChunkFor(mainInputs);
  mkdirSync(outDir, { recursive: true });
  const written = [];
  const write = (file, contents) => writeIfChanged(join(outDir, file), contents) && written.push(file);
  write(DEFERRED_CHUNK, text);
  write(MAIN_CHUNK, asciiOnly((await build(mainOptions(bridged))).outputFiles[0].contents, MAIN_CHUNK));
  write('index.js', loaderSource());
  const made = installedCacheRuntimes();
  // V8 does not always serialise the same bytes for the same bundle on a busy machine (seen on
  // Node 22 and 24 at a load average above 10), so a cache made from this very bundle.js is kept
  // while bundle.js is unchanged and its runtime still accepts it: a rebuild with nothing changed
  // rewrites nothing. Acceptance alone is not enough (a cache of another bundle of the same length
  // can be accepted): only an unchanged bundle.js lets a cache stay.
  const bundleUnchanged = !written.includes(MAIN_CHUNK);
  for (const { key, node, v8, version } of made) {
    if (bundleUnchanged && cacheAccepted(node, outDir, join(outDir, cacheFileFor(key)))) continue;
    const scratch = join(outDir, `.${cacheFileFor(key)}.tmp`);
    try {
      makeCache(node, outDir, scratch, { v8, version });
      write(cacheFileFor(key), readFileSync(scratch));
    } finally {
      rmSync(scratch, { force: true });
    }
  }
  // A cache for a V8 no longer in the table would never be read: removed. (Where none is made here,
  // the committed ones are kept, see installedCacheRuntimes.)
  const known = new Set(V8_CACHE_RUNTIMES.map(({ key }) => cacheFileFor(key)));
  for (const file of readdirSync(outDir).filter((name) => name.endsWith('.v8cache') && !known.has(name))) {
    rmSync(join(outDir, file));
    written.push(file);
  }
  return written;
}

/**
 * The bundle's bytes, if they are all ASCII. esbuild escapes non-ASCII text in strings, but not
 * in a regular expression literal: one such character there makes V8 hold the whole bundle as a
 * two-byte string again (see `charset` above). Write it as an escape (`\uFF0C`) instead.
 */
export function asciiOnly(contents, name) {
  const at = contents.findIndex((byte) => byte > 0x7f);
  if (at >= 0) {
    const text = Buffer.from(contents).toString('utf8', Math.max(0, at - 40), at + 40);
    throw new Error(`${name} is not ASCII near ${JSON.stringify(text)}: escape the character in the source (\\uXXXX) so that V8 keeps the bundle as a one-byte string`);
  }
  return contents;
}

/** Writes `contents` unless the file already holds exactly that; says whether it wrote. */
export function writeIfChanged(file, contents) {
  const bytes = typeof contents === 'string' ? Buffer.from(contents) : Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength);
  if (existsSync(file) && readFileSync(file).equals(bytes)) return false;
  writeFileSync(file, bytes);
  return true;
}
