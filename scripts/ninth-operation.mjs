// What adding an operation takes, as a check of the design. To a scratch copy of the committed
// project (HEAD) it adds two throwaway operations the way a contributor would:
// - a ninth on an existing route (the status of one plugin, over the same `list` endpoint): its
//   own file and its line in the registry;
// - a tenth on a NEW route (a plugin user's openpid, `POST /wxa/getpluginopenpid`, body `{code}`,
//   no action): its own file, its emulator handler, and its line in the registry.
// Then it builds, regenerates (`npm run types`), type-checks, and runs the suites that cover the
// registry, the emulator, the generated files and docs, and both operations end to end (through
// the rebuilt pluginManager bundle with the real wx-server-sdk, over HTTPS, from the command line,
// and for a third-party platform's authoriser). Prints every file it touched by hand and every
// file the build regenerated, and fails when anything else had to be written by hand.
// test/e2e/new-operations.test.ts runs it within `npm test` (a few minutes: it builds a copy).
//
//   node scripts/ninth-operation.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'ninth-operation');

// The new operations end to end: through the rebuilt pluginManager (real SDK), over HTTPS, from
// the command line, and for a third-party platform's authoriser.
const E2E_TEST = `
import { createComponentClient } from '../../src/component/client';
import { memoryStore } from '../../src/component/store';
import { createHttpsClient } from '../../src/https/client';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET, refreshTokenOf } from '../../src/emulator/component-world';
import { demoPluginSecret, DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { DEMO_MINI_PROGRAM_APPID } from '../../src/emulator/gateway';
import { manage, OPEN_PLUGIN, SECOND_PLUGIN, withEmulator } from '../support/harness';
import { runTool } from '../support/run-tool';

test('status of one plugin, through pluginManager and over HTTPS', () =>
  withEmulator(async (emulator) => {
    emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: OPEN_PLUGIN, reason: undefined, status: 'applying' });
    const { result } = await manage(emulator, { event: { action: 'status', pluginAppid: OPEN_PLUGIN } });
    expect(result).toEqual({ errCode: 0, errMsg: 'getPluginStatus:ok', retryable: false, attempts: 1, found: true, status: 1 });
    const client = createHttpsClient({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url });
    expect(await client.getPluginStatus({ pluginAppid: SECOND_PLUGIN })).toMatchObject({ errCode: 0, found: false, status: null });
    expect((await manage(emulator, { event: { action: 'status', pluginAppid: 'nope' } })).result.errCode).toBe(-930002);
  }), 60_000);

test('a plugin user\\'s openpid on a route of its own: over HTTPS and from the command line', () =>
  withEmulator(async (emulator) => {
    const client = createHttpsClient({ appid: OPEN_PLUGIN, secret: demoPluginSecret(OPEN_PLUGIN), baseUrl: emulator.url });
    const result = await client.getPluginOpenPid({ code: 'code0from0login' });
    expect(result).toEqual({ errCode: 0, errMsg: 'getPluginOpenPid:ok', retryable: false, attempts: 1, openpid: 'oabcdef_code0from0login' });
    // The body WeChat receives is the operation's own: no action on a path that serves one call.
    expect(emulator.calls.at(-1)).toMatchObject({ surface: 'https', apiName: 'wxa/getpluginopenpid', fields: { code: 'code0from0login' } });
    expect(emulator.calls.at(-1)!.fields).not.toHaveProperty('action');
    expect((await client.getPluginOpenPid({ code: '' })).errCode).toBe(-930003);

    const env = { WECHAT_APPID: OPEN_PLUGIN, WECHAT_APPSECRET: demoPluginSecret(OPEN_PLUGIN), WECHAT_API_BASE_URL: emulator.url };
    const run = await runTool('wxplugin.js', ['openpid', '--code', 'from0cli'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ errCode: 0, openpid: 'oabcdef_from0cli' });
    expect((await runTool('wxplugin.js', ['--help'], env)).stdout).toMatch(/openpid +a plugin user's openpid/);
  }), 60_000);

test('the new route is one the component side serves to an authoriser (not refused as a token it does not know)', () =>
  withEmulator(async (emulator) => {
    const appid = authorizerAppid(0);
    const component = createComponentClient({
      componentAppid: DEMO_COMPONENT_APPID,
      componentSecret: DEMO_COMPONENT_SECRET,
      verifyTicket: FIRST_TICKET,
      baseUrl: emulator.url,
      store: memoryStore({ refreshTokens: { [appid]: refreshTokenOf(appid, 0) } }),
    });
    expect(await component.forAuthorizer(appid).getPluginOpenPid({ code: 'for0authorizer' })).toMatchObject({ errCode: 0, openpid: expect.stringMatching(/^o/) });
    emulator.https.component?.close();
  }, { https: { component: { authorizers: 2 } } }), 60_000);
`;

/** What a contributor writes by hand, and nothing else. */
const BY_HAND = [' M src/core/operations/index.ts', ' M src/emulator/handlers.ts', '?? src/core/operations/get-plugin-open-pid.ts', '?? src/core/operations/get-plugin-status.ts'];

const keep = process.argv.includes('--keep');
const scratch = mkdtempSync(join(tmpdir(), 'ninth-operation-'));
const run = (command, args, options = {}) => execFileSync(command, args, { cwd: scratch, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });

