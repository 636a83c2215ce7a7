/**
 * `wxplugin <command> [options]`: every registered operation over WeChat's HTTPS API, from a
 * server, a script or a terminal. Commands and their flags come from the operation registry; the
 * request is validated before anything is sent; the result is printed as JSON (a table for lists
 * on a terminal). Exit status: 0 when the requested state holds, 1 for any other result, 2 for bad
 * arguments or configuration (nothing sent).
 */
import type { ParseArgsConfig } from 'node:util';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { flagOf, parseFields } from '../core/fields';
import type { AnyOperation } from '../core/operation';
import { OPERATIONS } from '../core/operations';
import { DEV_APPLY_LIST_MAX_NUM } from '../core/operations/get-plugin-dev-apply-list';
import { parseBaseUrl } from '../https/base-url';
import { createHttpsClient, DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS } from '../https/client';
import { parseOptions, usageError, type Tool } from './cli';
import { renderTable, TABLES } from './tables';
import { runAuthorizers } from './authorizers';

/** How to run it, as installed (`npx wxplugin`) or in this repository (`npm run -s wxplugin --`). */
const RUN = ['wxplugin', 'apply'].includes(process.env.npm_lifecycle_event ?? '') ? 'npm run -s wxplugin --' : 'wxplugin';
const TOOL: Tool = { name: 'wxplugin', help: `${RUN} --help` };
const TIMEOUT_MIN_MS = 100;
const TIMEOUT_MAX_MS = 600_000;
/** `dev-list --all` stops after this many pages, whatever happens. */
export const ALL_PAGES_BOUND = 50;

const ENVIRONMENT = `Environment:
  WECHAT_ACCESS_TOKEN                  an access token (the account's own, or a third-party platform's
                                       authorizer_access_token); used first when set
  WECHAT_APPID and WECHAT_APPSECRET    the account's credentials: tokens via /cgi-bin/stable_token; with a
                                       token set too, used when WeChat refuses that token
  WECHAT_API_BASE_URL                  default ${DEFAULT_BASE_URL}
  For dev-* commands the account is the plugin's own (its appid and secret).`;

const COMMON_OPTIONS = `  --timeout MS        the whole call's time budget, retries included, ${TIMEOUT_MIN_MS}-${TIMEOUT_MAX_MS} (default ${DEFAULT_HTTPS_TIMEOUT_MS})
  --json              print the result as JSON even on a terminal
  --verbose           also print the call's log line on stderr
  -h, --help          this text`;

function commandHelp(operation: AnyOperation): string {
  const fields = Object.entries(operation.fields).map(([name, field]) => {
    const left = `  --${flagOf(name)} ${field.kind === 'integer' ? 'N' : field.kind === 'text' ? 'TEXT' : field.kind === 'version' ? 'VERSION' : 'ID'}`;
    const note = field.presence === 'required' ? '(required)' : field.defaultValue !== undefined ? `(default ${field.defaultValue})` : '(optional)';
    return `${left.padEnd(22)}${field.help} ${note}`;
  });
  const extra = operation.name === 'getPluginDevApplyList' ? [`  --all               every page from --page on, until an empty one (at most ${ALL_PAGES_BOUND} pages of --num, default ${DEV_APPLY_LIST_MAX_NUM} with --all)`] : [];
  return [
    `Usage: ${RUN} ${operation.action}${Object.keys(operation.fields).length ? ' [options]' : ''}`,
    '',
    `${operation.summary[0]!.toUpperCase()}${operation.summary.slice(1)}: ${operation.name} through POST ${operation.httpsPath}.`,
    '',
    'Options:',
    ...fields,
    ...extra,
    COMMON_OPTIONS,
    '',
    ENVIRONMENT,
    '',
  ].join('\n');
}

const TOOL_HELP = [
  `Usage: ${RUN} <command> [options]`,
  '',
  "Plugin management over WeChat's HTTPS API. Commands:",
  ...OPERATIONS.map((operation) => `  ${operation.action.padEnd(12)}${operation.summary}`),
  `  ${'authorizers'.padEnd(12)}list a third-party platform's authorisers and who granted plugin management`,
  `  ${'batch'.padEnd(12)}one operation for many authorised mini-programs, as a durable run (\`${RUN} batch --help\`)`,
  `  ${'worker'.padEnd(12)}work the jobs of open batch runs (\`${RUN} worker --help\`)`,
  '',
  `\`${RUN} <command> --help\` lists a command's options. The result is printed as JSON`,
  '(a table for lists on a terminal). Exit status: 0 when the requested state holds, 1 for any other',
  'result, 2 for bad arguments or configuration (nothing is sent).',
  '',
  ENVIRONMENT,
  '',
].join('\n');

/** A validation message names the field; on the command line it is the flag. */
function inFlags(operation: AnyOperation, message: string): string {
  const name = Object.keys(operation.fields).find((field) => message.startsWith(`${field} `));
  return name ? `--${flagOf(name)}${message.slice(name.length)}` : message;
}

