import { ProjectCode } from '../core/codes';
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { APPID_PATTERN } from '../core/fields';
import { rememberSecret } from '../core/redact';
import { describeValue } from '../core/validate';
import type { ComponentStore } from './store';

/**
 * Reading api_get_authorizer_list: each page checked for its shape before anything of it is used
 * (an answer of another shape is a failed listing, never "no authorisers"), the refresh tokens on
 * it stored before the page is handed over, and the pages checked to add up (a page that repeats,
 * an offset that does not advance, more pages than total_count allows end the listing as failed,
 * where they would otherwise list forever).
 */
/** api_get_authorizer_list answers at most this many per page. */
export const AUTHORIZER_PAGE_MAX = 500;

export interface ListedAuthorizer {
  readonly authorizerAppid: string;
  /** When it authorised the platform (Unix seconds), as WeChat sends it. */
  readonly authTime: number;
  /** WeChat sent its refresh token with it (stored before the page was handed over). */
  readonly refreshTokenStored: boolean;
}

/** One page of api_get_authorizer_list. Refresh tokens are stored, never handed out. */
export type AuthorizerPage = OperationResult & {
  readonly offset: number;
  readonly totalCount?: number;
  readonly authorizers: readonly ListedAuthorizer[];
};

interface ListedItem {
  readonly appid: string;
  readonly refreshToken: string | undefined;
  readonly authTime: number;
}

const notAPage = (what: string): OperationError =>
  new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
    detail: `api_get_authorizer_list answered ${what}, not a page of authorisers, so the listing stopped there: list again later; if it persists, check WECHAT_API_BASE_URL points at WeChat`,
    maybeDelivered: false,
  });

/** A page's authorisers and total, or the reason the answer is not one. */
export function readListPage(answer: Record<string, unknown>): { totalCount: number; items: ListedItem[] } {
  const total = answer.total_count;
  if (!Number.isSafeInteger(total) || (total as number) < 0) return failPage(`a total_count that is not a whole number (${describeValue(total)})`);
  if (!Array.isArray(answer.list)) return failPage(`a list that is not an array (${describeValue(answer.list)})`);
  const items = (answer.list as unknown[]).map((item, index): ListedItem => {
    if (typeof item !== 'object' || item === null) return failPage(`item #${index} of its list as ${describeValue(item)}`);
    const { authorizer_appid: appid, refresh_token: refreshToken, auth_time: authTime } = item as Record<string, unknown>;
    if (typeof appid !== 'string') return failPage(`item #${index} of its list without an authorizer_appid`);
    return { appid, refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined, authTime: Number.isFinite(authTime) ? (authTime as number) : 0 };
  });
  return { totalCount: total as number, items };
}

function failPage(what: string): never {
  throw notAPage(what);
}

/**
 * Stores the page's refresh tokens (before anyone sees the page: the ones WeChat returned are the
 * ones kept) and answers its authorisers. An appid that is not one is listed as it came (a call
 * for it is refused, nothing sent) and nothing is stored under it. An empty refresh token is never
 * stored: it would overwrite a good one.
 */
export async function keepPage(store: ComponentStore | undefined, items: readonly ListedItem[]): Promise<ListedAuthorizer[]> {
  const tokens = items.filter((item) => item.refreshToken !== undefined && APPID_PATTERN.test(item.appid)).map((item) => [item.appid, item.refreshToken!] as const);
  tokens.forEach(([, token]) => rememberSecret(token));
  if (store) await store.writeRefreshTokens(tokens);
  const stored = new Set(store ? tokens.map(([appid]) => appid) : []);
  return items.map((item) => ({ authorizerAppid: item.appid, authTime: item.authTime, refreshTokenStored: stored.has(item.appid) }));
}

const broken = (detail: string): OperationError => new OperationError(ProjectCode.LISTING_BROKEN, { detail: `${detail}, so the listing stopped there: list again later (resume the run); if it persists, check WECHAT_API_BASE_URL points at WeChat` });

/** Walks the pages from `offset`, ending as failed when they do not add up. */
export async function* pagesFrom(listPage: (offset: number, count: number) => Promise<AuthorizerPage>, offset: number, pageSize: number): AsyncGenerator<AuthorizerPage> {
  let pages = 0;
  let mostTotal = 0;
  let previous: { readonly offset: number; readonly first: string; readonly last: string } | undefined;
  for (;;) {
    const page = await listPage(offset, pageSize);
    if (page.errCode !== 0) {
      yield page;
      return;
    }
    pages += 1;
    mostTotal = Math.max(mostTotal, page.totalCount ?? 0);
    const count = page.authorizers.length;
    const first = page.authorizers[0]?.authorizerAppid ?? '';
    const last = page.authorizers[count - 1]?.authorizerAppid ?? '';
    let problem: OperationError | undefined;
    if (count === 0 && offset < (page.totalCount ?? 0)) problem = broken(`the page at offset ${offset} was empty although total_count is ${page.totalCount}`);
    else if (previous && count > 0 && first === previous.first && last === previous.last) problem = broken(`the page at offset ${offset} repeated the page at offset ${previous.offset}`);
    else if (pages > Math.ceil(mostTotal / pageSize) + 1) problem = broken(`more pages came than total_count (${mostTotal}) allows`);
    if (problem) {
      yield { ...failureResult('getAuthorizerList', problem, page.attempts), offset, authorizers: [] };
      return;
    }
    yield page;
    if (count === 0) return;
    previous = { offset, first, last };
    offset += count;
    if (offset >= (page.totalCount ?? 0)) return;
  }
}
