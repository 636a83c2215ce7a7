import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerAppid, DEMO_COMPONENT_APPID } from '../../src/emulator/component-world';
import { startEmulator } from '../../src/emulator/gateway';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { componentEnv } from '../support/batch';
import { runTool } from '../support/run-tool';
jest.setTimeout(1_200_000);
test('measure', async () => {
  const N = 300;
  const emulator = await startEmulator({ https: { component: { authorizers: N, withoutPluginManagement: 0 } } });
  const world = emulator.https.component!.world;
  const work = mkdtempSync(join(tmpdir(), 'measure-'));
  const ledger = { component: [world.issueComponentToken()], authorizers: {} as Record<string, string[]> };
  for (let i = 0; i < N; i += 1) ledger.authorizers[authorizerAppid(i)] = [world.issueAuthorizerToken(authorizerAppid(i)).accessToken];
  const file = join(work, 'l.json');
  writeFileSync(file, JSON.stringify(ledger));
  const command = `${process.execPath} ${join(PROJECT_ROOT, 'test/support/token-server.cjs')} ${file}`;
  const out: string[] = [];
  for (let round = 0; round < 2; round += 1) {
    for (const mode of ['own', 'command']) {
      const started = Date.now();
      const env = mode === 'own' ? componentEnv(emulator.url) : { PATH: process.env.PATH ?? '', WECHAT_API_BASE_URL: emulator.url, WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID };
      const args = ['batch', 'list', '--all', '--rate', '2000', '--concurrency', '64', '--json', '--store', join(work, `s-${mode}-${round}`)];
      if (mode === 'command') args.push('--token-command', command);
      const run = await runTool('wxplugin.js', args, env);
      const progress = run.stderr.split('\n').filter((l) => l.includes('"progress"'));
      out.push(`${mode} round ${round}: exit ${run.code}, ${Date.now() - started} ms; ${progress.at(-1) ?? ''}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  await emulator.close();
});
