import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, ProjectCode } from '../../src/core/codes';
import { renderErrorsDoc } from '../../src/tools/errors-doc';
import { TEXT_MAX_CHARS as REASON_MAX_CHARS } from '../../src/core/fields';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

describe('the README stays true', () => {
  test('its error codes are docs/errors.md, generated from the catalogue, as committed', () => {
    expect(readme).toContain('[docs/errors.md](docs/errors.md)');
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });

  test('docs/errors.md has one row per catalogued code, with its evidence for WeChat\'s and the platform\'s', () => {
    const doc = renderErrorsDoc();
    const rows = new Map([...doc.matchAll(/^\| (-?\d+) \|.*\| (documented|reported|no|yes[^|]*) \|/gm)].map((match) => [Number(match[1]), match[0]]));
    expect([...rows.keys()].sort((a, b) => a - b)).toEqual([...CATALOGUE.keys()].sort((a, b) => a - b));
    for (const [code, entry] of CATALOGUE) if (entry.source !== 'project') expect(rows.get(code)).toContain(`| ${entry.evidence} |`);
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
