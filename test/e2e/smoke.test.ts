import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/gateway';
import { grantedApis, invokeCloudFunction, PROJECT_ROOT } from '../../src/platform/invoke';

test('smoke', async () => {
  const dir = join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin');
  const emulator = await startEmulator({ grantedApis: grantedApis(dir) });
  try {
    const out = await invokeCloudFunction({
      functionDir: dir,
      event: { pluginAppid: 'wx0123456789abcdef', reason: '想用地图' },
      gatewayUrl: emulator.gatewayUrl,
      caller: { openid: 'oAdmin0000000000000000000001', source: 'wx_client' },
      functionEnv: { ADMIN_OPENIDS: 'oAdmin0000000000000000000001' },
      node: join(PROJECT_ROOT, 'scripts/wechat-node/node_modules/node16/bin/node'),
    });
    console.log(JSON.stringify(out, null, 1), JSON.stringify(emulator.calls));
  } finally {
    await emulator.close();
  }
});
