/**
 * What a new user reads first, from the built `wxplugin` in a child process: an unknown command
 * names every command there is; the main help names the platform's variables, DATABASE_URL and
 * exit status 3; the batch help is read from the operation registry and the batch's constants,
 * not written beside them.
 */
import { MINI_PROGRAM_OPERATIONS, OPERATIONS } from '../../src/core/operations';
import { DEFAULT_RATE } from '../../src/batch/limiter';
import { MAX_RATE, MIN_RATE } from '../../src/batch/limits';
import { DAILY_QUOTA_SPENT, MAX_TRIES, MINUTE_QUOTA_SPENT, NOT_AUTHORISED } from '../../src/batch/outcome';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

test('an unknown command: exit 2, one line naming every command (single calls, authorizers, batch, worker, dashboard)', async () => {
  const run = await runTool('wxplugin.js', ['nope']);
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  const named = /one of ([^(]+) \(see/.exec(run.stderr)?.[1]?.split(', ').map((name) => name.trim());
  expect(named).toEqual([...OPERATIONS.map((operation) => operation.action), 'authorizers', 'batch', 'worker', 'dashboard']);
  // Each command named is one the tool takes: its help answers, exit 0.
  for (const command of named!) expect({ command, code: (await runTool('wxplugin.js', [command, '--help'])).code }).toEqual({ command, code: 0 });
});

test('the main help names the platform\'s variables, DATABASE_URL, --authorizer and exit status 3', async () => {
  const run = await runTool('wxplugin.js', ['--help']);
  expect(run.code).toBe(0);
  for (const name of ['WECHAT_COMPONENT_APPID', 'WECHAT_COMPONENT_SECRET', 'WECHAT_COMPONENT_VERIFY_TICKET', 'DATABASE_URL', '--authorizer APPID']) expect(run.stdout).toContain(name);
  expect(run.stdout).toMatch(/\b3 \(batch and worker\) when a run\s+stopped with work left/);
  for (const line of run.stdout.split('\n')) expect({ line, long: line.length > 120 }).toEqual({ line, long: false });
});

test('a single call\'s help offers --authorizer only where the platform can act (the mini-program\'s side)', async () => {
  for (const operation of OPERATIONS) {
    const help = (await runTool('wxplugin.js', [operation.action, '--help'])).stdout;
    const through = MINI_PROGRAM_OPERATIONS.some((candidate) => candidate.name === operation.name);
    expect({ action: operation.action, authorizer: help.includes('--authorizer APPID') }).toEqual({ action: operation.action, authorizer: through });
  }
});

test('the batch help is read from the registry and the constants', async () => {
  const run = await runTool('wxplugin.js', ['batch', '--help']);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`batch <${MINI_PROGRAM_OPERATIONS.map((operation) => operation.action).join('|')}>`);
  expect(run.stdout).toContain(`${MIN_RATE} to ${MAX_RATE} (default: half the figure`);
  expect(run.stdout).toContain(`${DEFAULT_RATE} when it gives none`);
  expect(run.stdout).toContain(`at most ${MAX_TRIES} tries`);
  for (const code of [NOT_AUTHORISED, DAILY_QUOTA_SPENT, MINUTE_QUOTA_SPENT]) expect(run.stdout).toContain(String(code));
  for (const command of ['runs', 'status [RUN]', 'resume [RUN] [--rate N]', 'retry [RUN] [--codes 61007,45011] [--rate N]', 'cancel [RUN]', '--dry-run']) expect(run.stdout).toContain(command);
  expect(run.stdout).toMatch(/3 the\s+run stopped with authorisers deferred, pending or cancelled/);
});
