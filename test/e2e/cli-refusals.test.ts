/**
 * The command line's own edges, as a user meets them (the built `wxplugin` in child processes, the
 * emulator on loopback): a reader that closes the output early (`| head`) ends the command quietly;
 * values no run can use (an authorisers file with a line of 600 MB, a rate too slow to pace, an
 * empty store folder) are refused with exit 2 and one line, nothing opened or sent; and a refused
 * value (a run id too) is echoed bounded, however long it was.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerAppid } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import type { ToolRun } from '../support/run-tool';
import { componentEnv } from '../support/batch';

jest.setTimeout(600_000);

const WXPLUGIN = join(PROJECT_ROOT, 'dist', 'wxplugin.js');
/** Nothing listens there: a refusal must come before anything is sent. */
const NOWHERE = componentEnv('http://127.0.0.1:9');
const APPLY = ['batch', 'apply', '--plugin-appid', 'wx1111111111111111'];

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cli-refusals-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `wxplugin ARGS` in `cwd` (an empty folder of its own by default, to see that nothing is created there). */
function wxplugin(args: readonly string[], env: Record<string, string>, cwd = mkdtempSync(join(work, 'cwd-'))): Promise<ToolRun & { cwd: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WXPLUGIN, ...args], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, cwd }));
  });
}

/** Exit 2 and exactly one line on stderr, matching `message`, no stack; nothing printed, nothing created. */
function expectRefused(run: ToolRun & { cwd: string }, message: RegExp): void {
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at |RangeError|TypeError/);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(readdirSync(run.cwd)).toEqual([]);
}

describe('refused before anything is opened or sent', () => {
  test('an --authorizers file with one line of 600 MB: the line bound, not a RangeError', async () => {
    const file = join(work, 'huge.txt');
    // Sparse: 600 MB of NUL characters without a line end, taking no disk.
    writeFileSync(file, 'wx0000000000000001\n');
    truncateSync(file, 600 * 1024 * 1024);
    expectRefused(await wxplugin([...APPLY, '--authorizers', file], NOWHERE), /^wxplugin batch apply: --authorizers .*huge\.txt: line 2 is longer than 1024 characters: the file must list one appid per line/);
  });

  test.each([
    ['a rate that would overflow the timer', '0.0000001'],
    ['a rate below the slowest', '0.09'],
  ])('--rate: %s', async (_name, rate) => {
    expectRefused(await wxplugin([...APPLY, '--all', '--rate', rate], NOWHERE), /^wxplugin batch apply: --rate takes calls per second, from 0\.1 to 100000, got "/);
  });

  test('--store "": not the current folder', async () => {
    expectRefused(await wxplugin([...APPLY, '--all', '--store', ''], NOWHERE), /^wxplugin batch apply: --store needs a folder/);
    expectRefused(await wxplugin(['batch', 'status', '--store', ' '], NOWHERE), /^wxplugin batch status: --store needs a folder/);
  });

  test.each([
    ['--rate', [...APPLY, '--all', '--rate', '1'.repeat(5000)], /--rate takes calls per second, from 0\.1 to 100000, got a string of 5000 characters/],
    ['--timeout', ['list', '--timeout', '9'.repeat(5000)], /--timeout takes a whole number of milliseconds from 100 to 600000, got a string of 5000 characters/],
    ['--concurrency', [...APPLY, '--all', '--concurrency', '7'.repeat(5000)], /--concurrency takes a whole number from 1 to 1000, got a string of 5000 characters/],
    ['a batch command', ['batch', 'x'.repeat(5000)], /unknown batch command a string of 5000 characters/],
  ])('a refused value of 5,000 characters (%s) is described, not echoed', async (_name, args, message) => {
    const run = await wxplugin(args, { ...NOWHERE, WECHAT_ACCESS_TOKEN: 'unused-token' });
    expectRefused(run, message);
    expect(run.stderr.length).toBeLessThan(300);
  });
});

describe('a reader that closes the output early (`| head -2`)', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ https: { component: { authorizers: 1000, withoutPluginManagement: 0.1 } } });
  });
  afterAll(() => emulator.close());

  /** `wxplugin ARGS | head -2` in a shell, as typed: the first two lines, wxplugin's stderr and exit status. */
  async function throughHead(args: readonly string[]): Promise<{ head: string[]; stderr: string; code: number }> {
    const dir = mkdtempSync(join(work, 'head-'));
    const quoted = [WXPLUGIN, ...args].map((arg) => `'${arg}'`).join(' ');
    const script = `'${process.execPath}' ${quoted} 2>'${join(dir, 'stderr')}' | head -2 >'${join(dir, 'head')}'; echo "\${PIPESTATUS[0]}" >'${join(dir, 'code')}'`;
    await new Promise((resolve) => execFile('bash', ['-c', script], { env: componentEnv(emulator.url), timeout: 540_000 }, resolve));
    return {
      head: readFileSync(join(dir, 'head'), 'utf8').trim().split('\n'),
      stderr: readFileSync(join(dir, 'stderr'), 'utf8'),
      code: Number(readFileSync(join(dir, 'code'), 'utf8')),
    };
  }

  test('`wxplugin authorizers --json`: two lines, then quiet', async () => {
    const { head, stderr, code } = await throughHead(['authorizers', '--json']);
    expect(head).toHaveLength(2);
    expect(JSON.parse(head[0]!)).toMatchObject({ authorizerAppid: authorizerAppid(0) });
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });

  test('a long batch report: two lines, then quiet', async () => {
    const { head, stderr, code } = await throughHead([...APPLY, '--all', '--rate', '5000', '--json', '--store', join(work, 'head-store')]);
    expect(head).toHaveLength(2);
    expect(JSON.parse(head[0]!)).toMatchObject({ authorizer: authorizerAppid(0), outcome: 'succeeded' });
    // Progress and the run's announcement, never a stack.
    expect(stderr).not.toMatch(/EPIPE|\n\s+at |Error/);
    expect(code).toBe(1);
  });

  test('an unknown run id of 5,000 characters, in the store of that run: described, not echoed', async () => {
    const run = await wxplugin(['batch', 'status', 'r'.repeat(5000), '--store', join(work, 'head-store')], NOWHERE);
    expect(run.stderr).toMatch(/^wxplugin batch status: no run a string of 5000 characters in this store/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.length).toBeLessThan(300);
    expect(run.code).toBe(2);
  });
});
