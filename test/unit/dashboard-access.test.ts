/**
 * The dashboard's access rule and answers, on a real socket on loopback: the token or the session
 * opened with it, or 401; a POST from another origin is refused before anything is done; every
 * answer carries a Content-Security-Policy without inline scripts. The batch behind it is a stand-in
 * that records what it was asked (the end-to-end suite runs the real library and a real browser).
 */
import { request } from 'node:http';
import { ProjectCode } from '../../src/core/codes';
import type { DashboardBatch } from '../../src/dashboard/batch-port';
import { Drives } from '../../src/dashboard/drives';
import { pageFiles } from '../../src/dashboard/page-files';
import { createDashboardServer, type DashboardServer } from '../../src/dashboard/server';
import { ThroughputMeter } from '../../src/dashboard/throughput';

const RUN = '20261207-120000-abcd';
const asked: string[] = [];
const counts = { total: 10, succeeded: 6, alreadyDone: 1, notAuthorised: 2, deferred: 0, failed: 1, cancelled: 0, pending: 0 };
const info = { runId: RUN, operation: 'applyPlugin', request: { pluginAppid: 'wx1111111111111111' }, source: 'all', rate: 20, jobTimeout: 60, listed: true, createdAt: new Date('2026-12-07T12:00:00Z') } as const;
const ok = (name: string) => ({ errCode: 0, errMsg: `${name}:ok`, retryable: false, attempts: 1 });

const batch: DashboardBatch = {
  runs: async () => (asked.push('runs'), { ...ok('batch.runs'), runs: [{ ...info, state: 'finished', counts }] }),
  status: async (runId) =>
    runId === RUN
      ? (asked.push('status'), { ...ok('batch.status'), run: info, counts, jobs: 0, state: 'finished', byCode: [{ state: 'notAuthorised', code: 61007, count: 2 }, { state: 'succeeded', code: 0, count: 6 }] })
      : { errCode: ProjectCode.BATCH_RUN_NOT_FOUND, errMsg: 'batch.status:fail no run', retryable: false, attempts: 0 },
  itemsPage: async (_runId, query) => (asked.push(`items ${JSON.stringify(query)}`), { ...ok('batch.items'), items: [{ authorizerAppid: 'wxa00000000000000009', state: 'notAuthorised', errCode: 61007, errMsg: '=HYPERLINK("x")', tries: 1 }] }),
  retry: async (_runId, options) => {
    asked.push(`retry ${JSON.stringify(options?.codes ?? null)}`);
    options?.onStart?.(info);
    return { ...ok('batch.retry'), runId: RUN, kind: 'finished', counts };
  },
  resume: async () => (asked.push('resume'), { ...ok('batch.resume'), runId: RUN, kind: 'finished', counts }),
  cancel: async () => (asked.push('cancel'), { ...ok('batch.cancel'), runId: RUN, cancelled: 0, counts }),
  close: async () => undefined,
};

let dashboard: DashboardServer;
let token: string;
let port: number;

