import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CATALOGUE, ProjectCode } from '../../src/core/codes';
import { renderErrorsDoc } from '../../src/tools/errors-doc';
import { TEXT_MAX_CHARS as REASON_MAX_CHARS } from '../../src/core/fields';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** Pages written on other branches of this change; the integrator empties this list on merge. */
const WRITTEN_ELSEWHERE = new Set<string>();

const README_MAX_LINES = 250;

function userDocs(): string[] {
  return ['README.md', ...readdirSync(join(PROJECT_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
}

/** Every relative link target of a Markdown file, without its #fragment, as a repository path. */
function linksOf(file: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return targets
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => relative(PROJECT_ROOT, resolve(PROJECT_ROOT, dirname(file), target.split('#')[0]!)).split('\\').join('/'));
}

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

  test(`it is for users first: at most ${README_MAX_LINES} lines, the rest in docs/`, () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(README_MAX_LINES);
    for (const heading of ['## Install', '## Quick start', '## Calling from a mini-program', '## Deploy', '## Who may call', '## Results']) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });

  test('no page links outside the repository (a user\'s clone has only the repository)', () => {
    for (const file of userDocs()) {
      for (const target of linksOf(file)) expect([file, target, target.startsWith('..')]).toEqual([file, target, false]);
      expect([file, readFileSync(join(PROJECT_ROOT, file), 'utf8').includes('../shared')]).toEqual([file, false]);
    }
  });

  test('every page a document links to exists', () => {
    for (const file of userDocs()) {
      for (const target of linksOf(file)) {
        if (WRITTEN_ELSEWHERE.has(target)) continue;
        expect([file, target, existsSync(join(PROJECT_ROOT, target))]).toEqual([file, target, true]);
      }
    }
  });

  test('every page in docs/ is linked from the README', () => {
    const linked = new Set(linksOf('README.md'));
    for (const file of userDocs().slice(1)) expect([file, linked.has(file)]).toEqual([file, true]);
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
