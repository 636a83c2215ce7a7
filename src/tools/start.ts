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
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/gateway';
import { NAMED_FAULTS } from '../emulator/faults';
import { demoPluginSecret } from '../emulator/https-api';
import { DEMO_MINI_PROGRAM_APPID, type Application } from '../emulator/plugin-world';
import { createHttpsClient } from '../https/client';
import { flagOf } from '../core/fields';
import type { AnyOperation } from '../core/operation';
import { CLOUD_FUNCTIONS } from '../core/operations';
import { grantedApis, invokeCloudFunction, nodeFromOption, PROJECT_ROOT, type InvocationOutcome } from '../platform/invoke';
import { parseOptions, usageError } from './cli';
import { openStateFile, StateFileError, type StateFile } from './state-file';
import { forTerminal, jsonForTerminal } from './terminal';

const DEMO_ADMIN = 'oDemoAdmin_0123456789abcdefgh';
const DEMO_PLUGIN = 'wx0123456789abcdef';
const TOOL = { name: 'npm start', help: 'npm start -- --help' };
const FUNCTIONS = Object.keys(CLOUD_FUNCTIONS);
const OPERATIONS = CLOUD_FUNCTIONS.pluginManager.operations;
const ACTIONS = OPERATIONS.map((operation) => operation.action);

/**
 * The request fields of pluginManager's operations, each with its command-line flag and the
 * operations that take it: one option per field, its default from each operation's example.
 */
const FIELD_OPTIONS = [...new Set(OPERATIONS.flatMap((operation) => Object.keys(operation.fields)))].map((name) => {
  const users = OPERATIONS.filter((operation) => name in operation.fields);
  return { name, flag: flagOf(name), help: users[0]!.fields[name]!.help, users };
});

/** One help line per field option: the operations that take it, and its default from their examples. */
function fieldHelp(option: (typeof FIELD_OPTIONS)[number]): string {
  const field = option.users[0]!.fields[option.name]!;
  const left = `  --${option.flag} ${field.kind === 'integer' ? 'N' : field.kind.toUpperCase()}`;
  const defaults = [...new Set(option.users.map((operation) => JSON.stringify((operation.example as Record<string, unknown>)[option.name] ?? null)))];
  const optional = field.presence === 'optional' ? '; "" sends none' : '';
  return `${left.padEnd(21)} ${option.users.map((operation) => operation.action).join(', ')}: default ${defaults.join(' or ')}${optional}`;
}

