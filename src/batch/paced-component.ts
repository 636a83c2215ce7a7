/**
 * The component (third-party platform) client a batch works through: its tokens in the batch
 * store's database (shared by every worker), and every request to WeChat (token fetches and
 * listing pages included) waiting for its slot of the platform's rate, shared by every worker.
 */
import { createComponentClient } from '../component/client';
import type { ComponentTokenSource } from '../component/token-source';
import type { VerifyTicketSource } from '../component/verify-ticket';
import { OperationError } from '../core/errors';
import type { Fetch } from '../https/http';
import type { BatchComponent } from './component';
import { SharedLimiter, sqlReserve } from './limiter';
import { sqlComponentStore } from './sql-store';
import type { SqlDb } from './sql';

export interface Platform {
  readonly componentAppid: string;
  readonly componentSecret?: string;
  readonly verifyTicket?: VerifyTicketSource;
  readonly tokens?: ComponentTokenSource;
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly fetch?: Fetch;
}

/** The rate row every worker of the platform reserves its slots from. */
export const rateKey = (componentAppid: string): string => `component:${componentAppid}`;

/** After 45011 (the platform's rate limit) this process's rate is cut to this share... */
export const SLOW_DOWN_SHARE = 0.5;
/** ...at most once in this long (the calls in flight when it came answer 45011 too)... */
export const SLOW_DOWN_EVERY_MS = 5_000;
/** ...and never below this. */
export const SLOWEST_RATE = 1;

export function pacedComponent(db: SqlDb, platform: Platform, rate: number): BatchComponent {
  let current = rate;
  let slowedAt = Number.NEGATIVE_INFINITY;
  const limiter = new SharedLimiter(sqlReserve(db, rateKey(platform.componentAppid), () => current), Math.max(1, Math.min(100, Math.ceil(rate / 10))));
  const store = sqlComponentStore(db, platform.componentAppid);
  // The client's own keep-alive transport (or the caller's fetch), each request after its slot.
  const client = createComponentClient({ ...platform, store, beforeRequest: () => limiter.take() });
  return {
    forAuthorizer: (appid) => client.forAuthorizer(appid) as unknown as ReturnType<BatchComponent['forAuthorizer']>,
    listAuthorizers: () => client.listAuthorizers(),
    prime: platform.tokens ? undefined : (appids) => store.prime(appids),
    fetchRefreshToken: (appid) => client.getAuthorizerInfo(appid),
    slowDown() {
      const at = Date.now();
      if (at - slowedAt < SLOW_DOWN_EVERY_MS || current <= SLOWEST_RATE) return undefined;
      slowedAt = at;
      current = Math.max(SLOWEST_RATE, Math.round(current * SLOW_DOWN_SHARE * 100) / 100);
      return current;
    },
  };
}

/** Every authoriser WeChat lists, a page at a time; a page that failed ends the listing. */
export async function* listedPages(component: BatchComponent): AsyncGenerator<string[]> {
  for await (const page of component.listAuthorizers()) {
    if (page.errCode !== 0) throw new OperationError(page.errCode, { detail: page.errMsg });
    if (page.authorizers.length) yield page.authorizers.map((authorizer) => authorizer.authorizerAppid);
  }
}

/** A ticket given as text is kept in the store, where every worker finds it. */
export async function keepTicket(db: SqlDb, platform: Platform): Promise<void> {
  if (typeof platform.verifyTicket === 'string') await sqlComponentStore(db, platform.componentAppid).writeTicket(platform.verifyTicket);
}
