/**
 * `npm start`: the main job on one machine. Starts the loopback WeChat emulator and runs the
 * committed cloud functions exactly as the cloud does (fresh process, platform environment, SCF
 * context, the real wx-server-sdk on a real socket).
 *
 * With no options it plays the life cycle of one plugin through cloudfunctions/pluginManager:
 * apply, list, the emulated plugin developer approves (over the HTTPS API, with the plugin's own
 * credentials), list, update, unbind, list. With single-run options it invokes one function once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/gateway';
import { NAMED_FAULTS } from '../emulator/faults';
import { demoPluginSecret } from '../emulator/https-api';
import { DEMO_MINI_PROGRAM_APPID, type Application } from '../emulator/plugin-world';
import { createHttpsClient } from '../https/client';
import { CLOUD_FUNCTIONS } from '../core/operations';
import { grantedApis, invokeCloudFunction, nodeFromOption, PROJECT_ROOT, type InvocationOutcome } from '../platform/invoke';
import { parseOptions, usageError } from './cli';

const DEMO_ADMIN = 'oDemoAdmin_0123456789abcdefgh';
const DEMO_PLUGIN = 'wx0123456789abcdef';
const TOOL = { name: 'npm start', help: 'npm start -- --help' };
const FUNCTIONS = Object.keys(CLOUD_FUNCTIONS);
const ACTIONS = CLOUD_FUNCTIONS.pluginManager.operations.map((operation) => operation.action);

const HELP = `Usage: npm start [-- options]

Runs the real cloud functions, with the real wx-server-sdk inside, against a loopback emulator of
WeChat (nothing leaves 127.0.0.1).

With no options: the life cycle of one plugin through cloudfunctions/pluginManager — apply, list
(applying), the emulated plugin developer approves, list (approved), update, unbind, list (empty).

With any of the options below except --node, --time-limit and --state: one run of one function.
  --function NAME     ${FUNCTIONS.join(' or ')} (default pluginManager; applyPlugin only applies)
  --action ACTION     pluginManager's action: ${ACTIONS.join(', ')} (default apply)
  --plugin-appid ID   the plugin (default ${DEMO_PLUGIN})
                      demo catalogue: wx0123456789abcdef, wx1111111111111111, wx2222222222222222 (open),
                      wxc105ed0000000000 (closed to applications); any other appid does not exist
  --reason TEXT       apply's reason (default: a demo reason; "" sends none)
  --user-version V    update's version (default 2.2.46; the demo plugin offers 1.0.0, 1.2.0, 2.2.46)
  --openid ID         the caller's OPENID, as getWXContext() reports it  (default ${DEMO_ADMIN})
  --source SOURCE     the caller's SOURCE: wx_client, wx_http, wx_trigger, wx_client,scf, ...  (default wx_client)
  --admins LIST       ADMIN_OPENIDS configured on the function (default ${DEMO_ADMIN}; "" for none)
  --trusted LIST      TRUSTED_SOURCES configured on the function (default none)
  --fault NAME        make the gateway misbehave: ${[...Object.keys(NAMED_FAULTS), 'down'].join(', ')}
  --repeat N          invoke N times against the same emulator (a second apply meets 89237)
  --no-credentials    run without TENCENTCLOUD_SECRETID/SECRETKEY, as a laptop would

Either way:
  --time-limit MS     the function's time limit, as context.time_limit_in_ms (default 3000)
  --state FILE        load the emulator's plugin state from FILE and save it back afterwards
  --node 16|18|PATH   run the functions on WeChat's Node 16.13 or 18.15 build (or any node binary)
  --json              print only the results as JSON
  --third-party       instead: a third-party platform's batch run (wxplugin batch apply --all) over
                      300 emulated authorisers, on the embedded store (docs/third-party.md)
  -h, --help          this text

The plugin developer's side by hand: \`npm run emulator\` in one terminal, then the dev-* commands of
\`npm run -s wxplugin -- --help\` with the plugin's credentials it prints.

Exit status: 0 when every function answered (whatever errCode), 1 when one did not (the platform
would have killed it), 2 for bad options.
`;

const fail = (message: string): never => usageError(TOOL, message);

/** A file the state can be read from (if it exists) and written to: a clear word otherwise. */
function checkStateFile(path: string): Application[] | undefined {
  const full = resolve(path);
  if (!existsSync(dirname(full)) || !statSync(dirname(full)).isDirectory()) fail(`--state ${path}: the folder ${dirname(full)} does not exist`);
  if (!existsSync(full)) return undefined;
  try {
    const state: unknown = JSON.parse(readFileSync(full, 'utf8'));
    if (!Array.isArray(state) || !state.every((item) => typeof item === 'object' && item !== null && typeof item.miniProgramAppid === 'string' && typeof item.pluginAppid === 'string')) {
      throw new Error('not a list of applications');
    }
    return state as Application[];
  } catch (error) {
    return fail(`--state ${path}: not a state file written by npm start (${(error as Error).message.split('\n')[0]}): remove it or pass another path`);
  }
}

