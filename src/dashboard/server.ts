/**
 * The dashboard's HTTP server on Node's own `http`: the page (one HTML shell, ES-module scripts and
 * a style sheet, all served from memory), and the JSON API under /api. Every request passes the
 * access rule first (access.ts); every answer carries a Content-Security-Policy that allows no
 * inline script and nothing from another origin, so the page works offline and a value shown on it
 * can never run as code.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ProjectCode } from '../core/codes';
import { createAccess, type Access } from './access';
import { cancelRun, itemsCsv, listItems, listRuns, readItemQuery, resumeRun, retryRun, showRun, type ApiContext } from './api';
import type { Answer } from './answer';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The address may carry the token: never sent on to another page.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES: Readonly<Record<string, string>> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', html: 'text/html; charset=utf-8', svg: 'image/svg+xml' };
/** A POST body larger than this is not one the API takes. */
const MAX_BODY_BYTES = 16 * 1024;
const RUN_ID = /^[\w.-]{1,64}$/;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
}

function assetsOf(files: ReadonlyMap<string, string>): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, text] of files) {
    const body = Buffer.from(text);
    assets.set(name, { type: TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream', body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

function sendJson(response: ServerResponse, answer: Answer): void {
  send(response, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.body), { 'Cache-Control': 'no-store' });
}

const refusal = (status: number, code: number, message: string): Answer => ({ status, body: { errCode: code, errMsg: `dashboard:fail ${message}` } });

const UNAUTHORISED = refusal(401, ProjectCode.DASHBOARD_UNAUTHORISED, 'this request carries neither the token nor the session: open the address `wxplugin dashboard` printed, or send Authorization: Bearer TOKEN');
const FOREIGN = refusal(403, ProjectCode.DASHBOARD_FOREIGN_ORIGIN, 'a POST from a page of another origin: nothing done');

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export interface DashboardServer {
  readonly server: Server;
  /** Listens; the access rule (its token new for this start) once the port is known. */
  listen(port: number, host: string): Promise<{ readonly access: Access; readonly port: number }>;
  /** Stops taking requests and ends those open. */
  close(): Promise<void>;
}

const decoded = (text: string | undefined): string | undefined => {
  try {
    return text === undefined ? undefined : decodeURIComponent(text);
  } catch {
    return '';
  }
};

export function createDashboardServer(context: ApiContext, files: ReadonlyMap<string, string>, warn: (line: string) => void): DashboardServer {
  let access: Access | undefined;
  const assets = assetsOf(files);
  const shell = assets.get('index.html')!;

  function sendAsset(request: IncomingMessage, response: ServerResponse, asset: Asset, headers: Record<string, string> = {}): void {
    if (request.headers['if-none-match'] === asset.etag && !headers['Set-Cookie']) {
      response.writeHead(304, { ...SECURITY_HEADERS, ETag: asset.etag });
      response.end();
      return;
    }
    send(response, 200, asset.type, asset.body, { 'Cache-Control': 'no-cache', ETag: asset.etag, ...headers });
  }

  async function sendCsv(response: ServerResponse, runId: string, params: URLSearchParams): Promise<void> {
    const query = readItemQuery(params);
    if ('status' in query) return sendJson(response, query);
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="run-${runId}.csv"`, 'Cache-Control': 'no-store' });
    for await (const text of itemsCsv(context, runId, query)) {
      if (!response.write(text)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  }

  async function api(request: IncomingMessage, response: ServerResponse, path: string[], params: URLSearchParams): Promise<void> {
    // /api/runs, /api/runs/RUN, /api/runs/RUN/items(.csv), /api/runs/RUN/retry|cancel|resume
    const [, resource, rawId, action] = path;
    const runId = decoded(rawId);
    if (resource !== 'runs' || path.length > 4 || (runId !== undefined && !RUN_ID.test(runId))) return sendJson(response, refusal(404, ProjectCode.BATCH_RUN_NOT_FOUND, 'no such address in the API: see docs/third-party.md, "The dashboard"'));
    if (request.method === 'POST') {
      if (runId === undefined || !['retry', 'cancel', 'resume'].includes(action ?? '')) return sendJson(response, refusal(405, ProjectCode.BATCH_OPTIONS_INVALID, 'POST takes /api/runs/RUN/retry, /cancel or /resume'));
      const body = await readBody(request);
      if (body === undefined) return sendJson(response, refusal(413, ProjectCode.BATCH_OPTIONS_INVALID, `the body is larger than ${MAX_BODY_BYTES} bytes`));
      if (action === 'retry') return sendJson(response, await retryRun(context, runId, body));
      if (action === 'resume') return sendJson(response, await resumeRun(context, runId, body));
      return sendJson(response, await cancelRun(context, runId));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, refusal(405, ProjectCode.BATCH_OPTIONS_INVALID, 'the API takes GET and POST'));
    if (runId === undefined) return sendJson(response, await listRuns(context));
    if (action === undefined) return sendJson(response, await showRun(context, runId));
    if (action === 'items') return sendJson(response, await listItems(context, runId, params));
    if (action === 'items.csv') return sendCsv(response, runId, params);
    return sendJson(response, refusal(404, ProjectCode.BATCH_RUN_NOT_FOUND, 'no such address in the API'));
  }

  async function handle(request: IncomingMessage, response: ServerResponse, access: Access): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    // Checked before anything else: a POST from another site's page does nothing, whatever it carries.
    if (request.method === 'POST' && access.foreignPost(request)) return sendJson(response, FOREIGN);
    const opening = url.pathname === '/' && url.searchParams.has('token');
    if (opening && access.tokenMatches(url.searchParams.get('token'))) {
      // The session for this browser; the page then takes the token out of the address bar.
      return sendAsset(request, response, shell, { 'Set-Cookie': access.sessionCookie });
    }
    if (!access.allows(request)) {
      if (url.pathname.startsWith('/api/')) return sendJson(response, UNAUTHORISED);
      return send(response, 401, 'text/plain; charset=utf-8', 'Not signed in: open the address `wxplugin dashboard` printed (it carries ?token=).\n');
    }
    const path = url.pathname.split('/').slice(1);
    if (path[0] === 'api') return api(request, response, path, url.searchParams);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    if (url.pathname === '/' || (path[0] === 'runs' && path.length === 2 && RUN_ID.test(decoded(path[1]) ?? ''))) return sendAsset(request, response, shell);
    const asset = path[0] === 'assets' && path.length === 2 ? assets.get(path[1]!) : undefined;
    if (asset && path[1] !== 'index.html') return sendAsset(request, response, asset);
    return send(response, 404, 'text/plain; charset=utf-8', 'Not found\n');
  }

  const server = createServer((request, response) => {
    if (!access) return sendJson(response, refusal(503, ProjectCode.INTERNAL, 'starting: try again in a moment'));
    handle(request, response, access).catch((error: unknown) => {
      warn(`a request failed: ${(error as Error)?.name ?? 'error'}`);
      if (!response.headersSent) sendJson(response, refusal(500, ProjectCode.INTERNAL, 'the request failed unexpectedly'));
      else response.destroy();
    });
  });
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const bound = (server.address() as { port: number }).port;
          access = createAccess(bound);
          resolve({ access, port: bound });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