function readTimeout(tool: Tool, raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_HTTPS_TIMEOUT_MS;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= TIMEOUT_MIN_MS && value <= TIMEOUT_MAX_MS)) {
    usageError(tool, `--timeout takes a whole number of milliseconds from ${TIMEOUT_MIN_MS} to ${TIMEOUT_MAX_MS}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Credentials and base URL from the environment; white space alone counts as unset. */
function readEnvironment(tool: Tool) {
  const value = (name: string) => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);
  const baseUrl = value('WECHAT_API_BASE_URL');
  try {
    if (baseUrl) parseBaseUrl(baseUrl, 'WECHAT_API_BASE_URL');
  } catch (error) {
    usageError(tool, (error as OperationError).detail ?? 'WECHAT_API_BASE_URL is not usable');
  }
  const [accessToken, appid, secret] = [value('WECHAT_ACCESS_TOKEN'), value('WECHAT_APPID'), value('WECHAT_APPSECRET')];
  if (!accessToken) {
    if (appid && !secret) usageError(tool, 'WECHAT_APPID is set but WECHAT_APPSECRET is not: set it, or set WECHAT_ACCESS_TOKEN');
    if (secret && !appid) usageError(tool, 'WECHAT_APPSECRET is set but WECHAT_APPID is not: set it, or set WECHAT_ACCESS_TOKEN');
    if (!appid) usageError(tool, 'no credentials: set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET');
  }
  return { accessToken, appid, secret, baseUrl };
}

type Result = Record<string, unknown> & { errCode: number; attempts: number };

/**
 * `dev-list --all`: pages from --page (default 1) until an empty one, at most ALL_PAGES_BOUND of
 * them. An empty page, not a short one, ends it: WeChat documents no largest page size, and a page
 * it silently capped below --num would otherwise end the listing early while reporting success.
 */
async function allPages(call: (request: Record<string, unknown>) => Promise<Result>, first: number, num: number): Promise<Result> {
  const applyList: unknown[] = [];
  let attempts = 0;
  let last: Result | undefined;
  for (let page = first; page < first + ALL_PAGES_BOUND; page += 1) {
    const result = await call({ page, num });
    attempts += result.attempts;
    if (result.errCode !== 0) return { ...result, attempts };
    const rows = (result.applyList as unknown[] | undefined) ?? [];
    last = { ...result, attempts, applyList, pages: page - first + 1 };
    if (rows.length === 0) return last;
    applyList.push(...rows);
  }
  // The bound ended it, not an empty page: there may be more.
  return { ...last!, truncated: true };
}

function print(result: Result, asJson: boolean): void {
  const table = Object.keys(TABLES).find((field) => Array.isArray(result[field]));
  if (asJson || !table) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const rows = result[table] as Array<Record<string, unknown>>;
  process.stdout.write(`${rows.length ? renderTable(TABLES[table]!, rows) : '(none)'}\n${String(result.errMsg)}\n`);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(TOOL_HELP);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  if (command === 'authorizers') return runAuthorizers(RUN, args);
  if (command === 'batch' || command === 'worker') {
    // Loaded only here: the job engine and its database drivers stay out of every other command.
    process.exitCode = await (await import('../batch/cli')).batchMain(command, args);
    return;
  }
  const operation = OPERATIONS.find((candidate) => candidate.action === command) as AnyOperation | undefined;
  if (!operation) usageError(TOOL, `unknown command ${JSON.stringify(command)}: one of ${OPERATIONS.map((candidate) => candidate.action).join(', ')}`);
  const tool: Tool = { name: `wxplugin ${operation.action}`, help: `${RUN} ${operation.action} --help` };
  const fieldOptions = Object.fromEntries(Object.keys(operation.fields).map((name) => [flagOf(name), { type: 'string' as const }]));
  const options: NonNullable<ParseArgsConfig['options']> = {
    ...fieldOptions,
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  };
  if (operation.name === 'getPluginDevApplyList') options.all = { type: 'boolean', default: false };
  const values = parseOptions(tool, options, args) as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(commandHelp(operation));
    return;
  }
  const timeoutMs = readTimeout(tool, values.timeout as string | undefined);
  const all = values.all === true;
  const request: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(operation.fields)) {
    const raw = values[flagOf(name)];
    if (typeof raw === 'string') request[name] = field.fromText(raw);
  }
  if (all && request.num === undefined) request.num = DEV_APPLY_LIST_MAX_NUM;
  // Validated here, before any credential is read or anything sent: a bad argument exits 2.
  try {
    parseFields(operation.fields, request);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    usageError(tool, inFlags(operation, error.detail ?? error.message));
  }
  const credentials = readEnvironment(tool);
  const client = createHttpsClient({
    ...credentials,
    timeoutMs,
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  }) as unknown as Record<string, (request: Record<string, unknown>) => Promise<Result>>;
  const call = client[operation.name]!;
  const result = all ? await allPages(call, (request.page as number | undefined) ?? 1, request.num as number) : await call(request);
  print(result, values.json === true || !process.stdout.isTTY);
  const holds = result.errCode === 0 || (operation.alreadyHolds ?? []).includes(result.errCode);
  process.exitCode = holds ? 0 : 1;
  if (result.errCode === ProjectCode.INTERNAL) process.stderr.write(`${tool.name}: an unexpected failure; run again with --verbose and report the log line\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`wxplugin: unexpected failure: ${(error as Error).message}\n`);
  process.exit(1);
});
