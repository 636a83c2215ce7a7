/**
 * `npm run emulator` as a newcomer meets it (dist/emulator.js): a full --help, a mistyped fault
 * answered with the list, a banner that says which fault is active, and the printed wx-server-sdk
 * variables complete enough to run the committed function against it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NAMED_FAULTS } from '../../src/emulator/faults';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

/** Starts the emulator and resolves with its banner once printed; `stop` ends it. */
async function started(args: string[]) {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'emulator.js'), ...args], { env: { PATH: process.env.PATH ?? '' } });
  let banner = '';
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => {
    banner += chunk.toString();
    if (banner.includes('Plugins:')) resolve();
  }));
  const stop = async () => {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    await closed;
  };
  return { banner, stop };
}

test('--help describes every option and every fault', async () => {
  const { code, stdout } = await runTool('emulator.js', ['--help']);
  expect(code).toBe(0);
  for (const option of ['--port', '--fault', '--help']) expect(stdout).toContain(option);
  for (const fault of Object.keys(NAMED_FAULTS)) expect(stdout).toMatch(new RegExp(`^ +${fault} +\\S`, 'm'));
});

test('--fault nope: exit 2, one line listing the faults', async () => {
  const { code, stderr } = await runTool('emulator.js', ['--fault', 'nope']);
  expect(code).toBe(2);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  for (const fault of Object.keys(NAMED_FAULTS)) expect(stderr).toContain(fault);
});

test('the banner says which fault is active, or that none is', async () => {
  const faulty = await started(['--fault', 'busy-once']);
  await faulty.stop();
  expect(faulty.banner).toMatch(/^Fault active: busy-once: /m);
  const plain = await started([]);
  await plain.stop();
  expect(plain.banner).toMatch(/^No fault/m);
});

test('the printed wx-server-sdk variables run the committed function against it', async () => {
  const emulator = await started([]);
  try {
    const section = emulator.banner.slice(emulator.banner.indexOf('A cloud function run on this machine'));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const line of section.split('\n').filter((text) => text.startsWith('  export '))) {
      for (const match of line.slice('  export '.length).matchAll(/(\w+)=('[^']*'|\S+)/g)) env[match[1]!] = match[2]!.replace(/^'|'$/g, '');
    }
    const run = spawnSync(process.execPath, ['-e', "require('./cloudfunctions/pluginManager/index.js').main({ action: 'list' }, {}).then((r) => process.stdout.write('RESULT ' + JSON.stringify(r)))"], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 30_000 });
    const result = JSON.parse(/RESULT (.*)$/m.exec(run.stdout)![1]!) as { errCode: number };
    expect(result).toMatchObject({ errCode: 0, pluginList: [] });
  } finally {
    await emulator.stop();
  }
});
