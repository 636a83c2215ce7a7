/**
 * The emulator's --state file: two runs never lose one's change, an interrupted
 * run keeps what succeeded, and a run killed mid-write never leaves an empty or half file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { runTool } from '../support/run-tool';

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxplugin-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const applied = (state: string) => (JSON.parse(readFileSync(state, 'utf8')) as Array<{ pluginAppid: string }>).map((item) => item.pluginAppid).sort();

test('two runs at once: neither loses the other\'s change', async () => {
  const state = join(dir, 'state.json');
  const runs = await Promise.all(
    ['wx0123456789abcdef', 'wx1111111111111111', 'wx2222222222222222'].map((plugin) => runTool('start.js', ['--action', 'apply', '--plugin-appid', plugin, '--state', state, '--json'])),
  );
  expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
  expect(applied(state)).toEqual(['wx0123456789abcdef', 'wx1111111111111111', 'wx2222222222222222']);
});

test('Ctrl-C after a step succeeded keeps what succeeded', async () => {
  const state = join(dir, 'state.json');
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'start.js'), '--state', state], { env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Step 1 (apply) succeeded; interrupt before the life cycle unbinds the plugin again.
    if (stdout.includes('✓ 1. apply') && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(130);
  expect(applied(state)).toEqual(['wx0123456789abcdef']);
});

test('a lock left by a killed run goes stale and is taken over', async () => {
  const state = join(dir, 'state.json');
  mkdirSync(`${state}.lock`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${state}.lock`, old, old);
  const run = await runTool('start.js', ['--action', 'apply', '--state', state, '--json']);
  expect(run.code).toBe(0);
  expect(applied(state)).toEqual(['wx0123456789abcdef']);
});

test('SIGKILL in the middle of saving never leaves an empty or half-written file', async () => {
  const state = join(dir, 'state.json');
  const saver = join(PROJECT_ROOT, 'dist', `state-saver-${process.pid}.js`);
  // A process that saves a large state over and over, through the same code as npm start.
  writeFileSync(join(dir, 'saver.ts'), `
    import { openStateFile } from ${JSON.stringify(join(PROJECT_ROOT, 'src', 'tools', 'state-file'))};
    const big = Array.from({ length: 5000 }, (_, i) => ({ miniProgramAppid: 'wxa11ce00000000d3e', pluginAppid: 'wx' + String(i).padStart(16, '0'), status: 'applying' }));
    void openStateFile(process.argv[2], (value) => value).then((file) => { process.stdout.write('saving\\n'); for (;;) file.save(big); });
  `);
  let child: ChildProcess | undefined;
  buildSync({ entryPoints: [join(dir, 'saver.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: saver, logLevel: 'error' });
  try {
    writeFileSync(state, '[]\n');
    const saving = spawn(process.execPath, [saver, state]);
    child = saving;
    await new Promise<void>((resolve) => saving.stdout.once('data', () => resolve()));
    // Whenever it is looked at, as whenever a SIGKILL could land, the file holds a whole state.
    const seen = new Set<string>();
    for (let look = 0; look < 100; look += 1) {
      const text = readFileSync(state, 'utf8');
      seen.add(text.length > 10 ? 'big' : text);
      expect(() => JSON.parse(text)).not.toThrow();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const closed = new Promise((resolve) => saving.on('close', resolve));
    saving.kill('SIGKILL');
    await closed;
    expect(JSON.parse(readFileSync(state, 'utf8'))).toHaveLength(5000);
    expect(seen.has('big')).toBe(true);
  } finally {
    // Never left running, whatever failed: it is a busy loop.
    child?.kill('SIGKILL');
    rmSync(saver, { force: true });
  }
});
