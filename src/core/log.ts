/**
 * One structured line per invocation, always with the same keys, so that the cloud console's log
 * search can filter on any of them. What may go in is fixed here: never the event, process.env,
 * tokens or credentials; the caller's OPENID only masked.
 */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly operation: string;
  readonly requestId: string | null;
  readonly errCode: number;
  readonly attempts: number;
  readonly durationMs: number;
  readonly pluginAppid: string | null;
  readonly source: string | null;
  readonly openid: string | null;
  /** For failures: what was caught, already redacted. */
  readonly cause: string | null;
}

export type LogSink = (line: string) => void;

/** `oAbCdEfGhIjKlMnOpQrStUvWxYz` -> `oAbC…Yz`: enough to tell callers apart, not enough to impersonate one. */
export function maskOpenid(openid: string | undefined): string | null {
  if (!openid) return null;
  if (openid.length <= 8) return '***';
  return `${openid.slice(0, 4)}…${openid.slice(-2)}`;
}

export function formatLogLine(line: LogLine): string {
  return JSON.stringify(line);
}

// Written with process.stdout rather than console so the line is exactly one JSON document.
export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