beforeAll(async () => {
  dashboard = createDashboardServer({ batch, meter: new ThroughputMeter(), drives: new Drives(() => undefined) }, pageFiles(), () => undefined);
  const listening = await dashboard.listen(0, '127.0.0.1');
  token = listening.access.token;
  port = listening.port;
});
afterAll(() => dashboard.close());
beforeEach(() => (asked.length = 0));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function call(path: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const bearer = () => ({ Authorization: `Bearer ${token}` });
const own = () => `http://127.0.0.1:${port}`;

async function session(): Promise<string> {
  const opened = await call(`/?token=${token}`);
  expect(opened.status).toBe(200);
  return String(opened.headers['set-cookie']).split(';')[0]!;
}

test('the token: 256 random bits, new at every start', async () => {
  expect(token).toMatch(/^[\w-]{43}$/);
  const other = createDashboardServer({ batch, meter: new ThroughputMeter(), drives: new Drives(() => undefined) }, pageFiles(), () => undefined);
  const second = await other.listen(0, '127.0.0.1');
  await other.close();
  expect(second.access.token).not.toBe(token);
});

test.each(['/', `/runs/${RUN}`, '/assets/app.js', '/api/runs', `/api/runs/${RUN}`, `/api/runs/${RUN}/items`, `/api/runs/${RUN}/items.csv`])('without the token or the session, %s answers 401 and reads nothing', async (path) => {
  const reply = await call(path);
  expect(reply.status).toBe(401);
  expect(asked).toEqual([]);
  if (path.startsWith('/api/')) expect(JSON.parse(reply.text)).toMatchObject({ errCode: ProjectCode.DASHBOARD_UNAUTHORISED });
});

test('a wrong token, a wrong bearer, a wrong cookie: 401, no session', async () => {
  const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
  const opened = await call(`/?token=${wrong}`);
  expect(opened.status).toBe(401);
  expect(opened.headers['set-cookie']).toBeUndefined();
  expect((await call('/api/runs', { headers: { Authorization: `Bearer ${wrong}` } })).status).toBe(401);
  expect((await call('/api/runs', { headers: { Cookie: `wxplugin_dashboard_${port}=${token}` } })).status).toBe(401);
});

test('/?token=T opens a session: an HttpOnly, SameSite=Strict cookie that then opens every page and the API', async () => {
  const opened = await call(`/?token=${token}`);
  const cookie = String(opened.headers['set-cookie']);
  expect(cookie).toMatch(new RegExp(`^wxplugin_dashboard_${port}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
  // The cookie is not the token: the address and the session are separate secrets.
  expect(cookie).not.toContain(token);
  const jar = cookie.split(';')[0]!;
  expect((await call('/api/runs', { headers: { Cookie: jar } })).status).toBe(200);
  expect((await call(`/runs/${RUN}`, { headers: { Cookie: jar } })).status).toBe(200);
  expect((await call('/assets/run.js', { headers: { Cookie: jar } })).status).toBe(200);
});

test('every answer: a Content-Security-Policy that allows no inline script and nothing from elsewhere', async () => {
  for (const path of [`/?token=${token}`, '/assets/app.js', '/api/runs', '/nope']) {
    const reply = await call(path, { headers: bearer() });
    const policy = String(reply.headers['content-security-policy']);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
  }
  // The page itself: every script is a file of its own.
  const html = pageFiles().get('index.html')!;
  expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/assets/app.js">']);
  expect(html).not.toMatch(/<script[^>]*>[^<]/);
  expect(html).not.toMatch(/\son\w+=/);
});

test('a POST from a page of another origin: 403, nothing done, whatever it carries', async () => {
  const jar = await session();
  const cases: Array<Record<string, string>> = [
    { Cookie: jar, Origin: 'http://evil.example' },
    { Cookie: jar, Origin: `http://localhost:${port}` },
    { Cookie: jar, Origin: 'null' },
    { Cookie: jar, Origin: own(), 'Sec-Fetch-Site': 'cross-site' },
    { ...bearer(), Origin: 'http://evil.example' },
    // A browser always sends Origin on a POST: a session without one is not the dashboard's page.
    { Cookie: jar },
  ];
  for (const headers of cases) {
    const reply = await call(`/api/runs/${RUN}/cancel`, { method: 'POST', headers });
    expect({ headers, status: reply.status }).toEqual({ headers, status: 403 });
    expect(JSON.parse(reply.text)).toMatchObject({ errCode: ProjectCode.DASHBOARD_FOREIGN_ORIGIN });
  }
  expect(asked).toEqual([]);
  // From its own page, or a script with the bearer token: done.
  expect((await call(`/api/runs/${RUN}/cancel`, { method: 'POST', headers: { Cookie: jar, Origin: own() } })).status).toBe(200);
  expect((await call(`/api/runs/${RUN}/cancel`, { method: 'POST', headers: bearer() })).status).toBe(200);
  expect(asked).toEqual(['cancel', 'cancel']);
});

test('retry: 202 once the library says the authorisers are back in the queue; the codes passed on; a bad body refused', async () => {
  const retried = await call(`/api/runs/${RUN}/retry`, { method: 'POST', headers: bearer(), body: '{"codes":[61007]}' });
  expect(retried.status).toBe(202);
  expect(JSON.parse(retried.text)).toEqual({ run: RUN, action: 'retry', state: 'running' });
  expect(asked).toEqual(['retry [61007]']);
  for (const body of ['[61007]', '{"codes":[61007],"everything":true}', 'not json']) {
    const refused = await call(`/api/runs/${RUN}/retry`, { method: 'POST', headers: bearer(), body });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID });
  }
  expect(asked).toEqual(['retry [61007]']);
});

