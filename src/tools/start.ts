/**
 * `npm start`: the main job on one machine. Starts the loopback WeChat gateway emulator, invokes
 * cloudfunctions/applyPlugin/index.js once exactly as the cloud does (fresh process, platform
 * environment, SCF context), and prints the function's result as JSON plus a one-line summary.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../emulator/gateway';
import { NAMED_FAULTS } from '../emulator/faults';
import { type Application } from '../emulator/plugin-world';
import { parseOptions, usageError } from './cli';
import { grantedApis, invokeCloudFunction, nodeFromOption, PROJECT_ROOT, type InvocationOutcome } from '../platform/invoke';

const DEMO_ADMIN = 'oDemoAdmin_0123456789abcdefgh';

const HELP = `Usage: npm start [-- options]

Applies for a plugin through the real cloud function, the real wx-server-sdk and a loopback
emulator of WeChat's gateway. With no options, a demo administrator applies for the demo plugin.

Options:
  --plugin-appid ID   the plugin to apply for            (default wx0123456789abcdef)
                      demo catalogue: wx0123456789abcdef, wx1111111111111111, wx2222222222222222 (open),
                      wxc105ed0000000000 (closed to applications); any other appid does not exist
  --reason TEXT       the reason sent with the application (default: a demo reason; "" sends none)
  --openid ID         the caller's OPENID, as getWXContext() reports it  (default ${DEMO_ADMIN})
  --source SOURCE     the caller's SOURCE: wx_client, wx_http, wx_trigger, wx_client,scf, ...  (default wx_client)
  --admins LIST       ADMIN_OPENIDS configured on the function (default ${DEMO_ADMIN}; "" for none)
  --fault NAME        make the gateway misbehave: ${[...Object.keys(NAMED_FAULTS), 'down'].join(', ')}
  --time-limit MS     the function's time limit, as context.time_limit_in_ms (default 3000)
  --repeat N          invoke N times against the same emulator (the second application meets 89237)
  --state FILE        load the emulator's applications from FILE and save them back afterwards
  --no-credentials    run without TENCENTCLOUD_SECRETID/SECRETKEY, as a laptop would
  --node 16|18|PATH   run the function on WeChat's Node 16.13 or 18.15 build (or any node binary)
  --json              print only the result JSON
  -h, --help          this text
`;

const TOOL = { name: 'npm start', help: 'npm start -- --help' };
function fail(message: string): never {
  return usageError(TOOL, message);
}

function summary(outcome: InvocationOutcome, calls: number): string {
  const report = outcome.report;
  if (report.kind !== 'returned') return `✗ the function did not answer (${report.kind}): the caller would get nothing useful`;
  const result = report.result as { errCode: number; errMsg: string; attempts: number };
  const mark = result.errCode === 0 ? '✓' : '✗';
  return `${mark} errCode ${result.errCode}: ${result.errMsg} — ${result.attempts} attempt(s), ${calls} request(s) reached the gateway, answered in ${Math.round(report.callMs)} ms (load ${Math.round(report.loadMs)} ms)`;
}

async function main(): Promise<void> {
  const options = parseOptions(TOOL, {
    'plugin-appid': { type: 'string', default: 'wx0123456789abcdef' },
    reason: { type: 'string', default: 'Demo application from npm start: we would like to show store locations on a map.' },
    openid: { type: 'string', default: DEMO_ADMIN },
    source: { type: 'string', default: 'wx_client' },
    admins: { type: 'string' },
    fault: { type: 'string' },
    'time-limit': { type: 'string', default: '3000' },
    repeat: { type: 'string', default: '1' },
    state: { type: 'string' },
    'no-credentials': { type: 'boolean', default: false },
    node: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }
  const timeLimitMs = Number(options['time-limit']);
  if (!Number.isInteger(timeLimitMs) || timeLimitMs < 100) fail('--time-limit takes a whole number of milliseconds, at least 100');
  const repeat = Number(options.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) fail('--repeat takes a whole number from 1 to 20');
  const fault = options.fault;
  if (fault !== undefined && fault !== 'down' && !(fault in NAMED_FAULTS)) fail(`unknown fault ${JSON.stringify(fault)}`);
  let node: string | undefined;
  try {
    node = nodeFromOption(options.node);
  } catch (error) {
    fail((error as Error).message);
  }

  const functionDir = join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin');
  const emulator = await startEmulator({ grantedApis: grantedApis(functionDir) });
  if (options.state && existsSync(options.state)) {
    emulator.world.restore(JSON.parse(readFileSync(options.state, 'utf8')) as Application[]);
  }
  if (fault === 'down') await emulator.close();
  else if (fault) emulator.faults.add(NAMED_FAULTS[fault]!);

  const event: Record<string, string> = { pluginAppid: options['plugin-appid']! };
  if (options.reason) event.reason = options.reason;
  try {
    for (let run = 1; run <= repeat; run += 1) {
      const before = emulator.calls.length;
      const outcome = await invokeCloudFunction({
        functionDir,
        event,
        gatewayUrl: emulator.gatewayUrl,
        caller: { openid: options.openid, source: options.source },
        functionEnv: { ADMIN_OPENIDS: options.admins ?? DEMO_ADMIN },
        timeLimitMs,
        platformCredentials: !options['no-credentials'],
        ...(node ? { node } : {}),
      });
      const result = outcome.report.kind === 'returned' ? outcome.report.result : null;
      if (!options.json) {
        for (const line of outcome.stdout.split('\n').filter(Boolean)) process.stderr.write(`function log: ${line}\n`);
        for (const call of emulator.calls.slice(before)) {
          process.stderr.write(`gateway received: ${call.apiName} ${JSON.stringify(call.fields)}${call.fault ? ` (fault: ${call.fault})` : ''}\n`);
        }
      }
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      if (!options.json) process.stdout.write(`${repeat > 1 ? `[${run}/${repeat}] ` : ''}${summary(outcome, emulator.calls.length - before)}\n`);
      if (outcome.report.kind !== 'returned') process.exitCode = 1;
    }
  } finally {
    if (options.state) writeFileSync(options.state, `${JSON.stringify(emulator.world.snapshot(), null, 2)}\n`);
    if (fault !== 'down') await emulator.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