/** A fixture operation, its imports rewritten to read from src/core/operations/. */
const operationFile = (name) =>
  readFileSync(join(FIXTURES, name), 'utf8').split("'../../../src/core/operations/").join("'./").split("'../../../src/core/").join("'../");

/** Adds `item` (imported from `./from`) to the end of the registry list declared by `line`. */
function addToRegistry(source, line, item, from) {
  if (!source.includes(line)) throw new Error(`the registry line this experiment edits has changed: update scripts/ninth-operation.mjs (${line})`);
  return source.replace(line, `import { ${item} } from './${from}';\n${line.replace('] as const;', `, ${item}] as const;`)}`);
}

/** handlers.ts with the fixture's handler (between its markers) as the last entry of HANDLERS. */
function withHandler(source) {
  const fixture = readFileSync(join(FIXTURES, 'get-plugin-open-pid.handler.ts'), 'utf8');
  const begin = '// handler:begin\n';
  const handler = fixture.slice(fixture.indexOf(begin) + begin.length, fixture.indexOf('  // handler:end'));
  const table = source.indexOf('export const HANDLERS');
  const end = source.indexOf('\n};\n', table);
  if (table === -1 || end === -1) throw new Error('HANDLERS in src/emulator/handlers.ts has changed shape: update scripts/ninth-operation.mjs');
  return `${source.slice(0, end)}\n\n${handler.trimEnd()}${source.slice(end)}`;
}

try {
  // The committed project as it is (HEAD), with this checkout's node_modules.
  execFileSync('git', ['worktree', 'add', '--detach', scratch, 'HEAD'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(scratch, 'node_modules'));
  // WeChat's Node builds too: the build makes the V8 code caches with them (and, with CI=true, fails without them).
  const wechatNodes = join('scripts', 'wechat-node', 'node_modules');
  if (existsSync(join(PROJECT_ROOT, wechatNodes))) symlinkSync(join(PROJECT_ROOT, wechatNodes), join(scratch, wechatNodes));

  // By hand: each operation's own file, the new route's emulator handler, one registry line each.
  const operations = join(scratch, 'src', 'core', 'operations');
  writeFileSync(join(operations, 'get-plugin-status.ts'), operationFile('get-plugin-status.ts'));
  writeFileSync(join(operations, 'get-plugin-open-pid.ts'), operationFile('get-plugin-open-pid.ts'));
  const registry = join(operations, 'index.ts');
  let source = readFileSync(registry, 'utf8');
  source = addToRegistry(source, 'export const MINI_PROGRAM_OPERATIONS = [applyPlugin, getPluginList, unbindPlugin, updatePlugin] as const;', 'getPluginStatus', 'get-plugin-status');
  source = addToRegistry(source, 'export const DEVELOPER_OPERATIONS = [getPluginDevApplyList, agreeDevPluginApplication, refuseDevPluginApplication, deleteDevPluginApplication] as const;', 'getPluginOpenPid', 'get-plugin-open-pid');
  writeFileSync(registry, source);
  const handlers = join(scratch, 'src', 'emulator', 'handlers.ts');
  writeFileSync(handlers, withHandler(readFileSync(handlers, 'utf8')));

  // The scratch copy's node_modules are links to this checkout's, not part of the change.
  const changed = () => run('git', ['status', '--porcelain', '--', '.', ':!node_modules', `:!${wechatNodes}`]).split('\n').filter(Boolean);
  const byHand = changed();
  if (JSON.stringify([...byHand].sort()) !== JSON.stringify(BY_HAND)) throw new Error(`touched by hand: expected ${BY_HAND.join(', ')}; got ${byHand.join(', ')}`);

  // What the recipe then asks for: build and regenerate, then type-check and test.
  run('node', ['scripts/build.mjs']);
  run('node', ['scripts/build.mjs', '--tools']);
  run('npm', ['run', '-s', 'types']);
  run('npx', ['tsc', '-p', '.']);
  run('npx', ['tsc', '-p', 'miniprogram']);
  writeFileSync(join(scratch, 'test', 'e2e', 'ninth-operation.test.ts'), E2E_TEST);
  const suites = ['test/unit/registry.test.ts', 'test/unit/handlers.test.ts', 'test/unit/miniprogram-types.test.ts', 'test/unit/readme.test.ts', 'test/unit/operations-doc.test.ts', 'test/e2e/ninth-operation.test.ts'];
  run('npx', ['jest', ...suites, '--ci', '--coverage=false'], { stdio: ['ignore', 'inherit', 'inherit'] });

  const regenerated = changed().filter((entry) => !byHand.includes(entry) && !entry.endsWith('ninth-operation.test.ts'));
  process.stdout.write(`\nTouched by hand (${byHand.length}):\n${byHand.map((entry) => `  ${entry}`).join('\n')}\n`);
  process.stdout.write(`Regenerated by the build (${regenerated.length}):\n${regenerated.map((entry) => `  ${entry}`).join('\n')}\n`);
} finally {
  if (!keep) {
    execFileSync('git', ['worktree', 'remove', '--force', scratch], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  } else process.stdout.write(`kept: ${scratch}\n`);
}
