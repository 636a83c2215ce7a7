import * as http from 'node:http';
import * as https from 'node:https';
import { BoundedMemo } from '../core/bounded-memo';

/**
 * One POST with Node's own http/https over keep-alive agents: the HTTPS client's default way to
 * reach WeChat. Node's fetch (undici) costs ~5x the CPU per call and ~2x the memory of a plain
 * keep-alive request (measured against the emulator); a batch run is exactly as fast as
 * this. No redirect is ever followed: node:http does not follow them at all.
 */

/** What http.ts reads of an answer, whichever way it came (here, or a fetch given by the caller). */
export interface RawAnswer {
  readonly status: number;
  /** Whether the answer came from another URL than the one asked (a fetch that followed a redirect). */
  readonly redirected: boolean;
  readonly contentLength: string | null;
  /**
   * Hands each chunk of the body to `onChunk` as it arrives; settles when the body has ended, when
   * it was abandoned, or (rejecting) when the connection failed.
   */
  forEachChunk(onChunk: (chunk: Uint8Array) => void): Promise<void>;
  /** Frees the connection of an answer that will not be read (here: closes it). */
  abandon(): void;
}

/**
 * Idle sockets are kept for reuse a little under the shortest idle timeout servers commonly use
 * (Node's own is 5 s), so that a socket the server is about to close is seldom reused. Node's
 * agent unrefs idle sockets: a kept socket never holds a finished process open. At most 64
 * connections per host: a burst of hundreds of calls then reuses them instead of opening one
 * each (a burst of 500 on a loaded machine answered sooner), the rest wait in the agent's queue,
 * within their deadline.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4000, maxSockets: 64 } as const;
const agents = { 'http:': new http.Agent(KEEP_ALIVE), 'https:': new https.Agent(KEEP_ALIVE) };

/** When an exchange must end (http.ts): the request is destroyed then, whatever it was doing. */
export interface Cutoff {
  readonly expired: boolean;
  /** `cancel` runs once the cutoff expires (at once if it already has). */
  onExpire(cancel: () => void): void;
}

interface Target {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
}

/** `http://host:port/path?query` -> its origin, and the rest (`/` when there is none). */
export function splitUrl(url: string): { readonly origin: string; readonly path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/**
 * Where a base URL points, parsed once: every call of a client goes to the same one or two origins,
 * and parsing the whole URL per call was a visible share of its CPU. Bounded, so that a process
 * talking to many origins keeps only the first few.
 */
export const targets = new BoundedMemo(targetOf, 32);

function targetOf(origin: string): Target {
  const parsed = new URL(origin);
  return { protocol: parsed.protocol, hostname: parsed.hostname, port: parsed.port };
}

/**
 * The error a request ends with once its cutoff has expired. Only that it is thrown matters:
 * http.ts reads the expired cutoff, never this error.
 */
function expiredError(): Error {
  // Stryker disable next-line StringLiteral,ObjectLiteral: its text and name are never read (above)
  return Object.assign(new Error('aborted'), { name: 'AbortError' });
}

/**
 * Sends `payload` (JSON text) to `url`; rejects with Node's error (its `code`, e.g. ECONNREFUSED,
 * or ERR_INVALID_PROTOCOL for neither http nor https) or, once `cutoff` expires, with an AbortError.
 */
export function postWithNode(url: string, payload: string, cutoff: Cutoff): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // A request whose time is up is never created: nothing is sent, no connection opened.
    if (cutoff.expired) throw expiredError();
    const { origin, path } = splitUrl(url);
    const target = targets.get(origin);
    // Stryker disable next-line all: the agent decides the protocol, so either function would do; each is used the way Node documents
    const send = target.protocol === 'https:' ? https.request : http.request;
    const request = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path,
      method: 'POST',
      agent: agents[target.protocol as keyof typeof agents],
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    cutoff.onExpire(() => void request.destroy(expiredError()));
    request.once('error', reject);
    request.once('response', (response) => {
      resolve({
        status: response.statusCode ?? 0,
        redirected: false,
        contentLength: response.headers['content-length'] ?? null,
        // Plain events, not an async iterator: this is the per-call path, and events cost less.
        forEachChunk: (onChunk) =>
          new Promise<void>((settle, fail) => {
            response.on('data', onChunk);
            response.once('error', fail);
            // Stryker disable next-line StringLiteral: on Node 20 'close' follows 'end' anyway; older runtimes are not relied on for it
            response.once('end', settle);
            // After abandon(): destroyed without an error, and no 'end'.
            response.once('close', settle);
          }),
        abandon: () => response.destroy(),
      });
    });
    request.end(payload);
  });
}
