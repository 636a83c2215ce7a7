import { builtinModules } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { reportMissingWechatNodes, RUNTIMES } from '../support/harness';

/**
 * The V8 code caches the build makes (scripts/esbuild-options.mjs): one per distinct V8 of WeChat's
 * runtimes, made by the first Linux x64 build listed with it, where that build is installed.
 */
const TABLE = JSON.parse(readFileSync(join(PROJECT_ROOT, 'scripts', 'wechat-node', 'runtimes.json'), 'utf8')) as { builds: Array<{ version: string; v8: string; platforms: string[] }> };
const CACHE_RUNTIMES = TABLE.builds
  .filter((build, index) => build.platforms.includes('linux-x64') && TABLE.builds.findIndex((other) => other.v8 === build.v8) === index)
  .map((build) => [`bundle.v8-${build.v8}-x64.v8cache`, join(PROJECT_ROOT, 'scripts', 'wechat-node', 'node_modules', `node${build.version}`, 'bin', 'node')] as const);
const ALL_CACHES = CACHE_RUNTIMES.map(([file]) => file);

reportMissingWechatNodes();

import { CLOUD_FUNCTIONS } from '../../src/core/operations';

const FUNCTIONS = Object.keys(CLOUD_FUNCTIONS);

/** What `node` says of the cache `file` for dir/bundle.js, compiled as the loader compiles it. */
function cacheState(node: string, dir: string, file: string): string {
  const script = `const fs = require('fs'), vm = require('vm');
const source = '(function (exports, require, module, __filename, __dirname) { ' + fs.readFileSync(process.argv[1], 'utf8') + '\\n});';
const compiled = new vm.Script(source, { filename: 'bundle.js', cachedData: fs.readFileSync(process.argv[2]) });
process.stdout.write(compiled.cachedDataRejected === false ? 'accepted' : 'rejected');`;
  return execFileSync(node, ['-e', script, join(dir, 'bundle.js'), join(dir, file)], { encoding: 'utf8' });
}
const build = (dir: string): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--functions-to', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`build into ${dir} failed: ${stderr}`))));
  });

