/**
 * One structured line per invocation, always with the same keys first, so that the cloud
 * console's log search can filter on any of them; then the operation's own logged fields (never
 * free text). What may go in is fixed here: never the event, process.env, tokens or credentials;
 * the caller's OPENID only masked.
 */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  /** The operation (`applyPlugin`), or the function's name when no operation could be chosen. */
  readonly operation: string;
  /** The caller's action when it named one the function knows; null otherwise. */
  readonly action: string | null;
  readonly requestId: string | null;
  readonly errCode: number;
  readonly attempts: number;
  readonly durationMs: number;
  readonly source: string | null;
  readonly openid: string | null;
  /** The operation's logged fields (`pluginAppid`, `page`, ...), when the request was valid. */
  readonly fields: Readonly<Record<string, string | number>>;
  /** For failures: what was caught, already redacted. */
  readonly cause: string | null;
}

export type LogSink = (line: string) => void;

/** `oAbCdEfGhIjKlMnOpQrStUvWxYz` -> `oAbC…Yz`: enough to tell callers apart, not enough to impersonate one. */
export function maskOpenid(openid: unknown): string | null {
  if (openid === undefined || openid === null || openid === '') return null;
  const text = String(openid);
  if (text.length <= 8) return '***';
  return `${text.slice(0, 4)}…${text.slice(-2)}`;
}

export function formatLogLine(line: LogLine): string {
  const { fields, cause, ...fixed } = line;
  // Fixed keys win: an operation's field can never overwrite one.
  const extra = Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in fixed) && key !== 'cause'));
  return JSON.stringify({ ...fixed, ...extra, cause });
}

// Written with process.stdout rather than console so the line is exactly one JSON document.
export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
