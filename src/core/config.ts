/**
 * The function's configuration, read once from the environment. Tests pass their own environment
 * instead of touching process.env. Nothing else in the project reads process.env for settings.
 */
export interface FunctionConfig {
  /** OPENIDs allowed to call from a mini-program. Empty: no client may call. */
  readonly adminOpenids: ReadonlySet<string>;
  /** Time limit used when the platform's context does not give one (the platform default). */
  readonly defaultTimeLimitMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIME_LIMIT_MS = 3000;

/** `ADMIN_OPENIDS="oA, oB,,oC "` -> {oA, oB, oC}: comma-separated, spaces and empty entries ignored. */
export function parseOpenidList(raw: string | undefined): ReadonlySet<string> {
  return new Set((raw ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));
}

export function readConfig(env: Env): FunctionConfig {
  return {
    adminOpenids: parseOpenidList(env.ADMIN_OPENIDS),
    defaultTimeLimitMs: DEFAULT_TIME_LIMIT_MS,
  };
}