/** --node must name a Node binary: asked for its version before anything runs. */
function checkNode(option: string | undefined): string | undefined {
  let node: string | undefined;
  try {
    node = nodeFromOption(option);
  } catch (error) {
    fail((error as Error).message);
  }
  if (node === undefined) return undefined;
  const probe = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0 || !/^v\d+\.\d+\.\d+/.test(probe.stdout.trim())) fail(`--node ${option}: ${node} is not a Node.js binary`);
  return node;
}

function summary(step: string, outcome: InvocationOutcome, calls: number): string {
  const report = outcome.report;
  if (report.kind !== 'returned') return `✗ ${step}: the function did not answer (${report.kind}): the caller would get nothing useful`;
  const result = report.result as { errCode: number; errMsg: string; attempts: number; pluginList?: Array<{ appid: string; status: number }> };
  const mark = result.errCode === 0 ? '✓' : '✗';
  const list = result.pluginList ? ` — ${result.pluginList.length ? result.pluginList.map((entry) => `${entry.appid} ${['', 'applying', 'approved', 'refused', 'expired'][entry.status] ?? entry.status}`).join(', ') : 'no plugins'}` : '';
  return `${mark} ${step}: errCode ${result.errCode}: ${result.errMsg}${list} (${result.attempts} attempt(s), ${calls} request(s) reached the gateway, ${Math.round(report.callMs)} ms, load ${Math.round(report.loadMs)} ms)`;
}

interface RunSettings {
  readonly emulator: Emulator;
  readonly json: boolean;
  readonly timeLimitMs: number;
  readonly node: string | undefined;
}

