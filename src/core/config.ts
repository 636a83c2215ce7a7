/**
 * The function's configuration, read once from the environment. Tests pass their own environment
 * instead of touching process.env. Nothing else in the project reads process.env for settings.
 */
export interface FunctionConfig {
  /** OPENIDs allowed to call. Empty: no caller with an OPENID may call. */
  readonly adminOpenids: ReadonlySet<string>;
  /**
   * First elements of SOURCE let through without an OPENID (`TRUSTED_SOURCES`). Empty by default:
   * SOURCE is written by the calling SDK, so trusting one is a deliberate choice (see the README).
   */
  readonly trustedSources: ReadonlySet<string>;
  /** Time limit used when the platform's context does not give one (the platform default). */
  readonly defaultTimeLimitMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIME_LIMIT_MS = 3000;

/** `"oA, oB,,oC "` -> {oA, oB, oC}: comma-separated, spaces and empty entries ignored. */
export function parseList(raw: string | undefined): ReadonlySet<string> {
  return new Set((raw ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));
}

export function readConfig(env: Env): FunctionConfig {
  return {
    adminOpenids: parseList(env.ADMIN_OPENIDS),
    trustedSources: parseList(env.TRUSTED_SOURCES),
    defaultTimeLimitMs: DEFAULT_TIME_LIMIT_MS,
  };
}
