import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, ProjectCode } from '../../src/core/codes';
import { TEXT_MAX_CHARS as REASON_MAX_CHARS } from '../../src/core/fields';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

function errorTable(): Map<number, string> {
  const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Troubleshooting'));
  const rows = new Map<number, string>();
  for (const match of section.matchAll(/^\| (-?\d+) \| (\w+) \|/gm)) rows.set(Number(match[1]), match[2]!);
  return rows;
}

describe('the README stays true', () => {
  test('its error table lists exactly the catalogue, with the right source', () => {
    const table = errorTable();
    expect([...table.keys()].sort((a, b) => a - b)).toEqual([...CATALOGUE.keys()].sort((a, b) => a - b));
    for (const [code, entry] of CATALOGUE) expect([code, table.get(code)]).toEqual([code, entry.source]);
  });

  test('project codes are distinct from WeChat and CloudBase ranges', () => {
    for (const code of Object.values(ProjectCode)) {
      expect(code).toBeLessThan(-900000);
      expect(code).toBeGreaterThan(-1000000);
    }
  });

  test('it states the reason limit the code enforces', () => {
    expect(readme).toContain(`at most **${REASON_MAX_CHARS} characters**`);
  });

  test('CI runs exactly the README\'s install and test commands', () => {
    const ci = readFileSync(join(PROJECT_ROOT, '.ci', 'run'), 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/^npm test\b/m);
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});
