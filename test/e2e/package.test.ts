/**
 * The package as another project gets it. `npm pack` (which runs "prepack": the tools and the
 * library build) of a copy of this project's sources, the tarball installed (its only dependencies,
 * the batch runs', from npm's cache where it has them, else the registry) into a fresh
 * project outside this one, then used as a consumer uses it: the `wxplugin` bin, `require` and
 * `import` of the library against the emulator (on this machine's Node and on WeChat's Node 18.15,
 * the oldest the package supports), and TypeScript against its declarations.
 *
 * The copy keeps the pack's build out of this tree's dist/, which other test files run from.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, sep } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { OPERATIONS } from '../../src/core/operations';
import * as library from '../../src/index';
import { BATCH_NODE_MIN, nodeAtLeast } from '../../src/batch/limits';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { OPEN_PLUGIN, SECOND_PLUGIN } from '../support/harness';
import { reportMissingWechatNodes, WECHAT_NODES } from '../support/wechat-node';

jest.setTimeout(120_000);

const WINDOWS = process.platform === 'win32';
const NAME = 'wx-plugin-manager';
/** What `wxplugin batch` needs: its job engine, embedded PostgreSQL, the server driver, the progress bar, the store's lock where the kernel's is not (not Linux). */
const BATCH_DEPENDENCIES = { '@electric-sql/pglite': '0.5.17', 'cli-progress': '3.12.0', pg: '8.23.1', 'pg-boss': '12.38.1', 'proper-lockfile': '4.1.2' };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; shell?: boolean }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, shell: options.shell ?? false });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * npm as a user runs it in a terminal: without the npm_* variables an outer `npm test` sets
 * (npm_config_local_prefix, npm_command, ...), which would point it back at this project.
 */
function npm(args: readonly string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return run('npm', args, { cwd, env, shell: WINDOWS });
}

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly mode: number }>;
}

let work: string;
let packed: PackResult;
let packRun: Run;
let installRun: Run;
let consumer: string;
let installed: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-package-'));
  // The sources npm pack builds from; node_modules is this project's (the build tools).
  const source = join(work, 'source');
  mkdirSync(source);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.lib.json', 'src', 'scripts', 'docs']) {
    if (!existsSync(join(PROJECT_ROOT, entry))) continue;
    cpSync(join(PROJECT_ROOT, entry), join(source, entry), { recursive: true, filter: (path) => !path.includes(`${sep}node_modules`) });
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(source, 'node_modules'), 'junction');

  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  packRun = await npm(['pack', '--pack-destination', tarballs, '--json'], source);
  if (packRun.code !== 0) throw new Error(`npm pack failed (${packRun.code}):\n${packRun.stderr}\n${packRun.stdout}`);
  packed = (JSON.parse(packRun.stdout) as PackResult[])[0]!;

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  // Not --offline: `npm ci` caches tarballs, not the registry's metadata that resolving the batch
  // dependencies' own dependencies needs.
  installRun = await npm(['install', join(tarballs, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], consumer);
  installed = join(consumer, 'node_modules', NAME);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('the tarball holds the library, its declarations, the bin, the README, its guides and their screenshots, and nothing else', () => {
    const paths = packed.files.map((file) => file.path).sort();
    expect(paths.filter((path) => !/^(package\.json|README\.md|LICENSE|dist\/wxplugin\.js|dist\/bin\/wxplugin\.js|dist\/lib\/.+|docs\/[\w-]+\.(md|png))$/.test(path))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining([
      'README.md',
      'package.json',
      'dist/wxplugin.js',
      'dist/bin/wxplugin.js',
      'dist/lib/index.js',
      'dist/lib/index.mjs',
      'dist/lib/types/index.d.ts',
      'dist/lib/types/index.d.mts',
      'dist/lib/types/https/client.d.ts',
    ]));
    // Declarations only under dist/lib/types, no source maps pointing at sources that are not there.
    expect(paths.filter((path) => path.startsWith('dist/lib/') && !/^dist\/lib\/(index\.m?js|types\/.+\.d\.m?ts)$/.test(path))).toEqual([]);
    expect(packed.files.find((file) => file.path === 'dist/bin/wxplugin.js')!.mode & 0o111).toBe(0o111);
  });

  test('the bin starts with a shebang and loads the bundled command line', () => {
    const bin = readFileSync(join(installed, 'dist', 'bin', 'wxplugin.js'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bin).toContain("require('../wxplugin.js')");
  });

  test('the package.json a consumer gets: only the batch runs\' dependencies, pinned; no install scripts, Node 18 or later', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown> & { scripts?: Record<string, string> };
    // Loaded only by `wxplugin batch` and `wxplugin worker` (Node 22.12); the library and single calls need none.
    expect(pkg.dependencies).toEqual(BATCH_DEPENDENCIES);
    expect(pkg).not.toHaveProperty('optionalDependencies');
    expect(pkg).not.toHaveProperty('peerDependencies');
    expect(Object.keys(pkg.scripts ?? {}).filter((name) => ['preinstall', 'install', 'postinstall'].includes(name))).toEqual([]);
    // Nor this repository's own prepare (it installs WeChat's Node builds for development here).
    expect(pkg.scripts?.prepare).toBeUndefined();
    expect(pkg.engines).toEqual({ node: expect.stringMatching(/^>=18(\.\d+)*$/) });
    expect(pkg.bin).toEqual({ wxplugin: 'dist/bin/wxplugin.js' });
  });
});