describe('the committed cloud functions', () => {
  let freshBuild: string;
  let deeper: string;
  let deeperBuild: string;
  beforeAll(async () => {
    // A short directory, and one much deeper and longer, built at the same time (a busy machine).
    // Before the fix, a cache depended on the path it was made in: paths like these two (short
    // and shallow, long and deep) gave two different sets of bytes.
    // The fresh build of the working tree starts from a copy of it, as `npm run build` does: a
    // cache V8 accepts for an unchanged bundle.js is kept (V8's bytes vary on a busy machine).
    freshBuild = mkdtempSync(join(tmpdir(), 'b'));
    cpSync(join(PROJECT_ROOT, 'cloudfunctions'), freshBuild, { recursive: true });
    deeper = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    deeperBuild = join(deeper, 'another', 'build', 'directory-with-a-much-longer-name', 'and', 'a', 'few', 'more', 'levels');
    await Promise.all([build(freshBuild), build(deeperBuild)]);
  }, 180_000);
  afterAll(() => {
    rmSync(freshBuild, { recursive: true, force: true });
    rmSync(deeper, { recursive: true, force: true });
  });

  test.each(FUNCTIONS)('%s: every built file is in the working tree, byte-identical to a fresh build of it', (name) => {
    const built = readdirSync(join(freshBuild, name)).sort();
    // One V8 code cache per distinct V8 whose WeChat Node build is installed here (all on Linux x64).
    const caches = CACHE_RUNTIMES.filter(([, node]) => existsSync(node)).map(([file]) => file);
    expect(built).toEqual(['bundle.js', ...caches, 'config.json', 'deferred.js', 'index.js', 'package.json'].sort());
    for (const file of built) {
      // The working tree, not the last commit: output rebuilt and not yet committed is fresh. A stale
      // one (src/ changed, no build since) fails here, on a laptop and on CI's fresh clone alike.
      const inTree = readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, file));
      const fresh = readFileSync(join(freshBuild, name, file));
      // On failure: run `npm run build` (and commit cloudfunctions/ with your change).
      expect([`cloudfunctions/${name}/${file}`, inTree.equals(fresh) ? 'fresh' : 'stale: run npm run build']).toEqual([`cloudfunctions/${name}/${file}`, 'fresh']);
    }
  });

  test.each(FUNCTIONS)('%s: the same code whatever the build directory, on a busy machine; every cache accepted', (name) => {
    const files = readdirSync(join(freshBuild, name)).sort();
    expect(readdirSync(join(deeperBuild, name)).sort()).toEqual(files);
    const code = files.filter((file) => !file.endsWith('.v8cache'));
    const differing = code.filter((file) => !readFileSync(join(freshBuild, name, file)).equals(readFileSync(join(deeperBuild, name, file))));
    expect(differing).toEqual([]);
    // The caches made from nothing in another directory: each accepted by its runtime for this bundle.
    for (const [file, node] of CACHE_RUNTIMES.filter(([, path]) => existsSync(path))) {
      expect([file, cacheState(node, join(deeperBuild, name), file)]).toEqual([file, 'accepted']);
    }
  });

  test('a rebuild with nothing changed rewrites no file', async () => {
    const before = FUNCTIONS.flatMap((name) => readdirSync(join(freshBuild, name)).map((file) => [join(name, file), statSync(join(freshBuild, name, file)).mtimeMs] as const));
    await build(freshBuild);
    const after = FUNCTIONS.flatMap((name) => readdirSync(join(freshBuild, name)).map((file) => [join(name, file), statSync(join(freshBuild, name, file)).mtimeMs] as const));
    expect(after).toEqual(before);
  }, 180_000);

  test.each(FUNCTIONS)('%s keeps no TypeScript at its root and has its upload files', (name) => {
    const files = readdirSync(join(PROJECT_ROOT, 'cloudfunctions', name));
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    // Every cache is committed, made on Linux x64: a clone uploads as it is, with no build.
    expect(files).toEqual(expect.arrayContaining(['index.js', 'bundle.js', 'deferred.js', 'config.json', 'package.json', ...ALL_CACHES]));
    expect(files.filter((file) => file.endsWith('.v8cache')).sort()).toEqual([...ALL_CACHES].sort());
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('index.js');
    // Self-contained: nothing for the cloud to install.
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  /** Whether index.js offers `node` a cache: one made for its V8, on the cloud runtime's Node line (e.g. v20.19.x). */
  const cacheFor = (version: string, v8: string): boolean =>
    TABLE.builds.some((candidate) => candidate.platforms.includes('linux-x64') && candidate.v8 === v8.split('-')[0] && version.startsWith(`v${candidate.version.split('.').slice(0, 2).join('.')}.`));

  test.each(RUNTIMES.flatMap(([runtime, node]) => FUNCTIONS.map((name) => [name, runtime, node] as const)))('%s loads on %s with no node_modules beside it, exports main, and its cache is taken where it has one', (name, _runtime, node) => {
    const index = join(PROJECT_ROOT, 'cloudfunctions', name, 'index.js');
    const script = `const m = require(${JSON.stringify(index)});
      const bundle = require.cache[${JSON.stringify(join(PROJECT_ROOT, 'cloudfunctions', name, 'bundle.js'))}];
      process.stdout.write(JSON.stringify({ main: typeof m.main, keys: Object.keys(m), version: process.version, v8: process.versions.v8, cachedDataRejected: bundle.cachedDataRejected === undefined ? 'no cache' : bundle.cachedDataRejected }));`;
    // NODE_PATH empty and cwd outside the project: nothing can be found outside the bundle.
    const out = JSON.parse(execFileSync(node, ['-e', script], { cwd: tmpdir(), env: { PATH: process.env.PATH, NODE_PATH: '' } }).toString());
    expect(out).toMatchObject({ main: 'function', keys: ['main'] });
    expect(out.cachedDataRejected).toBe(cacheFor(out.version, out.v8) ? false : 'no cache');
  });

  test.each(FUNCTIONS)('%s: a V8 option at start makes V8 reject the cache; index.js says so and loads the function anyway', (name) => {
    const node = CACHE_RUNTIMES.map(([, path]) => path).find((path) => existsSync(path)) ?? process.execPath;
    const script = `const m = require(${JSON.stringify(join(PROJECT_ROOT, 'cloudfunctions', name, 'index.js'))});
      const bundle = require.cache[${JSON.stringify(join(PROJECT_ROOT, 'cloudfunctions', name, 'bundle.js'))}];
      process.stdout.write(JSON.stringify({ main: typeof m.main, offered: bundle.cachedDataRejected !== undefined, rejected: bundle.cachedDataRejected }));`;
    const out = JSON.parse(execFileSync(node, ['--max-old-space-size=200', '-e', script], { cwd: tmpdir(), env: { PATH: process.env.PATH } }).toString());
    if (!out.offered) return; // this machine's node has no cache (no WeChat build installed): nothing to reject
    expect(out).toEqual({ main: 'function', offered: true, rejected: true });
  });

  test.each(FUNCTIONS.flatMap((name) => [[name, 'index.js', []], [name, 'bundle.js', ['./deferred.js']], [name, 'deferred.js', []]] as const))('%s/%s requires nothing but Node built-ins and its sibling', (name, file, siblings) => {
    const source = readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, file), 'utf8');
    const required = new Set([...source.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1]!));
    const builtins = new Set(builtinModules);
    expect([...required].filter((name) => !builtins.has(name.replace(/^node:/, '')))).toEqual(siblings);
  });

  test('the project config opens the folder in WeChat DevTools', () => {
    const config = JSON.parse(readFileSync(join(PROJECT_ROOT, 'project.config.json'), 'utf8'));
    expect(config.cloudfunctionRoot).toBe('cloudfunctions/');
    expect(existsSync(join(PROJECT_ROOT, config.cloudfunctionRoot))).toBe(true);
  });
});
