import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineOperation, noData } from '../../src/core/operation';
import { OPERATIONS } from '../../src/core/operations';
import { textField } from '../../src/core/fields';
import { operationLists, withGeneratedParts } from '../../src/tools/operation-lists';

const PROJECT_ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'https-cli.md'), 'utf8');

/** An operation on a path of its own, with no action in its body (no such path is registered). */
const onItsOwnPath = defineOperation({
  name: 'exampleOnItsOwnPath',
  action: 'example-own-path',
  summary: 'an example on a path of its own',
  cloudApi: undefined,
  route: { path: '/wxa/example_own_path' },
  fields: { code: textField('the code from wx.pluginLogin', 'required') },
  toWire: ({ code }) => ({ code }),
  readAnswer: noData,
  whenOutcomeUnknown: 'ask again',
  example: { code: 'c' },
});

describe('docs/https-cli.md lists what the registry holds', () => {
  test('its generated parts are as `npm run types` writes them (run it after changing the registry)', () => {
    expect(withGeneratedParts(doc, operationLists())).toBe(doc);
  });

  test('every operation is in its lists: path, method, and command with its flags', () => {
    for (const operation of OPERATIONS) {
      expect(doc).toContain(`\`POST ${operation.route.path}\``);
      expect(doc).toContain(`\`${operation.name}\``);
      expect(doc).toContain(`| \`${operation.action}\` |`);
    }
    expect(doc).toContain('`--plugin-appid ID` (required)');
    expect(doc).toContain('`--page N` (default 1), `--num N` (default 20), `--all`');
  });

  test('an operation on a new path is listed with no edit of the doc\'s prose', () => {
    const lists = operationLists([...OPERATIONS, onItsOwnPath]);
    expect(lists.paths).toMatch(/`POST \/wxa\/plugin`, `POST \/wxa\/devplugin`(, .*)? and `POST \/wxa\/example_own_path`$/);
    expect(lists.methods).toMatch(/, `deleteDevPluginApplication`(, .*)? and `exampleOnItsOwnPath`$/);
    expect(lists.commands).toContain('| `example-own-path` | `--code TEXT` (required) | an example on a path of its own |');
  });

  test('a part whose markers are missing is a mistake in the doc, not something to skip', () => {
    expect(() => withGeneratedParts('no markers here', { paths: 'x' })).toThrow('<!-- generated:paths -->');
  });
});