describe('npm install <tarball> in a fresh project', () => {
  test('installs: the package and the batch runs\' dependencies, nothing of this project run or needed', () => {
    expect(installRun).toMatchObject({ code: 0 });
    const top = readdirSync(join(consumer, 'node_modules')).filter((entry) => !entry.startsWith('.'));
    expect(top).toContain(NAME);
    for (const dependency of Object.keys(BATCH_DEPENDENCIES)) expect(existsSync(join(consumer, 'node_modules', dependency))).toBe(true);
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    expect(readdirSync(join(consumer, 'node_modules', '.bin'))).toEqual(expect.arrayContaining(['wxplugin']));
  });
});

/** Node builds the installed package is run on: this machine's, and WeChat's 18.15 where installed. */
const NODE_18 = WECHAT_NODES.find((node) => node.version === '18.15.0')!;
const CONSUMER_NODES: ReadonlyArray<readonly [string, string]> = [[`this machine's node ${process.version}`, process.execPath], ...(NODE_18.path ? [[NODE_18.name, NODE_18.path] as const] : [])];
reportMissingWechatNodes([NODE_18]);

describe.each(CONSUMER_NODES)('the installed package on %s', (_name, node) => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  /** Only what a user sets, with `node` (for the bin's shebang) the Node build under test. */
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
    ...(WINDOWS ? { SYSTEMROOT: process.env.SYSTEMROOT ?? '' } : {}),
    WECHAT_API_BASE_URL: emulator.url,
    WECHAT_APPID: DEMO_MINI_PROGRAM_APPID,
    WECHAT_APPSECRET: DEMO_APP_SECRET,
    ...extra,
  });

  /** `wxplugin ...` as a command, the way npm linked it into node_modules/.bin. */
  const wxplugin = (args: string[], extra: Record<string, string> = {}) =>
    run(join(consumer, 'node_modules', '.bin', WINDOWS ? 'wxplugin.cmd' : 'wxplugin'), args, { cwd: consumer, env: env(extra), shell: WINDOWS });

  test('wxplugin --help: exit 0, every command listed', async () => {
    const result = await wxplugin(['--help']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("Plugin management over WeChat's HTTPS API. Commands:");
    for (const operation of OPERATIONS) expect(result.stdout).toMatch(new RegExp(`^  ${operation.action} +${operation.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  test('wxplugin apply against the emulator: exit 0, errCode 0, and WeChat received exactly the request', async () => {
    const result = await wxplugin(['apply', '--plugin-appid', OPEN_PLUGIN, '--reason', 'from the installed bin']);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(emulator.calls).toEqual([
      { surface: 'https', apiName: 'wxa/plugin', fields: { action: 'apply', plugin_appid: OPEN_PLUGIN, reason: 'from the installed bin' }, signed: true },
    ]);
    expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID).map((application) => application.pluginAppid)).toEqual([OPEN_PLUGIN]);
    expect(result.stdout + result.stderr).not.toContain(DEMO_APP_SECRET);
  });

  /** A consumer's script beside its package.json, run with the Node build under test. */
  async function script(file: string, source: string): Promise<Record<string, unknown>> {
    writeFileSync(join(consumer, file), source);
    const result = await run(node, [file], { cwd: consumer, env: env({ PLUGIN: SECOND_PLUGIN }) });
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  const CALLS = `
  const wechat = createHttpsClient({ appid: process.env.WECHAT_APPID, secret: process.env.WECHAT_APPSECRET, baseUrl: process.env.WECHAT_API_BASE_URL });
  const apply = await wechat.applyPlugin({ pluginAppid: process.env.PLUGIN, reason: 'from the library' });
  const list = await wechat.getPluginList();
  const refused = await wechat.applyPlugin({});`;

  function expectCalls(output: Record<string, unknown>) {
    expect(output.type).toBe('function');
    expect(output.exports).toEqual(Object.keys(library).sort());
    expect(output.apply).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(output.list).toMatchObject({ errCode: 0, errMsg: 'getPluginList:ok', pluginList: [{ appid: SECOND_PLUGIN, status: 1 }] });
    // Validation runs in the package too: nothing sent.
    expect(output.refused).toMatchObject({ errCode: library.ProjectCode.INVALID_APPID, attempts: 0 });
    expect(emulator.calls.map((call) => call.fields.action)).toEqual(['apply', 'list']);
    expect(emulator.https.tokenRequests).toEqual({ count: 1, forced: 0 });
  }

  test("require('wx-plugin-manager'): the CommonJS build, and a call through it reaches the emulator", async () => {
    const output = await script('use.cjs', `const lib = require('${NAME}');
const { createHttpsClient } = lib;
(async () => {${CALLS}
  console.log(JSON.stringify({ resolved: require.resolve('${NAME}'), type: typeof createHttpsClient, exports: Object.keys(lib).sort(), apply, list, refused }));
})();
`);
    expect(output.resolved).toBe(join(installed, 'dist', 'lib', 'index.js'));
    expectCalls(output);
  });

  test("import from 'wx-plugin-manager': the ES module build, and a call through it reaches the emulator", async () => {
    const output = await script('use.mjs', `import * as lib from '${NAME}';
import { createHttpsClient } from '${NAME}';
${CALLS}
// A CommonJS module imported from ESM has a \`default\`; the ES module build has none.
console.log(JSON.stringify({ esm: !('default' in lib), type: typeof createHttpsClient, exports: Object.keys(lib).sort(), apply, list, refused }));
`);
    expect(output.esm).toBe(true);
    expectCalls(output);
  });

  /** A batch run from the package, over a platform of three authorisers, on the embedded store in the consumer's folder. */
  const BATCH = (store: string) => `
  const before = Object.keys(loadedCache).filter((path) => /node_modules[\\\\/](pg|pg-boss|@electric-sql[\\\\/]pglite|cli-progress)[\\\\/]/.test(path)).length;
  const batch = openBatch({ componentAppid: process.env.COMPONENT, componentSecret: process.env.SECRET, verifyTicket: process.env.TICKET, baseUrl: process.env.WECHAT_API_BASE_URL, store: { dir: '${store}' } });
  const result = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: process.env.PLUGIN }, authorizers: 'all' });
  await batch.close();`;

  test('openBatch from require and import: a run over the emulator\'s platform on Node 22.12 or later (its drivers loaded only then), a clear answer on an older Node', async () => {
    const platform = await startEmulator({ https: { component: { authorizers: 3, withoutPluginManagement: 0 } } });
    try {
      const platformEnv = { ...env(), WECHAT_API_BASE_URL: platform.url, COMPONENT: DEMO_COMPONENT_APPID, SECRET: DEMO_COMPONENT_SECRET, TICKET: FIRST_TICKET, PLUGIN: SECOND_PLUGIN };
      const tag = basename(node).replace(/\W/g, '') + String(CONSUMER_NODES.findIndex(([, path]) => path === node));
      writeFileSync(join(consumer, 'batch.cjs'), `const { openBatch } = require('${NAME}');\nconst loadedCache = require.cache;\n(async () => {${BATCH(`store-cjs-${tag}`)}\n  console.log(JSON.stringify({ before, result }));\n})();\n`);
      writeFileSync(join(consumer, 'batch.mjs'), `import { createRequire } from 'node:module';\nimport { openBatch } from '${NAME}';\n// The CommonJS modules the package loads, wherever from (the ES module build loads them with require too).\nconst loadedCache = createRequire(import.meta.url).cache;${BATCH(`store-mjs-${tag}`)}\nconsole.log(JSON.stringify({ before, result }));\n`);
      const modern = nodeAtLeast((await run(node, ['--version'], { cwd: consumer })).stdout.trim(), BATCH_NODE_MIN);
      // The second run finds the plugin already added (89237): already so, not a failure.
      for (const [file, outcome] of [['batch.cjs', 'succeeded'], ['batch.mjs', 'alreadyDone']] as const) {
        const ran = await run(node, [file], { cwd: consumer, env: platformEnv });
        expect({ file, code: ran.code, stderr: ran.stderr }).toEqual({ file, code: 0, stderr: '' });
        const { before, result } = JSON.parse(ran.stdout) as { before: number; result: Record<string, unknown> };
        expect(before).toBe(0);
        if (modern) expect(result).toMatchObject({ errCode: 0, errMsg: 'batch.start:ok', kind: 'finished', counts: { total: 3, [outcome]: 3, pending: 0, failed: 0 } });
        else expect(result).toMatchObject({ errCode: library.ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0, errMsg: expect.stringMatching(/batch runs need Node\.js 22\.12\.0 or later/) });
      }
      expect(platform.https.component!.calls().map((call) => call.errcode)).toEqual(modern ? [0, 0, 0, 89237, 89237, 89237] : []);
    } finally {
      await platform.close();
    }
  });
});

