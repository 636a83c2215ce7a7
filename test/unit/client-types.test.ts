/**
 * The HTTPS client's methods are typed from the registry: `tsc` (run by npm test) checks the
 * `@ts-expect-error` lines below, which fail the type-check if a wrong call were accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { createHttpsClient, succeeded, type HttpsClient, type HttpsResult } from '../../src/https/client';
import type { AuthorizerInfo, AuthorizerPage, BatchItemPage, BatchRunResult, BatchStatusResult, BatchWorkResult, OperationResult, PluginListEntry, PluginStatus } from '../../src/index';
import { OPERATIONS, type RegisteredPath } from '../../src/core/operations';

function typedCalls(client: HttpsClient) {
  void client.applyPlugin({ pluginAppid: 'wx0123456789abcdef' });
  void client.applyPlugin({ pluginAppid: 'wx0123456789abcdef', reason: 'maps' });
  void client.getPluginList();
  void client.updatePlugin({ pluginAppid: 'wx0123456789abcdef', userVersion: '2.2.46' });
  void client.getPluginDevApplyList({ page: 2 });
  void client.refuseDevPluginApplication({ appid: 'wx0123456789abcdef', reason: 'not now' });
  // @ts-expect-error pluginAppid is required
  void client.applyPlugin({ reason: 'maps' });
  // @ts-expect-error userVersion is required
  void client.updatePlugin({ pluginAppid: 'wx0123456789abcdef' });
  // @ts-expect-error page is a number
  void client.getPluginDevApplyList({ page: '2' });
  // @ts-expect-error a refusal needs its reason
  void client.refuseDevPluginApplication({ appid: 'wx0123456789abcdef' });
  void client.getPluginList().then((result) => {
    // On success the data is there, typed, with no optional chaining; on failure it is absent.
    if (succeeded(result)) {
      const list: readonly PluginListEntry[] = result.pluginList;
      return list.map((plugin) => plugin.status satisfies PluginStatus);
    }
    const absent: undefined = result.pluginList;
    return absent;
  });
  // @ts-expect-error the data may be absent until the result is known to have succeeded
  void client.getPluginList().then((result) => result.pluginList.length);
  // A per-call budget (dev-list --all gives each page what is left of the command's).
  void client.getPluginDevApplyList({ page: 1 }, { timeoutMs: 500 });
  return client.getPluginList().then((result) => result.pluginList?.map((plugin) => plugin.status satisfies 1 | 2 | 3 | 4));
}

test('the client has exactly one method per registered operation', () => {
  const client = createHttpsClient({ accessToken: 'unused', baseUrl: 'http://127.0.0.1:9' });
  expect(Object.keys(client).sort()).toEqual(OPERATIONS.map((operation) => operation.name).sort());
  expect(typeof typedCalls).toBe('function');
});

// The HTTPS path type is read from the operations' routes, never kept by hand.
// Literal paths (not any string), the registered ones among them; a new route adds its own.
type PathsAreRead = string extends RegisteredPath ? false : '/wxa/plugin' | '/wxa/devplugin' extends RegisteredPath ? true : false;
const pathsAreRead: PathsAreRead = true;
test('the registered HTTPS paths are the routes\' paths', () => expect(pathsAreRead).toBe(true));
/** `true` only when T is `never`: a narrowing to `never` would make every later line compile. */
type IsNever<T> = [T] extends [never] ? true : false;

/** `succeeded()` over every kind of result the library returns: never `never`, always `errCode: 0`. */
function narrowsEveryResult(
  https: HttpsResult<typeof OPERATIONS[number]>,
  listing: AuthorizerPage,
  info: AuthorizerInfo,
  ticket: OperationResult,
  run: BatchRunResult,
  status: BatchStatusResult,
  items: BatchItemPage,
  work: BatchWorkResult,
) {
  if (succeeded(info)) {
    const notNever: IsNever<typeof info> = false;
    const zero: 0 = info.errCode;
    const granted: boolean | undefined = info.pluginManagement;
    void [notNever, zero, granted];
  } else {
    const code: number = info.errCode;
    void code;
  }
  for (const result of [https, listing, ticket, run, status, items, work] as const) {
    if (succeeded(result)) {
      const notNever: IsNever<typeof result> = false;
      const zero: 0 = result.errCode;
      void [notNever, zero];
    }
  }
  if (succeeded(listing)) void listing.authorizers.length;
}

test('succeeded() narrows each result type (checked by tsc)', () => {
  expect(typeof narrowsEveryResult).toBe('function');
});

/**
 * The narrowing examples in the docs, compiled as a user's file would be (strict, the package's
 * name mapped to src/index.ts): a doc that reads `result.pluginList` where TypeScript cannot know
 * it is there fails here.
 */
describe('the docs\' TypeScript examples compile', () => {
  const root = join(__dirname, '..', '..');
  const examples = (file: string): string[] =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((code) => code.includes("from 'wx-plugin-manager'"));

  test('docs/https-cli.md and README.md narrow with succeeded(), and TypeScript agrees', () => {
    const found = ['docs/https-cli.md', 'README.md'].map((file) => examples(file).filter((code) => code.includes('succeeded(')));
    expect(found.map((codes) => codes.length)).toEqual([1, 1]);
    const sources = new Map(found.flat().map((code, index) => [join(root, `doc-example-${index}.ts`), `${code}\nexport {};\n`]));
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      baseUrl: root,
      paths: { 'wx-plugin-manager': ['src/index.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (name) => sources.get(name) ?? readFile(name);
    host.fileExists = (name) => sources.has(name) || fileExists(name);
    const program = ts.createProgram([...sources.keys()], options, host);
    // Only the examples are checked (src is checked by tsc -p .); the options' own problems too.
    const problems = [...program.getOptionsDiagnostics(), ...[...sources.keys()].flatMap((name) => {
      const source = program.getSourceFile(name)!;
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    })]
      .map((diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });
});
