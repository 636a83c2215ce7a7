/**
 * The function's configuration, read once from the environment. Tests pass their own environment
 * instead of touching process.env. Nothing else in the project reads process.env for settings.
 *
 * What people write is accepted when it can only mean one thing, and refused with what to fix
 * otherwise: a list that silently matched nobody (or everybody) is the failure this avoids.
 */
export interface FunctionConfig {
  /** OPENIDs allowed to call. Empty: no caller with an OPENID may call. */
  readonly adminOpenids: ReadonlySet<string>;
  /**
   * First elements of SOURCE let through without an OPENID (`TRUSTED_SOURCES`), compared exactly.
   * Empty by default: SOURCE is written by the calling SDK, so trusting one is a deliberate choice.
   */
  readonly trustedSources: ReadonlySet<string>;
  /** Time limit used when the platform's context does not give one (the platform default). */
  readonly defaultTimeLimitMs: number;
  /** Why the configuration cannot be used (no call is let through), naming the variable and what to fix. */
  readonly problem?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIME_LIMIT_MS = 3000;

/** What an OPENID (or UNIONID) is made of; anything else in ADMIN_OPENIDS is a mistake to report. */
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;

/** The origins that every user of the mini-program produces: trusting one makes everyone an administrator. */
const NEVER_TRUSTED: ReadonlySet<string> = new Set(['wx_client']);

type Parsed = { readonly items: ReadonlySet<string> } | { readonly problem: string };

/**
 * ADMIN_OPENIDS as people write it: OPENIDs separated by commas (`,` or the fullwidth `，`), spaces
 * or new lines, or a JSON array of strings. Entries are never echoed (the message names their
 * position): errMsg carries no value from the environment.
 */
export function parseAdminOpenids(raw: string | undefined): Parsed {
  const text = (raw ?? '').trim();
  let entries: unknown[];
  if (text.startsWith('[')) {
    try {
      // JSON text that starts with '[' is an array or is no JSON at all.
      entries = (JSON.parse(text) as unknown[]).map((entry) => (typeof entry === 'string' ? entry.trim() : entry));
    } catch {
      return { problem: 'ADMIN_OPENIDS starts with [ but is not a JSON array: write it as ["oAbc…","oDef…"], or as OPENIDs separated by commas' };
    }
  } else {
    // The fullwidth comma escaped: the bundles stay ASCII (scripts/esbuild-options.mjs).
    entries = text.split(/[,\uFF0C\s]+/u);
  }
  const items = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (entry === '') continue;
    if (typeof entry !== 'string' || !OPENID.test(entry)) {
      return { problem: `ADMIN_OPENIDS entry ${index + 1} is not an OPENID (letters, digits, - and _): separate OPENIDs with commas, spaces or new lines, without quotes` };
    }
    items.add(entry);
  }
  return { items };
}

/**
 * TRUSTED_SOURCES: comma-separated, with only ASCII spaces and tabs around the commas ignored. An
 * entry is compared exactly: `wx_http\u00a0` or `\ufeffwx_http` are other values, never `wx_http`.
 */
export function parseTrustedSources(raw: string | undefined): Parsed {
  const items = new Set((raw ?? '').split(',').map((item) => item.replace(/^[ \t]+|[ \t]+$/g, '')).filter((item) => item.length > 0));
  for (const item of items) {
    if (NEVER_TRUSTED.has(item)) {
      // Named by what it is, not echoed: errMsg carries no value from the environment.
      return { problem: 'TRUSTED_SOURCES lists the SOURCE of the mini-program\'s own calls, which every user makes (everyone would be an administrator): remove that entry, and add administrators\' OPENIDs to ADMIN_OPENIDS instead' };
    }
  }
  return { items };
}

export function readConfig(env: Env): FunctionConfig {
  const admins = parseAdminOpenids(env.ADMIN_OPENIDS);
  const trusted = parseTrustedSources(env.TRUSTED_SOURCES);
  const problem = 'problem' in admins ? admins.problem : 'problem' in trusted ? trusted.problem : undefined;
  return {
    adminOpenids: 'items' in admins ? admins.items : new Set(),
    trustedSources: 'items' in trusted ? trusted.items : new Set(),
    defaultTimeLimitMs: DEFAULT_TIME_LIMIT_MS,
    problem,
  };
}
