/**
 * `npm start -- --third-party` as a user meets it: the built start tool in a child process. Its
 * batch demo refuses the cloud function paths' options instead of ignoring them, and a Ctrl-C in
 * the middle of its run ends with the batch's "work left" status and leaves no temporary store.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { waitFor } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(300_000);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-start-third-party-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test.each([
  ['--action', 'update'],
  ['--fault', 'busy'],
  ['--openid', 'oSomeone'],
  ['--function', 'applyPlugin'],
  ['--node', '18'],
])('--third-party with %s: exit 2, "cannot be combined", nothing run', async (flag, value) => {
  const run = await runTool('start.js', ['--third-party', flag, value]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`--third-party cannot be combined with ${flag}\\b`));
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stdout).toBe('');
});

test('Ctrl-C during the demo\'s batch: exit 3 with how to resume, and its temporary store removed', async () => {
  // Its own temporary folder, to see what the demo leaves there.
  const temp = join(work, 'tmp');
  mkdirSync(temp);
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'start.js'), '--third-party'], { env: { PATH: process.env.PATH ?? '', TMPDIR: temp } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await waitFor(() => /wxplugin batch: run \S+/.test(stderr) || child.exitCode !== null, 240_000, 'the demo\'s batch to start');
  expect(readdirSync(temp).filter((name) => name.startsWith('wxplugin-start-batch-'))).toHaveLength(1);
  child.kill('SIGINT');
  expect(await exited).toBe(3);
  expect(stderr).toMatch(/stopping after the calls in flight/);
  expect(readdirSync(temp).filter((name) => name.startsWith('wxplugin-start-batch-'))).toEqual([]);
});
