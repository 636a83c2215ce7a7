/**
 * Who may use the dashboard: whoever holds the token printed at start (a bearer header, for
 * scripts), or the browser session opened with it (an HttpOnly, SameSite=Strict cookie). A POST acts
 * only when it comes from the dashboard's own page: another site's page cannot steer a run even in a
 * browser that holds the session.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 256 random bits each: unguessable, and new at every start. */
const SECRET_BYTES = 32;

export interface Access {
  /** What the printed address carries (`/?token=T`) and `Authorization: Bearer T` sends. */
  readonly token: string;
  /** The header that opens a browser session, for an answer to `/?token=T`. */
  readonly sessionCookie: string;
  /** The request carries the token or the session. */
  allows(request: IncomingMessage): boolean;
  /** The query's token is this start's token. */
  tokenMatches(given: string | null): boolean;
  /** A POST from a page of another origin (or from a page at all without an Origin): refused. */
  foreignPost(request: IncomingMessage): boolean;
}

/** Equal without leaking, by the time taken, how much of a guess was right. */
function sameSecret(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

const bearerOf = (request: IncomingMessage): string | undefined => /^Bearer ([\w-]+)$/.exec(request.headers.authorization ?? '')?.[1];

/**
 * The access rule for one start of the dashboard on `port`. Cookies are kept per host, not per
 * port: the port is in the cookie's name, so two dashboards side by side keep their own sessions.
 */
export function createAccess(port: number): Access {
  const token = randomBytes(SECRET_BYTES).toString('base64url');
  const session = randomBytes(SECRET_BYTES).toString('base64url');
  const cookieName = `wxplugin_dashboard_${port}`;
  return {
    token,
    sessionCookie: `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
    allows: (request) => sameSecret(bearerOf(request), token) || sameSecret(cookieValue(request.headers.cookie, cookieName), session),
    tokenMatches: (given) => sameSecret(given, token),
    foreignPost(request) {
      const origin = request.headers.origin;
      // A script with the bearer token sends no Origin; a browser always does on a POST.
      if (origin === undefined) return bearerOf(request) === undefined;
      if (request.headers['sec-fetch-site'] === 'cross-site') return true;
      return origin !== `http://${request.headers.host ?? ''}`;
    },
  };
}
