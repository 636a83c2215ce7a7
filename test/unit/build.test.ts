import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { reportMissingWechatNodes, RUNTIMES } from '../support/harness';

/** The V8 code caches the build makes, and the WeChat Node build that makes each (scripts/esbuild-options.mjs). */
const CACHE_RUNTIMES = [
  ['v16.13.0-x64', join(PROJECT_ROOT, 'scripts', 'wechat-node', 'node_modules', 'node16', 'bin', 'node')],
  ['v18.15.0-x64', join(PROJECT_ROOT, 'scripts', 'wechat-node', 'node_modules', 'node18', 'bin', 'node')],
] as const;

reportMissingWechatNodes();

import { CLOUD_FUNCTIONS } from '../../src/core/operations';

const FUNCTIONS = Object.keys(CLOUD_FUNCTIONS);

/** A file as the current commit holds it; undefined when it is not committed. */
function committedFile(path: string): Buffer | undefined {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 2 ** 20 });
  } catch {
    return undefined;
  }
}

describe('the committed cloud functions', () => {
  let freshBuild: string;
  beforeAll(() => {
    freshBuild = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--functions-to', freshBuild], { stdio: 'pipe' });
  }, 60_000);
  afterAll(() => rmSync(freshBuild, { recursive: true, force: true }));

  test.each(FUNCTIONS)('%s: every built file is committed, byte-identical to a fresh `npm run build`', (name) => {
    const built = readdirSync(join(freshBuild, name)).sort();
    // One V8 code cache per WeChat Node build installed here (CI has both; see docs/cold-start.md).
    const caches = CACHE_RUNTIMES.filter(([, node]) => existsSync(node)).map(([key]) => `bundle.${key}.v8cache`);
    expect(built).toEqual(['bundle.js', ...caches, 'config.json', 'deferred.js', 'index.js', 'package.json'].sort());
    for (const file of built) {
      // What git holds, not the working tree: `npm test` rebuilds the working tree before jest runs,
      // so only the commit can show a bundle someone forgot to rebuild or commit.
      const committed = committedFile(`cloudfunctions/${name}/${file}`);
      const fresh = readFileSync(join(freshBuild, name, file));
      // On failure: run `npm run build` and commit cloudfunctions/.
      expect([file, committed !== undefined && committed.equals(fresh)]).toEqual([file, true]);
    }
  });

  test.each(FUNCTIONS)('%s keeps no TypeScript at its root and has its upload files', (name) => {
    const files = readdirSync(join(PROJECT_ROOT, 'cloudfunctions', name));
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['index.js', 'bundle.js', 'deferred.js', 'config.json', 'package.json', 'bundle.v16.13.0-x64.v8cache', 'bundle.v18.15.0-x64.v8cache']));
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('index.js');
    // Self-contained: nothing for the cloud to install.
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  test.each(RUNTIMES.flatMap(([runtime, node]) => FUNCTIONS.map((name) => [name, runtime, node] as const)))('%s loads on %s with no node_modules beside it, and exports main', (name, _runtime, node) => {
    const script = `const m = require(${JSON.stringify(join(PROJECT_ROOT, 'cloudfunctions', name, 'index.js'))});
      process.stdout.write(JSON.stringify({ main: typeof m.main, keys: Object.keys(m) }));`;
    // NODE_PATH empty and cwd outside the project: nothing can be found outside the bundle.
    const out = execFileSync(node, ['-e', script], { cwd: tmpdir(), env: { PATH: process.env.PATH, NODE_PATH: '' } }).toString();
    expect(JSON.parse(out)).toEqual({ main: 'function', keys: ['main'] });
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
