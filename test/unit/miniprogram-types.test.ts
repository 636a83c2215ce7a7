/**
 * miniprogram/types/plugin-manager.ts is generated from the registry (scripts/generate-types.mjs).
 * These tests keep the committed file equal to a fresh generation, and check that what the
 * generator printed is, type for type, what src/ declares: the printer cannot drift either.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { CLOUD_FUNCTIONS, MINI_PROGRAM_OPERATIONS } from '../../src/core/operations';
import { PROJECT_ROOT } from '../../src/platform/invoke';

const GENERATED = join(PROJECT_ROOT, 'miniprogram', 'types', 'plugin-manager.ts');
const pascal = (name: string): string => name[0]!.toUpperCase() + name.slice(1);

test('the committed types are what the generator writes now', () => {
  const fresh = execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'generate-types.mjs'), '--stdout'], { encoding: 'utf8' });
  // On failure: run `node scripts/generate-types.mjs` and commit miniprogram/types/plugin-manager.ts.
  expect(readFileSync(GENERATED, 'utf8')).toBe(fresh);
}, 60_000);

test('every function and action of the registry has its call type', () => {
  const source = readFileSync(GENERATED, 'utf8');
  for (const [name, route] of Object.entries(CLOUD_FUNCTIONS)) {
    const block = source.split(`\n  ${name}: {\n`)[1]?.split('\n  };')[0] ?? '';
    const actions = [...block.matchAll(/^ {4}(\w+): \{ event: (\w+)Request/gm)].map((match) => [match[1], match[2]]);
    expect(actions).toEqual(route.operations.map((operation) => [operation.action, pascal(operation.name)]));
  }
});

test('each generated request, data and result type is mutually assignable with the one src/ declares', () => {
  const dir = mkdtempSync(join(tmpdir(), 'types-probe-'));
  const probe = join(dir, 'probe.ts');
  const src = (path: string) => JSON.stringify(join(PROJECT_ROOT, 'src', path));
  const lines = [
    `import type * as G from ${JSON.stringify(GENERATED.replace(/\.ts$/, ''))};`,
    `import type { OperationData, OperationRequest } from ${src('core/operation')};`,
    `import type { OperationResult } from ${src('core/engine')};`,
    `import type { RegisteredOperation } from ${src('core/operations')};`,
    // [A] extends [B] both ways: the same set of values, whatever the printing.
    `type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;`,
    `export const result: Same<G.OperationResult, OperationResult> = true;`,
    ...MINI_PROGRAM_OPERATIONS.flatMap((operation) => {
      const op = `Extract<RegisteredOperation, { readonly name: '${operation.name}' }>`;
      const data = `OperationData<${op}>`;
      const name = pascal(operation.name);
      return [
        `export const ${operation.name}Request: Same<G.${name}Request, OperationRequest<${op}>> = true;`,
        `export const ${operation.name}Result: Same<G.${name}Result, OperationResult & Partial<${data}>> = true;`,
      ];
    }),
  ];
  try {
    writeFileSync(probe, lines.join('\n'));
    const program = ts.createProgram([probe], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, types: [] });
    const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(probe)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
