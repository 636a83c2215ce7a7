/** `npm start` as a user meets it: options that cannot work say so in one line, exit 2, and run nothing. */
import { CLOUD_FUNCTIONS } from '../../src/core/operations';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad options: exit 2, one line, no stack trace', () => {
  test.each([
    ['--state in a folder that does not exist', () => ['--state', join(dir, 'missing', 'state.json')], /^npm start: --state .*: the folder .* does not exist/],
    ['--state naming a corrupt file', () => (writeFileSync(join(dir, 'corrupt.json'), '{ not json'), ['--state', join(dir, 'corrupt.json')]), /not a state file written by npm start/],
    ['--state naming JSON of another shape', () => (writeFileSync(join(dir, 'other.json'), '{"a":1}'), ['--state', join(dir, 'other.json')]), /not a list of applications/],
    ['--node with a path that is not a Node binary', () => ['--node', '/bin/sh'], /--node \/bin\/sh: .* is not a Node.js binary/],
    ['--node with a path that does not exist', () => ['--node', join(dir, 'nope')], /--node takes 16\|18\|20\|22\|24, .* or the path of a node binary/],
    ['--time-limit that is not a number', () => ['--time-limit', 'soon'], /--time-limit takes a whole number/],
    ['an unknown action', () => ['--action', 'delete'], new RegExp(`--action takes one of ${CLOUD_FUNCTIONS.pluginManager.operations.map((operation) => operation.action).join(', ')}`)],
    ['applyPlugin asked to list', () => ['--function', 'applyPlugin', '--action', 'list'], /applyPlugin only applies/],
    ['an unknown option', () => ['--bogus'], /unknown option --bogus/],
  ])('%s', async (_name, args, message) => {
    const { code, stdout, stderr } = await runTool('start.js', args());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

test('--state keeps the plugin world between runs', async () => {
  const state = join(dir, 'state.json');
  expect((await runTool('start.js', ['--action', 'apply', '--state', state, '--json'])).code).toBe(0);
  expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject([{ pluginAppid: 'wx0123456789abcdef', status: 'applying' }]);
  const again = await runTool('start.js', ['--action', 'apply', '--state', state, '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ errCode: 89237 });
});
