/**
 * `npm run emulator`: the loopback WeChat emulator on its own, for the HTTPS command line and for
 * trying things by hand. Prints the environment to point `npm run apply` (or wx-server-sdk) at it.
 */
import { DEMO_MINI_PROGRAM_APPID, startEmulator } from '../emulator/gateway';
import { NAMED_FAULTS } from '../emulator/faults';
import { DEMO_APP_SECRET, demoPluginSecret } from '../emulator/https-api';
import { DEMO_PLUGINS } from '../emulator/plugin-world';
import { COMPONENT_CLI_HELP, COMPONENT_CLI_OPTIONS, componentBanner, componentOptionsFrom } from '../emulator/component-cli';
import { DEMO_ENV_ID } from '../platform/invoke';
import { endQuietlyWhenOutputCloses, parseOptions, requireNode18, usageError, type Tool } from './cli';

const TOOL: Tool = { name: 'emulator', help: 'npm run emulator -- --help' };

/** What each named fault does, for --help and for a mistyped --fault. */
const FAULT_HELP: Readonly<Record<string, string>> = {
  'busy-once': 'the next request answers errcode -1 (WeChat busy), then all is well',
  busy: 'every request answers errcode -1',
  '502': 'every request answers HTTP 502',
  'gateway-error': "the cloud gateway answers its own error (SYS_ERR)",
  'no-permission': 'the cloud gateway answers -604101 (no permission for the API)',
  garbage: 'answers that are not protobuf or JSON',
  empty: 'empty answers',
  'not-json': 'text answers that are not JSON',
  drop: 'every connection is cut before an answer',
  slow: 'every answer comes 1.5 s late',
  silent: 'no answer at all',
  huge: 'every answer is 100 MB (far past what the tools read)',
};

const faultList = (indent: string) => Object.keys(NAMED_FAULTS).map((name) => `${indent}${name.padEnd(15)}${FAULT_HELP[name] ?? ''}`).join('\n');

const HELP = `Usage: npm run emulator [-- options]

A loopback emulator of WeChat: the cloud gateway that wx-server-sdk talks to, and the HTTPS API
(stable_token, /wxa/plugin, /wxa/devplugin) that wxplugin and createHttpsClient talk to, over one
plugin world. Binds to 127.0.0.1 only; prints the variables to point the tools at it; Ctrl-C stops it.

Options:
  --port PORT      the port to listen on (default: any free one)
  --fault NAME     answer every request (or the next one) with a fault:
${faultList('                     ')}
  --update-needs-component
                   answer 89256 to update with a mini-program's own token (reported; docs/errors.md)
  -h, --help       this text

${COMPONENT_CLI_HELP}

More: docs/emulator.md, docs/third-party.md.
`;

async function main(): Promise<void> {
  endQuietlyWhenOutputCloses();
  requireNode18('emulator');
  const values = parseOptions(TOOL, { port: { type: 'string', default: '0' }, fault: { type: 'string' }, 'update-needs-component': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...COMPONENT_CLI_OPTIONS });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = /^\d{1,5}$/.test(values.port ?? '') ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65535)) usageError(TOOL, '--port takes a port number from 0 to 65535');
  const fault = values.fault;
  if (fault !== undefined && !(fault in NAMED_FAULTS)) usageError(TOOL, `--fault: no fault of that name; one of ${Object.keys(NAMED_FAULTS).join(', ')}`);
  const component = componentOptionsFrom(values);
  const emulator = await startEmulator({ port, updateNeedsComponent: values['update-needs-component'] === true, https: { component } });
  if (fault) emulator.faults.add(NAMED_FAULTS[fault]!);
  process.stdout.write(
    [
      `WeChat emulator listening on ${emulator.url} (loopback only; Ctrl-C to stop)`,
      fault ? `Fault active: ${fault}: ${FAULT_HELP[fault]}` : 'No fault: WeChat answers as it should',
      '',
      'HTTPS form:',
      `  export WECHAT_API_BASE_URL=${emulator.url}`,
      `  export WECHAT_APPID=${DEMO_MINI_PROGRAM_APPID}`,
      `  export WECHAT_APPSECRET=${DEMO_APP_SECRET}`,
      '  npm run -s wxplugin -- apply --plugin-appid wx0123456789abcdef --reason "from the command line"',
      '  npm run -s wxplugin -- list',
      '',
      "The plugin developer's side (the plugin's own credentials), in another shell:",
      `  export WECHAT_API_BASE_URL=${emulator.url} WECHAT_APPID=wx0123456789abcdef WECHAT_APPSECRET=${demoPluginSecret('wx0123456789abcdef')}`,
      '  npm run -s wxplugin -- dev-list',
      `  npm run -s wxplugin -- dev-agree --appid ${DEMO_MINI_PROGRAM_APPID}`,
      '',
      'A cloud function run on this machine with wx-server-sdk (the gateway, the env id, credentials',
      'of any value, since the emulator checks only that a call is signed, and the caller as the',
      'platform sets it):',
      `  export TCB_CONTEXT_CNFG='{"URL":"${emulator.gatewayUrl}"}' TCB_ENV=${DEMO_ENV_ID} SCF_NAMESPACE=${DEMO_ENV_ID}`,
      '  export TENCENTCLOUD_SECRETID=AKIDlocal TENCENTCLOUD_SECRETKEY=local TENCENTCLOUD_SESSIONTOKEN=local',
      `  export WX_CONTEXT_KEYS=WX_OPENID,WX_APPID WX_OPENID=oDemoAdmin_0123456789abcdefgh WX_APPID=${DEMO_MINI_PROGRAM_APPID} TCB_SOURCE=wx_client`,
      '  export ADMIN_OPENIDS=oDemoAdmin_0123456789abcdefgh',
      `  node -e "require('./cloudfunctions/pluginManager/index.js').main({ action: 'list' }, {}).then(console.log)"`,
      ...componentBanner(emulator.url, component),
      '',
      `Plugins: ${DEMO_PLUGINS.map((plugin) => `${plugin.appid} (${plugin.acceptsApplications ? 'open' : 'closed'})`).join(', ')}`,
      '',
    ].join('\n'),
  );
  const stop = () => void emulator.close().then(() => {
    emulator.https.component?.close();
    process.exit(0);
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${(error as Error).message.split('\n')[0]}\n`);
  process.exit(2);
});
