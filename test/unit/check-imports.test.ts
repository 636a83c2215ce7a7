/**
 * scripts/check-imports.mjs, run by `npm run lint`: the library never imports the command line or
 * the emulator, and no modules of src/ import each other in a circle, type-only imports included.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const SCRIPT = pathToFileURL(join(PROJECT_ROOT, 'scripts', 'check-imports.mjs')).href;

/** Calls `fn` of the script (ESM, so in a child) on `graph` ({ file: [imports] }), answering its JSON. */
function call(fn: 'circles' | 'layerViolations', graph: Record<string, string[]>): unknown {
  const code = `const m = await import(${JSON.stringify(SCRIPT)}); process.stdout.write(JSON.stringify(m.${fn}(new Map(Object.entries(${JSON.stringify(graph)})))));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code]).toString());
}

test('the project as committed: no circle, and the library imports neither the command line nor the emulator', () => {
  expect(() => execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'check-imports.mjs')], { stdio: 'pipe' })).not.toThrow();
});

test('a circle of any length is found, and only the modules on it are named', () => {
  const graph = { 'src/core/a.ts': ['src/core/b.ts'], 'src/core/b.ts': ['src/core/c.ts'], 'src/core/c.ts': ['src/core/a.ts'], 'src/core/d.ts': ['src/core/a.ts'] };
  expect(call('circles', graph)).toEqual([['src/core/a.ts', 'src/core/b.ts', 'src/core/c.ts']]);
  expect(call('circles', { ...graph, 'src/core/c.ts': [] })).toEqual([]);
});

test('the library importing the command line or the emulator is named; the command line may import anything', () => {
  const graph = {
    'src/https/http.ts': ['src/emulator/gateway.ts', 'src/core/errors.ts'],
    'src/batch/api.ts': ['src/tools/batch-options.ts'],
    'src/tools/batch-options.ts': ['src/tools/cli.ts', 'src/emulator/gateway.ts'],
    'src/tools/wxplugin.ts': ['src/tools/batch.ts'],
  };
  expect(call('layerViolations', graph)).toEqual([
    'src/https/http.ts -> src/emulator/gateway.ts (the library imports the emulator)',
    'src/batch/api.ts -> src/tools/batch-options.ts (the library imports the command line)',
  ]);
});