async function invoke(settings: RunSettings, step: string, name: string, event: unknown, extra: Partial<Parameters<typeof invokeCloudFunction>[0]> = {}): Promise<InvocationOutcome> {
  const { emulator } = settings;
  const functionDir = join(PROJECT_ROOT, 'cloudfunctions', name);
  const before = emulator.calls.length;
  const outcome = await invokeCloudFunction({
    functionDir,
    event,
    gatewayUrl: emulator.gatewayUrl,
    caller: { openid: DEMO_ADMIN, source: 'wx_client' },
    functionEnv: { ADMIN_OPENIDS: DEMO_ADMIN },
    timeLimitMs: settings.timeLimitMs,
    ...(settings.node ? { node: settings.node } : {}),
    ...extra,
  });
  const result = outcome.report.kind === 'returned' ? outcome.report.result : null;
  if (!settings.json) {
    for (const line of outcome.stdout.split('\n').filter(Boolean)) process.stderr.write(`function log: ${line}\n`);
    for (const call of emulator.calls.slice(before)) {
      process.stderr.write(`gateway received: ${call.apiName} ${JSON.stringify(call.fields)}${call.fault ? ` (fault: ${call.fault})` : ''}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(result, null, settings.json ? undefined : 2)}\n`);
  if (!settings.json) process.stdout.write(`${summary(step, outcome, emulator.calls.length - before)}\n\n`);
  if (outcome.report.kind !== 'returned') process.exitCode = 1;
  return outcome;
}

async function lifeCycle(settings: RunSettings): Promise<void> {
  const call = (step: string, data: Record<string, unknown>) => invoke(settings, step, 'pluginManager', data);
  await call('1. apply', { action: 'apply', pluginAppid: DEMO_PLUGIN, reason: 'Demo application from npm start: we would like to show store locations on a map.' });
  await call('2. list', { action: 'list' });
  // The plugin's developer, on the other side: its own credentials, the HTTPS API, the same world.
  const developer = createHttpsClient({ appid: DEMO_PLUGIN, secret: demoPluginSecret(DEMO_PLUGIN), baseUrl: settings.emulator.url });
  const agreed = await developer.agreeDevPluginApplication({ appid: DEMO_MINI_PROGRAM_APPID });
  process.stdout.write(`${JSON.stringify(agreed, null, settings.json ? undefined : 2)}\n`);
  if (!settings.json) process.stdout.write(`${agreed.errCode === 0 ? '✓' : '✗'} 3. the plugin developer approves (wxplugin dev-agree): errCode ${agreed.errCode}: ${agreed.errMsg}\n\n`);
  await call('4. list', { action: 'list' });
  await call('5. update', { action: 'update', pluginAppid: DEMO_PLUGIN, userVersion: '2.2.46' });
  await call('6. unbind', { action: 'unbind', pluginAppid: DEMO_PLUGIN });
  await call('7. list', { action: 'list' });
}

async function main(): Promise<void> {
  const options = parseOptions(TOOL, {
    function: { type: 'string' },
    action: { type: 'string' },
    'plugin-appid': { type: 'string' },
    reason: { type: 'string' },
    'user-version': { type: 'string' },
    openid: { type: 'string' },
    source: { type: 'string' },
    admins: { type: 'string' },
    trusted: { type: 'string' },
    fault: { type: 'string' },
    repeat: { type: 'string' },
    'no-credentials': { type: 'boolean' },
    'time-limit': { type: 'string', default: '3000' },
    state: { type: 'string' },
    node: { type: 'string' },
    json: { type: 'boolean', default: false },
    'third-party': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  if (options['third-party']) {
    // A short batch over a third-party platform's authorisers (src/batch/demo.ts). Like the other
    // paths, 0 whenever the run reached its report (the batch's own 1 here is the expected 61007s).
    const { thirdPartyDemo } = await import('../batch/demo');
    const code = await thirdPartyDemo(join(PROJECT_ROOT, 'dist', 'wxplugin.js'), options.json === true);
    process.exitCode = code === 0 || code === 1 ? 0 : 1;
    return;
  }
  const timeLimitMs = /^\d{1,6}$/.test(options['time-limit']!) ? Number(options['time-limit']) : NaN;
  if (!(timeLimitMs >= 100 && timeLimitMs <= 300_000)) fail('--time-limit takes a whole number of milliseconds from 100 to 300000');
  const repeat = options.repeat === undefined ? 1 : /^\d{1,2}$/.test(options.repeat) ? Number(options.repeat) : NaN;
  if (!(repeat >= 1 && repeat <= 20)) fail('--repeat takes a whole number from 1 to 20');
  const fault = options.fault;
  if (fault !== undefined && fault !== 'down' && !(fault in NAMED_FAULTS)) fail(`unknown fault ${JSON.stringify(fault)}: one of ${[...Object.keys(NAMED_FAULTS), 'down'].join(', ')}`);
  const name = options.function ?? 'pluginManager';
  if (!FUNCTIONS.includes(name)) fail(`--function takes ${FUNCTIONS.join(' or ')}, got ${JSON.stringify(name)}`);
  const action = options.action ?? 'apply';
  if (!ACTIONS.includes(action)) fail(`--action takes one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  if (name === 'applyPlugin' && action !== 'apply') fail('applyPlugin only applies: use --function pluginManager for other actions');
  const restored = options.state === undefined ? undefined : checkStateFile(options.state);
  const node = checkNode(options.node);
  const singleRun = ['function', 'action', 'plugin-appid', 'reason', 'user-version', 'openid', 'source', 'admins', 'trusted', 'fault', 'repeat', 'no-credentials'].some(
    (key) => (options as Record<string, unknown>)[key] !== undefined,
  );

  const emulator = await startEmulator({ grantedApis: [...new Set(FUNCTIONS.flatMap((fn) => grantedApis(join(PROJECT_ROOT, 'cloudfunctions', fn))))] });
  if (restored) emulator.world.restore(restored);
  const settings: RunSettings = { emulator, json: options.json === true, timeLimitMs, node };
  try {
    if (!singleRun) {
      await lifeCycle(settings);
      return;
    }
    if (fault === 'down') await emulator.close();
    else if (fault) emulator.faults.add(NAMED_FAULTS[fault]!);
    const pluginAppid = options['plugin-appid'] ?? DEMO_PLUGIN;
    const reason = options.reason ?? 'Demo application from npm start: we would like to show store locations on a map.';
    const fields: Record<string, Record<string, unknown>> = {
      apply: { pluginAppid, ...(reason ? { reason } : {}) },
      list: {},
      unbind: { pluginAppid },
      update: { pluginAppid, userVersion: options['user-version'] ?? '2.2.46' },
    };
    const event = name === 'applyPlugin' ? fields.apply : { action, ...fields[action] };
    const functionEnv: Record<string, string> = { ADMIN_OPENIDS: options.admins ?? DEMO_ADMIN, ...(options.trusted ? { TRUSTED_SOURCES: options.trusted } : {}) };
    for (let run = 1; run <= repeat; run += 1) {
      await invoke(settings, `${repeat > 1 ? `[${run}/${repeat}] ` : ''}${name}${name === 'pluginManager' ? ` ${action}` : ''}`, name, event, {
        caller: { openid: options.openid ?? DEMO_ADMIN, source: options.source ?? 'wx_client' },
        functionEnv,
        platformCredentials: options['no-credentials'] !== true,
      });
    }
  } finally {
    if (options.state) writeFileSync(options.state, `${JSON.stringify(emulator.world.snapshot(), null, 2)}\n`);
    if (fault !== 'down') await emulator.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
});
