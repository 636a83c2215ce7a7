/**
 * `npm run emulator`: the loopback WeChat emulator on its own, for the HTTPS command line and for
 * trying things by hand. Prints the environment to point `npm run apply` (or wx-server-sdk) at it.
 */
import { parseArgs } from 'node:util';
import { DEMO_MINI_PROGRAM_APPID, startEmulator } from '../emulator/gateway';
import { NAMED_FAULTS } from '../emulator/faults';
import { DEMO_APP_SECRET, demoPluginSecret } from '../emulator/https-api';
import { DEMO_PLUGINS } from '../emulator/plugin-world';
import { COMPONENT_CLI_HELP, COMPONENT_CLI_OPTIONS, componentBanner, componentOptionsFrom } from '../emulator/component-cli';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, fault: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false }, ...COMPONENT_CLI_OPTIONS },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run emulator [-- --port PORT] [--fault ${Object.keys(NAMED_FAULTS).join('|')}] [component options]\n\n${COMPONENT_CLI_HELP}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a port number');
  if (values.fault !== undefined && !(values.fault in NAMED_FAULTS)) throw new Error(`unknown fault ${JSON.stringify(values.fault)}`);
  const component = componentOptionsFrom(values);
  const emulator = await startEmulator({ port, https: { component } });
  if (values.fault) emulator.faults.add(NAMED_FAULTS[values.fault]!);
  process.stdout.write(
    [
      `WeChat emulator listening on ${emulator.url} (loopback only; Ctrl-C to stop)`,
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
      `Cloud gateway for wx-server-sdk: TCB_CONTEXT_CNFG='{"URL":"${emulator.gatewayUrl}"}'`,
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
  process.stderr.write(`emulator: ${(error as Error).message}\n`);
  process.exit(2);
});
