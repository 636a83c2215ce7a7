import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from './component-world';
import type { ComponentApiOptions } from './component-api';

/**
 * `npm run emulator` options for the third-party platform side, parsed here so that the tool only
 * passes them on. Every value is checked; a bad one is a usage error (the tool exits 2).
 */
export const COMPONENT_CLI_OPTIONS = {
  authorizers: { type: 'string' },
  'without-plugin-management': { type: 'string' },
  'rotate-refresh-tokens': { type: 'boolean', default: false },
  'daily-quota': { type: 'string' },
  'quota-reset-hour': { type: 'string' },
  'rate-limit': { type: 'string' },
  'token-lifetime': { type: 'string' },
  'call-log': { type: 'string' },
} as const;

export const COMPONENT_CLI_HELP = `Third-party platform (component ${DEMO_COMPONENT_APPID}):
  --authorizers N                  mini-programs that authorised it (default 3)
  --without-plugin-management F    share of them without permission set 40, 0 to 1 (default 0.1): 61007
  --rotate-refresh-tokens          api_authorizer_token returns a new refresh token each time
  --daily-quota N                  calls per authoriser per day to each /wxa path (default 1000): 45009
  --quota-reset-hour H             the UTC hour quotas reset (default 16, midnight in Beijing)
  --rate-limit N                   plugin calls per second for the component, 0 for none (default 2000): 45011
  --token-lifetime S               component and authoriser token lifetime in seconds (default 7200)
  --call-log FILE                  append every plugin call as a JSON line {t, path, action, authorizer, errcode}`;

type Values = { readonly [K in keyof typeof COMPONENT_CLI_OPTIONS]?: string | boolean };

function whole(name: string, raw: string | boolean | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`--${name} takes a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** The component options from parsed flags; throws an Error whose message is the usage line. */
export function componentOptionsFrom(values: Values): ComponentApiOptions {
  const share = values['without-plugin-management'];
  const fraction = share === undefined ? undefined : Number(share);
  if (fraction !== undefined && !(typeof share === 'string' && share.trim() !== '' && fraction >= 0 && fraction <= 1)) {
    throw new Error(`--without-plugin-management takes a share from 0 to 1, got ${JSON.stringify(share)}`);
  }
  const options: Record<string, unknown> = {
    authorizers: whole('authorizers', values.authorizers, 0, 10_000_000),
    withoutPluginManagement: fraction,
    rotateRefreshTokens: values['rotate-refresh-tokens'] === true,
    dailyQuota: whole('daily-quota', values['daily-quota'], 0, 1_000_000_000),
    quotaResetHourUtc: whole('quota-reset-hour', values['quota-reset-hour'], 0, 23),
    rateLimit: whole('rate-limit', values['rate-limit'], 0, 1_000_000_000),
    tokenLifetimeSeconds: whole('token-lifetime', values['token-lifetime'], 1, 86_400),
    callLog: typeof values['call-log'] === 'string' && values['call-log'] !== '' ? values['call-log'] : undefined,
    // Nothing in the tool's process reads the log back: the file is the record.
    keepCallsInMemory: false,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as ComponentApiOptions;
}

/** What the banner prints to point `wxplugin authorizers` (and batch runs) at the emulator. */
export function componentBanner(url: string, options: ComponentApiOptions): string[] {
  return [
    `Third-party platform, ${options.authorizers ?? 3} authoriser(s):`,
    `  export WECHAT_API_BASE_URL=${url} WECHAT_COMPONENT_APPID=${DEMO_COMPONENT_APPID} WECHAT_COMPONENT_SECRET=${DEMO_COMPONENT_SECRET}`,
    `  export WECHAT_COMPONENT_VERIFY_TICKET=${FIRST_TICKET}`,
    '  npm run -s wxplugin -- authorizers',
  ];
}