describe('TypeScript against the installed declarations', () => {
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const USAGE = `import { createHttpsClient, openBatch, OPERATIONS, ProjectCode, type Batch, type BatchItem, type BatchRunResult, type HttpsClient, type HttpsClientOptions, type HttpsResult, type OperationResult } from '${NAME}';

const options: HttpsClientOptions = { appid: 'wx0000000000000001', secret: 'not-a-secret', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, log: (line: string) => void line };
const wechat: HttpsClient = createHttpsClient(options);

function summary<O>(result: HttpsResult<O>): string {
  return \`\${result.errCode} \${result.errMsg} \${result.retryable} \${result.attempts}\`;
}

export async function plugins(): Promise<string[]> {
  const result = await wechat.getPluginList();
  const shape: OperationResult = result;
  if (shape.errCode === ProjectCode.HTTPS_CREDENTIALS_MISSING) return [summary(result)];
  return (result.pluginList ?? []).map((plugin) => \`\${plugin.appid.toLowerCase()} \${plugin.status + 0} \${plugin.nickname}\`);
}

export async function apply(): Promise<number> {
  const result = await wechat.applyPlugin({ pluginAppid: 'wx0123456789abcdef', reason: 'typed' });
  return result.errCode;
}

export const actions: string[] = OPERATIONS.map((operation) => operation.action);

export async function updateAll(): Promise<number> {
  const batch: Batch = openBatch({ componentAppid: 'wx0000000000000002', componentSecret: 'not-a-secret', store: { databaseUrl: 'postgres://127.0.0.1/runs' } });
  const result: BatchRunResult = await batch.start({ operation: 'updatePlugin', request: { pluginAppid: 'wx0123456789abcdef', userVersion: '1.0.0' }, authorizers: ['wx0123456789abcdef'], onFinished: (item: BatchItem) => void item.state });
  for await (const page of batch.items(result.runId ?? '')) void page.items.map((item) => item.authorizerAppid);
  await batch.close();
  return result.counts?.succeeded ?? result.errCode;
}
`;
  /** Each line one mistake; the test expects exactly these errors, at these lines. */
  const MISTAKES = `import { createHttpsClient } from '${NAME}';
const wechat = createHttpsClient({ appId: 'wx0000000000000001' });
void wechat.applyPlugin({});
void wechat.applyPlugins({ pluginAppid: 'wx0123456789abcdef' });
void wechat.getPluginList().then((result) => result.pluginList?.[0]?.appid.toFixed());
void wechat.updatePlugin({ pluginAppid: 'wx0123456789abcdef', userVersion: 2 });
`;
  const EXPECTED_MISTAKES = (file: string) => [`${file}:2 TS2561`, `${file}:3 TS2345`, `${file}:4 TS2551`, `${file}:5 TS2551`, `${file}:6 TS2322`];

  let project: string;
  beforeAll(() => {
    project = join(work, 'typescript');
    mkdirSync(project);
    // The consumer's own node_modules (the installed package), and @types/node from this project.
    symlinkSync(join(consumer, 'node_modules'), join(project, 'node_modules'), 'junction');
    writeFileSync(join(project, 'package.json'), '{ "name": "typed-consumer", "version": "1.0.0", "private": true }\n');
    writeFileSync(join(project, 'usage.ts'), USAGE);
    writeFileSync(join(project, 'usage.mts'), USAGE);
    writeFileSync(join(project, 'mistakes.ts'), MISTAKES);
    writeFileSync(join(project, 'mistakes.mts'), MISTAKES);
  });

  /** Compiles `files` with these module settings, strict and without skipLibCheck. */
  async function compile(name: string, moduleOptions: Record<string, string>, files: string[]): Promise<{ code: number | null; stdout: string; errors: string[]; declarations: string[] }> {
    const config = join(project, `tsconfig.${name}.json`);
    writeFileSync(config, JSON.stringify({
      compilerOptions: {
        ...moduleOptions,
        target: 'ES2022',
        lib: ['ES2022'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')],
      },
      files,
    }, null, 2));
    const result = await run(process.execPath, [tsc, '-p', config, '--traceResolution', '--pretty', 'false'], { cwd: project });
    const errors = [...result.stdout.matchAll(/^([\w.]+)\((\d+),\d+\): error (TS\d+)/gm)].map(([, file, line, code]) => `${file}:${line} ${code}`);
    // What `import ... from 'wx-plugin-manager'` resolved to, for each file that imports it.
    const resolutions = [...result.stdout.matchAll(new RegExp(`Module name '${NAME}' was successfully resolved to '([^']+)'`, 'g'))];
    const declarations = [...new Set(resolutions.map(([, path]) => path!.slice(path!.lastIndexOf('/') + 1)))].sort();
    return { code: result.code, stdout: result.stdout.split(/\r?\n/).filter((line) => / error TS/.test(line)).join('\n'), errors, declarations };
  }

  test.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, ['usage.ts', 'usage.mts'], ['index.d.mts', 'index.d.ts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['usage.ts'], ['index.d.mts']],
    ['node (node10)', { module: 'commonjs', moduleResolution: 'node' }, ['usage.ts'], ['index.d.ts']],
  ])('"moduleResolution": %s: a file that imports the client type-checks, through the declarations its conditions choose', async (name, moduleOptions, files, declarations) => {
    const result = await compile(name.replace(/\W.*/, ''), moduleOptions, files);
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 0, errors: [] });
    expect(result.declarations).toEqual(declarations);
  });

  test.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, ['mistakes.ts', 'mistakes.mts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['mistakes.ts']],
    ['node (node10)', { module: 'commonjs', moduleResolution: 'node' }, ['mistakes.ts']],
  ])('"moduleResolution": %s: wrong calls do not type-check (applyPlugin({}), a misspelt option or method, wrong types)', async (name, moduleOptions, files) => {
    const result = await compile(`${name.replace(/\W.*/, '')}-mistakes`, moduleOptions, files);
    expect(result.code).not.toBe(0);
    expect(result.errors.sort()).toEqual(files.flatMap(EXPECTED_MISTAKES).sort());
    expect(result.stdout).toMatch(/mistakes\.ts\(3,\d+\): error TS2345: .*pluginAppid/);
  });
});

describe('the README a consumer reads in node_modules', () => {
  test('every link to docs/ opens a guide the package holds, at an anchor that guide has', () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((docs\/[^)#\s]+)(?:#([^)\s]+))?\)/g)].map((match) => ({ file: match[1]!, anchor: match[2] }));
    expect(links.length).toBeGreaterThan(5);
    for (const { file, anchor } of links) {
      expect({ file, there: existsSync(join(installed, file)) }).toEqual({ file, there: true });
      if (anchor) {
        // GitHub's anchors: the heading in lower case, spaces as hyphens, punctuation dropped.
        const anchors = readFileSync(join(installed, file), 'utf8').split('\n').filter((line) => /^#+ /.test(line)).map((line) => line.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-'));
        expect({ file, anchor, found: anchors.includes(anchor) }).toEqual({ file, anchor, found: true });
      }
    }
  });
});