const HELP = `Usage: npm start [-- options]

Runs the real cloud functions, with the real wx-server-sdk inside, against a loopback emulator of
WeChat (nothing leaves 127.0.0.1).

With no options: the life cycle of one plugin through cloudfunctions/pluginManager — apply, list
(applying), the emulated plugin developer approves, list (approved), update, unbind, list (empty).

With any of the options below except --node, --time-limit and --state: one run of one function.
  --function NAME     ${FUNCTIONS.join(' or ')} (default pluginManager; applyPlugin only applies)
  --action ACTION     pluginManager's action: ${ACTIONS.join(', ')} (default apply)
${FIELD_OPTIONS.map(fieldHelp).join('\n')}
                      demo plugins: wx0123456789abcdef (versions 1.0.0, 1.2.0, 2.2.46),
                      wx1111111111111111, wx2222222222222222 (open), wxc105ed0000000000 (closed to
                      applications); any other appid does not exist
  --openid ID         the caller's OPENID, as getWXContext() reports it  (default ${DEMO_ADMIN})
  --source SOURCE     the caller's SOURCE: wx_client, wx_http, wx_trigger, wx_client,scf, ...  (default wx_client)
  --admins LIST       ADMIN_OPENIDS configured on the function (default ${DEMO_ADMIN}; "" for none)
  --trusted LIST      TRUSTED_SOURCES configured on the function (default none)
  --fault NAME        make the gateway misbehave: ${[...Object.keys(NAMED_FAULTS), 'down'].join(', ')}
  --repeat N          invoke N times against the same emulator (a second apply meets 89237)
  --no-credentials    run without TENCENTCLOUD_SECRETID/SECRETKEY, as a laptop would
  --update-needs-component
                      make WeChat answer 89256 to update with the mini-program's own token, as
                      reported by users (docs/errors.md)

Either way:
  --time-limit MS     the function's time limit, as context.time_limit_in_ms (default 3000)
  --state FILE        load the emulator's plugin state from FILE and save it back afterwards
  --node RUNTIME      run the functions on WeChat's Node build of that runtime: 16, 18, 20, 22, 24
                      (16.13, 20.19, ... too; 16.13.0 for that exact build), or any node binary's path
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

/** A state file's content: a list of applications, as PluginWorld.snapshot() writes it. */
function checkState(state: unknown): Application[] {
  if (!Array.isArray(state) || !state.every((item) => typeof item === 'object' && item !== null && typeof item.miniProgramAppid === 'string' && typeof item.pluginAppid === 'string')) {
    throw new Error('not a list of applications');
  }
  return state as Application[];
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
  /** Called after each step: keeps what succeeded (--state). */
  readonly keep: () => void;
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
    for (const line of outcome.stdout.split('\n').filter(Boolean)) process.stderr.write(`function log: ${forTerminal(line)}\n`);
    for (const call of emulator.calls.slice(before)) {
      process.stderr.write(`gateway received: ${call.apiName} ${jsonForTerminal(call.fields)}${call.fault ? ` (fault: ${call.fault})` : ''}\n`);
    }
  }
  process.stdout.write(`${jsonForTerminal(result, settings.json ? undefined : 2)}\n`);
  if (!settings.json) process.stdout.write(`${forTerminal(summary(step, outcome, emulator.calls.length - before))}\n\n`);
  if (outcome.report.kind !== 'returned') process.exitCode = 1;
  settings.keep();
  return outcome;
}

async function lifeCycle(settings: RunSettings): Promise<void> {
  const call = (step: string, data: Record<string, unknown>) => invoke(settings, step, 'pluginManager', data);
  const example = (action: string) => ({ action, ...(OPERATIONS.find((operation) => operation.action === action)!.example as Record<string, unknown>) });
  await call('1. apply', example('apply'));
  await call('2. list', { action: 'list' });
  // The plugin's developer, on the other side: its own credentials, the HTTPS API, the same world.
  const developer = createHttpsClient({ appid: DEMO_PLUGIN, secret: demoPluginSecret(DEMO_PLUGIN), baseUrl: settings.emulator.url });
  const agreed = await developer.agreeDevPluginApplication({ appid: DEMO_MINI_PROGRAM_APPID });
  process.stdout.write(`${jsonForTerminal(agreed, settings.json ? undefined : 2)}\n`);
  if (!settings.json) process.stdout.write(`${agreed.errCode === 0 ? '✓' : '✗'} 3. the plugin developer approves (wxplugin dev-agree): errCode ${agreed.errCode}: ${forTerminal(agreed.errMsg)}\n\n`);
  await call('4. list', { action: 'list' });
  await call('5. update', example('update'));
  await call('6. unbind', example('unbind'));
  await call('7. list', { action: 'list' });
}

/** An operation's request: each of its fields from the command line, or else from its example. */
function eventFields(operation: AnyOperation, options: Record<string, unknown>): Record<string, unknown> {
  const example = operation.example as Record<string, unknown>;
  const fields = Object.keys(operation.fields).map((name) => [name, options[flagOf(name)] ?? example[name]] as const);
  return Object.fromEntries(fields.filter(([, value]) => value !== undefined));
}

/** The options of one cloud function call (rather than the whole life cycle). */
const SINGLE_RUN_OPTIONS = ['function', 'action', ...FIELD_OPTIONS.map((option) => option.flag), 'openid', 'source', 'admins', 'trusted', 'fault', 'repeat', 'no-credentials', 'update-needs-component'];

async function main(): Promise<void> {
  const options = parseOptions(TOOL, {
    function: { type: 'string' },
    action: { type: 'string' },
    ...Object.fromEntries(FIELD_OPTIONS.map((option) => [option.flag, { type: 'string' as const }])),
    openid: { type: 'string' },
    source: { type: 'string' },
    admins: { type: 'string' },
    trusted: { type: 'string' },
    fault: { type: 'string' },
    repeat: { type: 'string' },
    'no-credentials': { type: 'boolean' },
    'update-needs-component': { type: 'boolean' },
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
    // The batch demo has none of the cloud function paths' settings: one given is a mistake, not ignored.
    const mixed = [...SINGLE_RUN_OPTIONS, 'state', 'node'].filter((key) => (options as Record<string, unknown>)[key] !== undefined);
    if (mixed.length) fail(`--third-party cannot be combined with ${mixed.map((key) => `--${key}`).join(', ')}: it runs its own batch demo; leave ${mixed.length > 1 ? 'them' : 'it'} out`);
    // A short batch over a third-party platform's authorisers (src/batch/demo.ts). Like the other
    // paths, 0 whenever the run reached its report (the batch's own 1 here is the expected 61007s);
    // interrupted, 3 as a batch that stopped with work left.
    const { thirdPartyDemo } = await import('../batch/demo');
    const code = await thirdPartyDemo(join(PROJECT_ROOT, 'dist', 'wxplugin.js'), options.json === true);
    process.exitCode = code === 0 || code === 1 ? 0 : code === 3 ? 3 : 1;
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
  let state: StateFile<Application[]> | undefined;
  try {
    state = options.state === undefined ? undefined : await openStateFile(options.state, checkState);
  } catch (error) {
    if (!(error instanceof StateFileError)) throw error;
    fail(`--state ${options.state}: ${error.message}`);
  }
  const node = checkNode(options.node);
  const singleRun = SINGLE_RUN_OPTIONS.some((key) => (options as Record<string, unknown>)[key] !== undefined);

  const emulator = await startEmulator({
    grantedApis: [...new Set(FUNCTIONS.flatMap((fn) => grantedApis(join(PROJECT_ROOT, 'cloudfunctions', fn))))],
    updateNeedsComponent: options['update-needs-component'] === true,
  });
  if (state?.initial) emulator.world.restore(state.initial);
  const keep = () => state?.save(emulator.world.snapshot());
  // Interrupted (Ctrl-C, a kill): what succeeded so far is saved, and the next run may go on.
  const interrupted = (code: number) => () => {
    keep();
    void state?.release().finally(() => process.exit(code));
    if (!state) process.exit(code);
  };
  process.once('SIGINT', interrupted(130));
  process.once('SIGTERM', interrupted(143));
  const settings: RunSettings = { emulator, json: options.json === true, timeLimitMs, node, keep };
  try {
    if (!singleRun) {
      await lifeCycle(settings);
      return;
    }
    if (fault === 'down') await emulator.close();
    else if (fault) emulator.faults.add(NAMED_FAULTS[fault]!);
    const fields = eventFields(OPERATIONS.find((operation) => operation.action === action)!, options as Record<string, unknown>);
    const event = name === 'applyPlugin' ? fields : { action, ...fields };
    const functionEnv: Record<string, string> = { ADMIN_OPENIDS: options.admins ?? DEMO_ADMIN, ...(options.trusted ? { TRUSTED_SOURCES: options.trusted } : {}) };
    for (let run = 1; run <= repeat; run += 1) {
      await invoke(settings, `${repeat > 1 ? `[${run}/${repeat}] ` : ''}${name}${name === 'pluginManager' ? ` ${action}` : ''}`, name, event, {
        caller: { openid: options.openid ?? DEMO_ADMIN, source: options.source ?? 'wx_client' },
        functionEnv,
        platformCredentials: options['no-credentials'] !== true,
      });
    }
  } finally {
    keep();
    await state?.release();
    if (fault !== 'down') await emulator.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
});
