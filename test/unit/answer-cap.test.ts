import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_SDK_ANSWER_BYTES, watchAnswers, withAnswerCap } from '../../src/cloud/answer-cap';
import { PROJECT_ROOT } from '../../src/platform/invoke';

/** One of the build's rewrites (an ES module, which jest does not load), run in a child process: its output, or its error's message. */
function rewrite(name: 'capAnswers' | 'editSource', source: string, file: string): string {
  const code = `import { ${name} } from './scripts/esbuild-plugins.mjs';
try { process.stdout.write(JSON.stringify({ out: ${name}(${JSON.stringify(source)}, ${JSON.stringify(file)}) })); }
catch (error) { process.stdout.write(JSON.stringify({ error: error.message })); }`;
  const { out, error } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT_ROOT, stdio: 'pipe' }).toString()) as { out?: string; error?: string };
  if (error !== undefined) throw new Error(error);
  return out!;
}
const capAnswers = (source: string, file: string): string => rewrite('capAnswers', source, file);

const REQUEST_CORE = '@cloudbase/node-sdk/dist/utils/request-core.js';
const ANSWER = 3 * MAX_SDK_ANSWER_BYTES;

/** A loopback server answering ANSWER bytes, with or without a declared length. */
async function server(declareLength: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  const listening = http.createServer((_request, response) => {
    response.writeHead(200, declareLength ? { 'content-length': String(ANSWER) } : {});
    let sent = 0;
    const pump = (): void => {
      while (sent < ANSWER && !response.destroyed) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      response.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        listening.closeAllConnections();
        listening.close(() => resolve());
      }),
  };
}

/** What the SDK's request core does: buffer every chunk of the answer, or fail. */
function readWhole(capped: Pick<typeof http, 'request'>, url: string): Promise<{ bytes: number } | { error: string; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const request = capped.request(url, { agent: false }, (response) => {
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ bytes }));
      response.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message, bytes }));
    });
    request.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message, bytes }));
    request.end();
  });
}

describe('the answer cap on the SDK\'s requests', () => {
  test.each([
    ['streamed', false],
    ['with a declared length', true],
  ])('an answer past the bound, %s, is cut while an attempt watches, and the attempt is told', async (_name, declareLength) => {
    const far = await server(declareLength);
    const told: number[] = [];
    const stop = watchAnswers((bytes) => told.push(bytes));
    try {
      const outcome = await readWhole(withAnswerCap(http), far.url);
      expect(outcome).toMatchObject({ error: expect.any(String) });
      // Cut at the socket, before the parser: at most one more chunk than the bound reaches the reader.
      expect(outcome.bytes).toBeLessThanOrEqual(MAX_SDK_ANSWER_BYTES + 64 * 1024);
      expect(told).toHaveLength(1);
      expect(told[0]).toBeGreaterThan(MAX_SDK_ANSWER_BYTES);
    } finally {
      stop();
      await far.close();
    }
  });

  test('no attempt watching: the same answer is read whole (the SDK\'s other uses keep their sizes)', async () => {
    const far = await server(false);
    try {
      expect(await readWhole(withAnswerCap(http), far.url)).toEqual({ bytes: ANSWER });
    } finally {
      await far.close();
    }
  });

  test('an answer within the bound is read whole while an attempt watches', async () => {
    const small = http.createServer((_request, response) => response.end(Buffer.alloc(MAX_SDK_ANSWER_BYTES - 1024)));
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    const told: number[] = [];
    const stop = watchAnswers((bytes) => told.push(bytes));
    try {
      expect(await readWhole(withAnswerCap(http), `http://127.0.0.1:${(small.address() as AddressInfo).port}/`)).toEqual({ bytes: MAX_SDK_ANSWER_BYTES - 1024 });
      expect(told).toEqual([]);
    } finally {
      stop();
      small.close();
    }
  });

  test('the wrapped module is the module otherwise', () => {
    const capped = withAnswerCap(http);
    expect(capped.request).not.toBe(http.request);
    expect((capped as typeof http).globalAgent).toBe(http.globalAgent);
    expect((capped as typeof http).STATUS_CODES).toBe(http.STATUS_CODES);
  });
});

describe('the build routes the SDK\'s request core through the cap', () => {
  test('each listed require is wrapped, the deferred one inside its deferral', () => {
    const source = '"use strict";\nconst http_1 = __importDefault(require("http"));\nconst https_1 = __importDefault(__deferred.deferRequire(() => require("https"), {}));\n';
    const out = capAnswers(source, REQUEST_CORE);
    expect(out).toContain('__importDefault(__answerCap.withAnswerCap(require("http")))');
    expect(out).toContain('() => __answerCap.withAnswerCap(require("https"))');
    expect(out).toMatch(/^"use strict";\nvar __answerCap = require\(".*answer-cap\.ts"\);/);
  });

  test('a require that is not there exactly once fails the build', () => {
    expect(() => capAnswers('require("https");', REQUEST_CORE)).toThrow(/expected one require\("http"\)/);
    expect(() => capAnswers('require("http"); require("http"); require("https");', REQUEST_CORE)).toThrow(/found 2/);
  });

  test('other files are left alone', () => {
    expect(capAnswers('require("http")', 'form-data/lib/form_data.js')).toBe('require("http")');
  });
});

describe("the build's edits to the SDK's source", () => {
  const SDK = 'wx-server-sdk/index.js';
  const CALL = 'async function callGeneralOpenAPI(method, options, config) {\n    await sleep();\n    let res;';

  test("callGeneralOpenAPI yields with setImmediate instead of a 1 ms timer; the rest is left as it is", () => {
    expect(rewrite('editSource', `const sleep = 1;\n${CALL}`, SDK)).toBe('const sleep = 1;\nasync function callGeneralOpenAPI(method, options, config) {\n    await new Promise(resolve => setImmediate(resolve));\n    let res;');
  });

  test('an SDK whose text differs fails the build', () => {
    expect(() => rewrite('editSource', 'async function callGeneralOpenAPI() {}', SDK)).toThrow(/expected one .* found 0/);
    expect(() => rewrite('editSource', `${CALL}\n${CALL}`, SDK)).toThrow(/found 2/);
  });
});
