/**
 * The batch commands' arguments and environment, checked before anything is opened or sent: any
 * mistake is one line on stderr and exit status 2 (usageError).
 */
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { OperationError } from '../core/errors';
import { APPID_PATTERN, flagOf, parseFields } from '../core/fields';
import type { AnyOperation } from '../core/operation';
import { DEFAULT_HTTPS_TIMEOUT_MS } from '../https/client';
import { readComponentEnvironment, TOKEN_COMMAND_OPTION } from '../tools/authorizers';
import { parseOptions, usageError, type Tool } from '../tools/cli';
import { authorizerFileProblem } from './authorizer-file';
import { DEFAULT_RATE } from './limiter';
import { DEFAULT_STORE_DIR, MAX_RATE, nodeTooOld } from './limits';


type Values = Record<string, string | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

export const STORE_OPTIONS: Options = { store: { type: 'string' } };
export const WORK_OPTIONS: Options = { concurrency: { type: 'string' }, timeout: { type: 'string' }, ...TOKEN_COMMAND_OPTION };

export function requireBatchNode(tool: Tool, version = process.versions.node): void {
  const problem = nodeTooOld(version);
  if (problem) usageError(tool, problem);
}

/** A whole number within bounds, or exit 2 naming the flag. */
export function wholeNumber(tool: Tool, flag: string, raw: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) usageError(tool, `--${flag} takes a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

export function readRate(tool: Tool, raw: string | boolean | undefined): number {
  if (raw === undefined) return DEFAULT_RATE;
  const value = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value > 0 && value <= MAX_RATE)) usageError(tool, `--rate takes calls per second, more than 0 and at most ${MAX_RATE}, got ${JSON.stringify(raw)}`);
  return value;
}

const env = (name: string): string | undefined => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);

export interface Where {
  /** Set: a PostgreSQL server shared by every worker. */
  readonly databaseUrl?: string;
  readonly dir: string;
}

export function readWhere(tool: Tool, values: Values): Where {
  const databaseUrl = env('DATABASE_URL');
  if (databaseUrl && typeof values.store === 'string') usageError(tool, '--store and DATABASE_URL are both set: the run is either in the embedded store (--store) or on the server (DATABASE_URL), unset one');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) usageError(tool, 'DATABASE_URL must be a postgres:// or postgresql:// connection string');
  return { ...(databaseUrl ? { databaseUrl } : {}), dir: resolve(typeof values.store === 'string' ? values.store : DEFAULT_STORE_DIR) };
}

export type ComponentCredentials = ReturnType<typeof readComponentEnvironment>;

/** The component's credentials (shared with `wxplugin authorizers`); its appid also keys the store. */
export function readCredentials(tool: Tool, values: Values = {}): ComponentCredentials {
  const credentials = readComponentEnvironment(tool, values);
  if (!APPID_PATTERN.test(credentials.componentAppid)) usageError(tool, 'WECHAT_COMPONENT_APPID must be "wx" followed by 16 lowercase hex digits');
  return credentials;
}

/** An operation's request from its flags, validated as the single-call command does. */
export function readRequest(tool: Tool, operation: AnyOperation, values: Values): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(operation.fields)) {
    const raw = values[flagOf(name)];
    if (typeof raw === 'string') request[name] = field.fromText(raw);
  }
  try {
    parseFields(operation.fields, request);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    const message = error.detail ?? error.message;
    const name = Object.keys(operation.fields).find((field) => message.startsWith(`${field} `));
    usageError(tool, name ? `--${flagOf(name)}${message.slice(name.length)}` : message);
  }
  return request;
}

export function operationOptions(operation: AnyOperation): Options {
  return {
    ...Object.fromEntries(Object.keys(operation.fields).map((name) => [flagOf(name), { type: 'string' as const }])),
    all: { type: 'boolean' },
    authorizers: { type: 'string' },
    rate: { type: 'string' },
    'job-timeout': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    ...STORE_OPTIONS,
    ...WORK_OPTIONS,
  };
}

/** `--authorizers FILE`, checked whole before the run starts: a bad line stops everything, before anything is sent. */
export async function checkAuthorizerFile(tool: Tool, raw: string): Promise<string> {
  const file = resolve(raw);
  const problem = await authorizerFileProblem(file, raw);
  if (problem) usageError(tool, `--authorizers ${problem}`);
  return file;
}

export function parseWith(tool: Tool, options: Options, args: readonly string[]): Values {
  return parseOptions(tool, options, args) as Values;
}

export const DEFAULTS = { timeoutMs: DEFAULT_HTTPS_TIMEOUT_MS };
