/**
 * Several processes sharing one file store: three `wxplugin authorizers --token-store DIR` started
 * at once against one emulator fetch one component token between them (the store's lock, then the
 * re-read), and the one they share is still the one WeChat holds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'component-processes-'));
  emulator = await startEmulator({ https: { component: { authorizers: 30 } } });
});
afterEach(async () => {
  emulator.https.component!.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

test('three processes at once: one component token fetched, used by all', async () => {
  const env = {
    WECHAT_API_BASE_URL: emulator.url,
    WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID,
    WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET,
    WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET,
  };
  const runs = await Promise.all([0, 1, 2].map(() => runTool('wxplugin.js', ['authorizers', '--token-store', dir], env)));
  for (const run of runs) {
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ total: 30, errCode: 0 });
  }
  expect(emulator.https.component!.world.requests.componentToken).toBe(1);
  const stored = JSON.parse(readFileSync(join(dir, 'component-token.json'), 'utf8')) as { token: string };
  expect(emulator.https.component!.world.isExpired(emulator.https.component!.world.token(stored.token)!)).toBe(false);
});
