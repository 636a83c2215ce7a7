/**
 * How a run is shown: the report (text, or JSON lines then the totals) streamed from the items, and
 * the progress on stderr (a bar on a terminal, JSON lines otherwise). The lock that keeps a second
 * process off an embedded store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BatchItem } from '../../src/batch/api-types';
import { authorizerFilePages, authorizerFileProblem } from '../../src/batch/authorizer-file';
import type { Counts } from '../../src/batch/outcome';
import { jsonProgress, terminalProgress } from '../../src/batch/progress';
import { countsText, summaryLine, writeJsonReport, writeTextReport } from '../../src/batch/report';

const counts = (extra: Partial<Counts> = {}): Counts => ({ total: 4, succeeded: 1, alreadyDone: 1, notAuthorised: 1, deferred: 1, failed: 0, pending: 0, cancelled: 0, ...extra });
const until = new Date('2026-11-30T16:05:00.000Z');
const ITEMS: BatchItem[] = [
  { authorizerAppid: 'wxa000000000000000', state: 'succeeded', errCode: 0, errMsg: 'getPluginList:ok', tries: 1, data: { pluginList: [] } },
  { authorizerAppid: 'wxa000000000000001', state: 'alreadyDone', errCode: 89237, errMsg: 'applyPlugin:fail already', tries: 2 },
  { authorizerAppid: 'wxa000000000000002', state: 'notAuthorised', errCode: 61007, errMsg: 'applyPlugin:fail 61007', tries: 1 },
  { authorizerAppid: 'wxa000000000000003', state: 'deferred', errCode: 45009, errMsg: 'applyPlugin:fail quota', tries: 1, notBefore: until },
  { authorizerAppid: 'wxa000000000000004', state: 'pending', errCode: null, errMsg: null, tries: 0 },
];

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe('the report', () => {
  test('JSON: one object per authoriser that has an outcome (data spread in, deferral dated), then the totals', async () => {
    let out = '';
    await writeJsonReport(stream(ITEMS), 'RUN', counts({ pending: 1, total: 5 }), (text) => (out += text));
    expect(out.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { authorizer: 'wxa000000000000000', outcome: 'succeeded', errCode: 0, errMsg: 'getPluginList:ok', tries: 1, pluginList: [] },
      { authorizer: 'wxa000000000000001', outcome: 'alreadyDone', errCode: 89237, errMsg: 'applyPlugin:fail already', tries: 2 },
      { authorizer: 'wxa000000000000002', outcome: 'notAuthorised', errCode: 61007, errMsg: 'applyPlugin:fail 61007', tries: 1 },
      { authorizer: 'wxa000000000000003', outcome: 'deferred', errCode: 45009, errMsg: 'applyPlugin:fail quota', tries: 1, deferredUntil: until.toISOString() },
      { run: 'RUN', total: 5, succeeded: 1, alreadyDone: 1, notAuthorised: 1, deferred: 1, failed: 0, pending: 1 },
    ]);
  });

  test('text: the counts, then each authoriser not succeeded with its code and message', async () => {
    let out = '';
    await writeTextReport(stream(ITEMS.slice(2)), 'RUN', counts({ pending: 1, total: 5 }), (text) => (out += text));
    expect(out).toBe(
      [
        'run RUN: 5 authorisers: 1 succeeded, 1 already so, 1 not authorised (61007), 1 deferred, 0 failed, 1 pending',
        'Not succeeded:',
        '  wxa000000000000002  notAuthorised  61007  applyPlugin:fail 61007',
        `  wxa000000000000003  deferred (until ${until.toISOString()})  45009  applyPlugin:fail quota`,
        '  wxa000000000000004  pending  -  not called yet',
        '',
      ].join('\n'),
    );
    let none = '';
    await writeTextReport(stream([]), 'RUN', counts(), (text) => (none += text));
    expect(none).toBe(`run RUN: ${countsText(counts())}\n`);
  });

  test('the totals leave pending out when there is none', () => {
    expect(JSON.parse(summaryLine('R', counts()))).not.toHaveProperty('pending');
    expect(countsText(counts())).not.toMatch(/pending/);
  });
});

describe('progress', () => {
  test('JSON lines at most every so often, the last one always, with a rate and an ETA once listed', () => {
    const lines: string[] = [];
    const now = jest.spyOn(Date, 'now');
    try {
      const progress = jsonProgress((line) => lines.push(line), 'RUN', 2000);
      now.mockReturnValue(10_000);
      progress.update(counts({ total: 100, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0 }), false);
      now.mockReturnValue(11_000);
      progress.update(counts({ total: 100, succeeded: 10, alreadyDone: 0, notAuthorised: 0, deferred: 0 }), true);
      now.mockReturnValue(12_500);
      progress.update(counts({ total: 100, succeeded: 20, alreadyDone: 0, notAuthorised: 0, deferred: 10 }), true);
      // Still listing: no ETA, whatever the pace; and the last update is written on stop.
      now.mockReturnValue(13_000);
      progress.update(counts({ total: 100, succeeded: 30, alreadyDone: 0, notAuthorised: 0, deferred: 10 }), false);
      progress.stop();
      progress.stop();
    } finally {
      now.mockRestore();
    }
    const parsed = lines.map((line) => (JSON.parse(line) as { progress: Record<string, unknown> }).progress);
    expect(parsed).toEqual([
      { run: 'RUN', done: 0, total: 100, listed: false, deferred: 0, perSecond: 0, etaSeconds: null },
      { run: 'RUN', done: 20, total: 100, listed: true, deferred: 10, perSecond: 8, etaSeconds: 9 },
      { run: 'RUN', done: 30, total: 100, listed: false, deferred: 10, perSecond: 10, etaSeconds: null },
    ]);
  });

  test('on a terminal, a bar with the run, the count and what failed', () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
    let drawn = '';
    (terminal as unknown as PassThrough).on('data', (chunk: Buffer) => (drawn += chunk.toString()));
    const progress = terminalProgress(terminal, 'RUN');
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(1_000_000);
      progress.update(counts({ total: 10, succeeded: 2, alreadyDone: 0, notAuthorised: 1, deferred: 0, failed: 1 }), false);
      now.mockReturnValue(1_002_000);
      progress.update(counts({ total: 10, succeeded: 6, alreadyDone: 0, notAuthorised: 1, deferred: 1, failed: 1 }), true);
      progress.stop();
    } finally {
      now.mockRestore();
    }
    // 4 more done in 2 s.
    expect(drawn).toMatch(/run RUN .* 8\/10 \| 2\/s \| ETA .* \| deferred 1 failed 2/);
    // Stopped before anything was shown: nothing drawn.
    const before = drawn;
    terminalProgress(terminal, 'IDLE').stop();
    expect(drawn).toBe(before);
  });
});

describe('a file of authorisers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxplugin-authorizers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('read a page at a time, blank lines and comments skipped', async () => {
    const file = join(dir, 'list.txt');
    writeFileSync(file, '# three\r\nwxa000000000000000\n\n  wxa000000000000001  \nwxa000000000000002\n');
    const pages: string[][] = [];
    for await (const page of authorizerFilePages(file, 2)) pages.push(page);
    expect(pages).toEqual([['wxa000000000000000', 'wxa000000000000001'], ['wxa000000000000002']]);
    expect(await authorizerFileProblem(file, 'list.txt')).toBeUndefined();
    const whole: string[][] = [];
    for await (const page of authorizerFilePages(file, 3)) whole.push(page);
    expect(whole).toEqual([['wxa000000000000000', 'wxa000000000000001', 'wxa000000000000002']]);
  });

  test('a folder, an empty list, a line that is not an appid: what is wrong, where', async () => {
    expect(await authorizerFileProblem(dir, 'DIR')).toBe('names no readable file: DIR');
    writeFileSync(join(dir, 'empty.txt'), '# none yet\n\n');
    expect(await authorizerFileProblem(join(dir, 'empty.txt'), 'empty.txt')).toBe('empty.txt lists no appid');
    writeFileSync(join(dir, 'bad.txt'), 'wxa000000000000000\nWXA000000000000001\n');
    expect(await authorizerFileProblem(join(dir, 'bad.txt'), 'bad.txt')).toMatch(/^bad\.txt: line 2 is not an appid .*"WXA000000000000001"$/);
  });
});
