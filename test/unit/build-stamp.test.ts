/**
 * scripts/build-stamp.mjs: `npm start` and `npm run bench` skip the build only when nothing the
 * build reads or wrote has changed since it last ran.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const STAMP = pathToFileURL(join(PROJECT_ROOT, 'scripts', 'build-stamp.mjs')).href;
/** Runs `action` ('check' or 'save') of the stamp for `root` in a child (the module is ESM), returns upToDate(). */
const stamp = (root: string, action: 'check' | 'save', mode = 'all'): boolean =>
  JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', `const { buildStamp } = await import(${JSON.stringify(STAMP)}); const s = buildStamp(${JSON.stringify(root)}, ${JSON.stringify(mode)}); if (${JSON.stringify(action)} === 'save') s.save(); process.stdout.write(JSON.stringify(s.upToDate()));`]).toString(),
  ) as boolean;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stamp-'));
  for (const dir of ['src', 'scripts', 'cloudfunctions/f', 'dist']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'scripts', 'build.mjs'), '// build\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
  writeFileSync(join(root, 'cloudfunctions', 'f', 'index.js'), 'exports.main = 1;\n');
  writeFileSync(join(root, 'dist', 'start.js'), '// tool\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the build stamp', () => {
  test('no stamp yet: build; saved: up to date (a copy without a lock file included)', () => {
    expect(stamp(root, 'check')).toBe(false);
    expect(stamp(root, 'save')).toBe(true);
  });

  test.each([
    ['a source edited', () => writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 2;\n')],
    ['a source added', () => writeFileSync(join(root, 'src', 'b.ts'), 'export const b = 1;\n')],
    ['the build scripts edited', () => writeFileSync(join(root, 'scripts', 'build.mjs'), '// build 2\n')],
    ['a lock file appeared', () => writeFileSync(join(root, 'package-lock.json'), '{}\n')],
    ['a WeChat Node build installed', () => mkdirSync(join(root, 'scripts', 'wechat-node', 'node_modules', 'node99.0.0'), { recursive: true })],
    ['an output changed by hand (a checkout)', () => writeFileSync(join(root, 'cloudfunctions', 'f', 'index.js'), 'exports.main = 2;\n')],
    ['a tool removed from dist/', () => rmSync(join(root, 'dist', 'start.js'))],
  ])('%s: build again', (_name, change) => {
    expect(stamp(root, 'save')).toBe(true);
    change();
    expect(stamp(root, 'check')).toBe(false);
  });

  test("a tools-only build's stamp ignores cloudfunctions/ (it does not write there)", () => {
    expect(stamp(root, 'save', 'tools')).toBe(true);
    writeFileSync(join(root, 'cloudfunctions', 'f', 'index.js'), 'exports.main = 2;\n');
    expect(stamp(root, 'check', 'tools')).toBe(true);
    expect(stamp(root, 'check', 'all')).toBe(false);
  });
});
