import { builtinModules } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { RUNTIMES } from '../support/harness';

const FUNCTIONS = readdirSync(join(PROJECT_ROOT, 'src', 'functions')).map((file) => file.replace(/\.ts$/, ''));

describe('the committed cloud functions', () => {
  let freshBuild: string;
  beforeAll(() => {
    freshBuild = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--functions-to', freshBuild], { stdio: 'pipe' });
  }, 60_000);
  afterAll(() => rmSync(freshBuild, { recursive: true, force: true }));

  test.each(FUNCTIONS)('%s: every built file is committed, byte-identical to a fresh `npm run build`', (name) => {
    const built = readdirSync(join(freshBuild, name)).sort();
    expect(built).toEqual(['deferred.js', 'index.js']);
    for (const file of built) {
      const committed = readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, file));
      const fresh = readFileSync(join(freshBuild, name, file));
      // On failure: run `npm run build` and commit cloudfunctions/*/*.js.
      expect([file, committed.equals(fresh)]).toEqual([file, true]);
    }
  });

  test.each(FUNCTIONS)('%s keeps no TypeScript at its root and has its upload files', (name) => {
    const files = readdirSync(join(PROJECT_ROOT, 'cloudfunctions', name));
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['index.js', 'deferred.js', 'config.json', 'package.json']));
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('index.js');
    // Self-contained: nothing for the cloud to install.
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  test('config.json grants exactly pluginManager.applyPlugin', () => {
    expect(JSON.parse(readFileSync(join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin', 'config.json'), 'utf8'))).toEqual({
      permissions: { openapi: ['pluginManager.applyPlugin'] },
    });
  });

  test.each(RUNTIMES)('loads on %s with no node_modules beside it, and exports main', (_name, node) => {
    const script = `const m = require(${JSON.stringify(join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin', 'index.js'))});
      process.stdout.write(JSON.stringify({ main: typeof m.main, keys: Object.keys(m) }));`;
    // NODE_PATH empty and cwd outside the project: nothing can be found outside the bundle.
    const out = execFileSync(node, ['-e', script], { cwd: tmpdir(), env: { PATH: process.env.PATH, NODE_PATH: '' } }).toString();
    expect(JSON.parse(out)).toEqual({ main: 'function', keys: ['main'] });
  });

  test.each([
    ['index.js', ['./deferred.js']],
    ['deferred.js', []],
  ])('%s requires nothing but Node built-ins and its sibling', (file, siblings) => {
    const source = readFileSync(join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin', file), 'utf8');
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