test('the API: runs and a run in the issue\'s shape, each code with the catalogue\'s meaning and what to do; a run not there is 404', async () => {
  const runs = JSON.parse((await call('/api/runs', { headers: bearer() })).text);
  expect(runs.runs[0]).toMatchObject({ run: RUN, operation: 'applyPlugin', pluginAppid: 'wx1111111111111111', state: 'finished', created: '2026-12-07T12:00:00.000Z', total: 10, succeeded: 6, alreadyDone: 1, notAuthorised: 2, deferred: 0, failed: 1, pending: 0 });
  const run = JSON.parse((await call(`/api/runs/${RUN}`, { headers: bearer() })).text);
  expect(run.byCode[0]).toEqual({ outcome: 'notAuthorised', code: 61007, count: 2, meaning: expect.stringContaining('permission set 40'), todo: expect.stringContaining('authorise the platform again') });
  expect((await call('/api/runs/20990101-000000-0000', { headers: bearer() })).status).toBe(404);
  expect((await call(`/api/runs/${RUN}/items?code=sixty`, { headers: bearer() })).status).toBe(400);
});

test('items: the query passed on; CSV never lets a cell read as a formula', async () => {
  const page = JSON.parse((await call(`/api/runs/${RUN}/items?unsuccessful=1&order=newest&code=61007&search=wxa0`, { headers: bearer() })).text);
  expect(page.items).toEqual([{ authorizer: 'wxa00000000000000009', outcome: 'notAuthorised', errCode: 61007, errMsg: '=HYPERLINK("x")', tries: 1 }]);
  expect(asked).toEqual([`items ${JSON.stringify({ code: 61007, search: 'wxa0', onlyUnsuccessful: true, order: 'newest', pageSize: 100 })}`]);
  const csv = await call(`/api/runs/${RUN}/items.csv?unsuccessful=1`, { headers: bearer() });
  expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(csv.text).toBe('authorizer,outcome,errCode,errMsg,tries\r\nwxa00000000000000009,notAuthorised,61007,"\'=HYPERLINK(""x"")",1\r\n');
});

test('started without the platform\'s credentials: retry and resume say what to set, call nothing; cancel still works', async () => {
  const readOnly = createDashboardServer({ batch, meter: new ThroughputMeter(), drives: new Drives(() => undefined), withoutCredentials: true }, pageFiles(), () => undefined);
  const listening = await readOnly.listen(0, '127.0.0.1');
  const post = (action: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port: listening.port, path: `/api/runs/${RUN}/${action}`, method: 'POST', headers: { Authorization: `Bearer ${listening.access.token}` } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  try {
    for (const action of ['retry', 'resume']) {
      const refused = await post(action);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({ errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING, errMsg: expect.stringContaining('WECHAT_COMPONENT_SECRET') });
    }
    expect(asked).toEqual([]);
    expect((await post('cancel')).status).toBe(200);
  } finally {
    await readOnly.close();
  }
});

test('the page is light and self-contained: its own files under 100 KB, nothing referenced from another origin', () => {
  const files = pageFiles();
  expect([...files.keys()].sort()).toEqual(['app.js', 'index.html', 'run.js', 'runs.js', 'style.css', 'ui.js']);
  const bytes = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  expect(bytes).toBeLessThan(100 * 1024);
  for (const [name, text] of files) {
    expect({ name, remote: text.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) }).toEqual({ name, remote: null });
    // Modules import only each other, by their served path.
    for (const [, target] of text.matchAll(/from '([^']+)'/g)) expect(files.has(target!.replace(/^\.\//, ''))).toBe(true);
  }
});
