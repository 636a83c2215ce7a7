/**
 * A run's default rate, from WeChat's own figure for the platform when it answers one: getApiQuota's
 * `component_rate_limit` for /wxa/plugin (calls on an authoriser's behalf per refresh period), asked
 * with one authoriser's token, at a safe share of it. Without a figure (no authoriser to ask yet,
 * WeChat answering none, any failure), today's default.
 */
import { ProjectCode } from '../core/codes';
import type { BatchComponent } from './component';
import { DEFAULT_RATE } from './limiter';
import { MAX_RATE } from './limits';

/** The share of WeChat's figure a run takes: others of the platform (its own servers) call too. */
export const WECHAT_RATE_SHARE = 0.5;

export interface PlatformRate {
  readonly rate: number;
  /** WeChat's figure it came from, when it did. */
  readonly fromWeChat?: { readonly callCount: number; readonly refreshSeconds: number };
}

/** The rate for a figure of `callCount` calls per `refreshSeconds`, within the batch's bounds. */
export function rateFromFigure(callCount: number, refreshSeconds: number): number {
  const share = Math.floor(((callCount / refreshSeconds) * WECHAT_RATE_SHARE) * 100) / 100;
  return Math.min(MAX_RATE, Math.max(1, share));
}

export async function platformRate(component: Pick<BatchComponent, 'getComponentRateLimit' | 'fetchRefreshToken'>, probeAppid: string | undefined): Promise<PlatformRate> {
  if (probeAppid === undefined || !component.getComponentRateLimit) return { rate: DEFAULT_RATE };
  let limit = await component.getComponentRateLimit(probeAppid);
  // Named in a file, never listed: its refresh token comes with its authorisation info (kept for the run's call too).
  if (limit.errCode === ProjectCode.NO_REFRESH_TOKEN && component.fetchRefreshToken && (await component.fetchRefreshToken(probeAppid)).errCode === 0) {
    limit = await component.getComponentRateLimit(probeAppid);
  }
  if (limit.errCode !== 0 || limit.callCount === undefined || limit.refreshSeconds === undefined) return { rate: DEFAULT_RATE };
  return { rate: rateFromFigure(limit.callCount, limit.refreshSeconds), fromWeChat: { callCount: limit.callCount, refreshSeconds: limit.refreshSeconds } };
}
