import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { rememberSecret } from '../core/redact';
import { withinDeadline } from '../core/deadline';
import type { AccessTokenSource } from '../https/access-token';
import type { PlatformFaultHold } from './platform-faults';

/**
 * The platform's own tokens, from its central token server (WeChat's advice: one server per
 * account fetches every token, since each new token starts the countdown on the one before).
 * Given a source, the component client never asks api_component_token or api_authorizer_token,
 * and needs neither the component's secret nor the verify ticket.
 *
 * Each function is told which token WeChat refused (40001, 40014, 42001) when it is asked because
 * of a refusal, so the server can replace exactly that one; it is asked once more per refusal, and
 * a second refusal is the answer. What it hands out is kept in this process's memory until near its
 * expiry, never written to a store or a log.
 */
export interface IssuedPlatformToken {
  readonly token: string;
  /** Seconds the token stays valid from now; default 7200 (WeChat's lifetime for both kinds). */
  readonly expiresInSeconds?: number;
}

export interface ComponentTokenSource {
  /** The component_access_token (only listing and authoriser info need it). */
  component(refused?: string): Promise<IssuedPlatformToken>;
  /** The authorizer_access_token of one authoriser. */
  authorizer(authorizerAppid: string, refused?: string): Promise<IssuedPlatformToken>;
}

/** WeChat's lifetime for component and authoriser tokens, when the source does not say. */
export const DEFAULT_TOKEN_LIFETIME_S = 7200;
/** Tokens held at most (the newest kept): a 100,000-authoriser run stays flat in memory. */
export const MAX_HELD_TOKENS = 10_000;
/** The longest token accepted from a source: WeChat's are a few hundred characters. */
const MAX_TOKEN_LENGTH = 4096;

const sourceFailed = (detail: string, cause?: unknown): OperationError => new OperationError(ProjectCode.TOKEN_COMMAND_FAILED, { detail, cause });

/** What a source answered, checked: a token of text, a lifetime that is a positive number of seconds. */
export function checkedIssue(issued: unknown, what: string): { token: string; lifetimeMs: number } {
  const { token, expiresInSeconds } = (typeof issued === 'object' && issued !== null ? issued : {}) as Record<string, unknown>;
  if (typeof token !== 'string' || token.trim() === '' || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
    throw sourceFailed(`the platform's token source answered no usable token for ${what} (a token is text without spaces): fix the token server, then try again`);
  }
  const seconds = expiresInSeconds === undefined ? DEFAULT_TOKEN_LIFETIME_S : expiresInSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw sourceFailed(`the platform's token source answered an expiry for ${what} that is not a positive number of seconds: fix the token server, then try again`);
  }
  // WeChat may echo a token in an errmsg: never shown, whatever its length.
  rememberSecret(token);
  return { token, lifetimeMs: seconds * 1000 };
}

interface Held {
  readonly token: string;
  readonly refreshAt: number;
  /** Handed out in answer to a refusal: a refusal of it is the answer, not a reason to ask again. */
  readonly answersRefusal: boolean;
}

export interface HeldToken {
  readonly token: string;
  readonly answersRefusal: boolean;
}

/**
 * The tokens a source handed out, in memory until `marginMs` before they expire (at most half
 * their life). Callers asking for one key together share one request to the source.
 */
export class SourceTokens {
  private readonly held = new Map<string, Held>();
  private readonly asking = new Map<string, Promise<Held>>();
  /** Until the source has answered once, it is asked one question at a time: a broken one then fails once, not once per call in flight. */
  private proven = false;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: ComponentTokenSource,
    private readonly marginMs: number,
    private readonly now: () => number,
    /** Holds the source's failure (a platform fault) so that the calls waiting fail at once. */
    private readonly hold: PlatformFaultHold,
  ) {}

  /** The component token to use now; `refused`: the one WeChat just refused, if any. */
  component(refused: string | undefined): Promise<HeldToken> {
    return this.get('component', refused, 'the component', (seen) => this.source.component(seen));
  }

  authorizer(appid: string, refused: string | undefined): Promise<HeldToken> {
    return this.get(`authorizer:${appid}`, refused, `the authoriser ${appid}`, (seen) => this.source.authorizer(appid, seen));
  }

  /** The authoriser's tokens as the HTTPS transport asks for them: one more ask per refusal, the second refusal stands. */
  authorizerTokens(appid: string): AccessTokenSource {
    let refused: string | undefined;
    let last: HeldToken | undefined;
    return {
      get: (budget) =>
        withinDeadline(
          this.authorizer(appid, refused).then((use) => {
            last = use;
            return use.token;
          }),
          budget.remaining(),
        ),
      invalidate: (token) => {
        if (last?.token === token && last.answersRefusal) return false;
        refused = token;
        return true;
      },
    };
  }

  private get(key: string, refused: string | undefined, what: string, ask: (refused: string | undefined) => Promise<IssuedPlatformToken>): Promise<HeldToken> {
    const held = this.held.get(key);
    if (held && held.token !== refused && this.now() < held.refreshAt) return Promise.resolve(held);
    let asking = this.asking.get(key);
    if (!asking) {
      asking = this.gated(() => this.hold.guard(() => this.ask(key, refused, what, ask))).finally(() => this.asking.delete(key));
      this.asking.set(key, asking);
    }
    return asking;
  }

  private async gated<T>(work: () => Promise<T>): Promise<T> {
    if (this.proven) return work();
    const previous = this.gate;
    let release = () => undefined as void;
    this.gate = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      const result = await work();
      this.proven = true;
      return result;
    } finally {
      release();
    }
  }

  private async ask(key: string, refused: string | undefined, what: string, ask: (refused: string | undefined) => Promise<IssuedPlatformToken>): Promise<Held> {
    let answer: unknown;
    try {
      answer = await ask(refused);
    } catch (caught) {
      if (caught instanceof OperationError) throw caught;
      throw sourceFailed(`the platform's token source failed for ${what}: fix the token server, then try again`, caught);
    }
    const issued = checkedIssue(answer, what);
    const at = this.now();
    const record: Held = { token: issued.token, refreshAt: at + issued.lifetimeMs - Math.min(this.marginMs, issued.lifetimeMs / 2), answersRefusal: refused !== undefined };
    this.held.delete(key);
    this.held.set(key, record);
    if (this.held.size > MAX_HELD_TOKENS) this.held.delete(this.held.keys().next().value!);
    return record;
  }
}
