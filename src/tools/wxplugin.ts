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
import { APPID_PATTERN, flagOf, parseFields, shownValue } from '../core/fields';
import type { AnyOperation, Paging } from '../core/operation';
import { MINI_PROGRAM_OPERATIONS, OPERATIONS } from '../core/operations';
import { createHttpsClient, DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS, setupProblem } from '../https/client';
import { endQuietlyWhenOutputCloses, exitWhenWritten, parseOptions, requireNode18, usageError, type Tool } from './cli';
import { renderTable, TABLES } from './tables';
import { forTerminal, jsonForTerminal, jsonTextForTerminal } from './terminal';
import { COMPONENT_ENVIRONMENT, readComponentEnvironment, runAuthorizers, TOKEN_COMMAND_OPTION } from './authorizers';
import { createComponentClient } from '../component/client';
import { flagWithValue, presenceNote } from './operation-lists';
import { endWithParent, rerunUnderBatchNode } from './batch-node';
import { BATCH_NODE_MIN } from '../batch/limits';

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

const COMMON_OPTIONS = `  --timeout MS        the whole command's time budget, retries and pages included, ${TIMEOUT_MIN_MS}-${TIMEOUT_MAX_MS} (default ${DEFAULT_HTTPS_TIMEOUT_MS})
  --json              print the result as JSON even on a terminal
  --verbose           also print the call's log line on stderr
  -h, --help          this text`;

function commandHelp(operation: AnyOperation): string {
  const fields = Object.entries(operation.fields).map(([name, field]) => {
    const left = `  ${flagWithValue(name, field)}`;
    const note = presenceNote(field);
    // A help text that already says "(required, ...)" needs no second note.
    const said = field.help.includes(`(${note.slice(1, -1)}`) ? '' : ` ${note}`;
    // At least two spaces between a long flag and its text: never "VERSIONthe ...".
    return `${left.length < 22 ? left.padEnd(22) : `${left}  `}${field.help}${said}`;
  });
  const paging = operation.paging;
  const extra = paging ? [`  --all               every page from --${flagOf(paging.pageField)} on, until an empty one (at most ${ALL_PAGES_BOUND} pages of --${flagOf(paging.sizeField)}, default ${paging.maxSize} with --all)`] : [];
  const throughComponent = MINI_PROGRAM_OPERATIONS.some((candidate) => candidate.name === operation.name);
  if (throughComponent) extra.push('  --authorizer APPID  act for this mini-program through the third-party platform (WECHAT_COMPONENT_*, below)', '  --token-command CMD  with --authorizer: the platform\'s own token server (WXPLUGIN_TOKEN_COMMAND, below)');
  return [
    `Usage: ${RUN} ${operation.action}${Object.keys(operation.fields).length ? ' [options]' : ''}`,
    '',
    `${operation.summary[0]!.toUpperCase()}${operation.summary.slice(1)}: ${operation.name} through POST ${operation.route.path}.`,
    '',
    'Options:',
    ...fields,
    ...extra,
    COMMON_OPTIONS,
    '',
    ENVIRONMENT,
    ...(throughComponent ? ['', COMPONENT_ENVIRONMENT.replace('Environment:', 'With --authorizer:')] : []),
    '',
  ].join('\n');
}

/**
 * The commands besides the registry's single calls, each with its one-line summary and its entry:
 * the main help, the unknown-command line and the dispatch all read this one list.
 */
const MORE_COMMANDS: ReadonlyArray<{ readonly name: string; readonly summary: string; readonly run: (args: readonly string[]) => Promise<number | void> }> = [
  { name: 'authorizers', summary: "list a third-party platform's authorisers and who granted plugin management", run: (args) => runAuthorizers(RUN, args) },
  {
    name: 'batch',
    summary: `one operation for many mini-programs, a durable run; runs, retry, cancel (\`${RUN} batch --help\`)`,
    // Loaded only here: the job engine and its database drivers stay out of every other command.
    run: async (args) => (await import('./batch')).batchMain('batch', args),
  },
  { name: 'worker', summary: `work the jobs of open batch runs (\`${RUN} worker --help\`)`, run: async (args) => (await import('./batch')).batchMain('worker', args) },
  {
    name: 'dashboard',
    summary: `see and steer a store's batch runs in a browser (\`${RUN} dashboard --help\`)`,
    // Loaded only here, like batch: its server and page stay out of every other command.
    run: async (args) => (await import('../dashboard/cli')).dashboardMain(RUN, args),
  },
];

const COMMAND_NAMES = [...OPERATIONS.map((operation) => operation.action), ...MORE_COMMANDS.map((command) => command.name)];

const TOOL_HELP = [
  `Usage: ${RUN} <command> [options]`,
  '',
  "Plugin management over WeChat's HTTPS API. Commands:",
  ...OPERATIONS.map((operation) => `  ${operation.action.padEnd(12)}${operation.summary}`),
  ...MORE_COMMANDS.map((command) => `  ${command.name.padEnd(12)}${command.summary}`),
  '',
  `\`${RUN} <command> --help\` (or \`${RUN} help <command>\`) lists a command's options. The result is printed as JSON`,
  '(a table for lists on a terminal). Exit status: 0 when the requested state holds, 1 for any other',
  'result, 2 for bad arguments or configuration (nothing is sent), 3 (batch and worker) when a run',
  'stopped with work left: resume it.',
  '',
  ENVIRONMENT,
  '',
  COMPONENT_ENVIRONMENT.replace('Environment:', 'Through a third-party platform (--authorizer APPID, authorizers, batch, worker):'),
  `  DATABASE_URL                     batch and worker: a PostgreSQL server to keep runs on (default: the
                                   embedded store in --store)`,
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
    usageError(tool, `--timeout takes a whole number of milliseconds from ${TIMEOUT_MIN_MS} to ${TIMEOUT_MAX_MS}, got ${shownValue(raw)}`);
  }
  return value;
}

/** Credentials and base URL from the environment, checked by the client's own rule; white space alone counts as unset. */
function readEnvironment(tool: Tool) {
  const value = (name: string) => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);
  const options = { accessToken: value('WECHAT_ACCESS_TOKEN'), appid: value('WECHAT_APPID'), secret: value('WECHAT_APPSECRET'), baseUrl: value('WECHAT_API_BASE_URL') };
  const problem = setupProblem(options, { accessToken: 'WECHAT_ACCESS_TOKEN', appid: 'WECHAT_APPID', secret: 'WECHAT_APPSECRET', baseUrl: 'WECHAT_API_BASE_URL' });
  if (problem) usageError(tool, problem.detail ?? problem.message);
  return options;
}

type Result = Record<string, unknown> & { errCode: number; attempts: number };

/** What --all needs from the command: one page within a budget, and whether a page may be asked for at all. */
interface Pager {
  readonly call: (request: Record<string, unknown>, budget: { timeoutMs: number }) => Promise<Result>;
  readonly validPage: (page: number) => boolean;
}

/**
/**
 * `--all` for an operation read a page at a time (its `paging`): pages from the given one (default
 * 1) until an empty one, at most ALL_PAGES_BOUND of them, all within the command's one deadline.
 * An empty page, not a short one, ends it: WeChat documents no largest page size, and a page it
 * silently capped below the size asked for would otherwise end the listing early while reporting
 * success. What was read is never discarded: when the bound, the largest page number or a failure
 * ends it, the result keeps the rows read and says `truncated: true`.
 */
async function allPages(pager: Pager, request: Record<string, unknown>, paging: Paging, deadline: number): Promise<Result> {
  const rows: unknown[] = [];
  const first = (request[paging.pageField] as number | undefined) ?? 1;
  let attempts = 0;
  let last: Result | undefined;
  for (let page = first; page < first + ALL_PAGES_BOUND; page += 1) {
    // Past the largest page a request may name: nothing more can be asked for.
    if (!pager.validPage(page)) return { ...last!, truncated: true };
    const result = await pager.call({ ...request, [paging.pageField]: page }, { timeoutMs: Math.max(deadline - Date.now(), 1) });
    attempts += result.attempts;
    if (result.errCode !== 0) return last ? { ...result, attempts, [paging.listKey]: rows, pages: page - first, truncated: true } : { ...result, attempts };
    const pageRows = (result[paging.listKey] as unknown[] | undefined) ?? [];
    last = { ...result, attempts, [paging.listKey]: rows, pages: page - first + 1 };
    if (pageRows.length === 0) return last;
    rows.push(...pageRows);
  }
  // The bound ended it, not an empty page: there may be more.
  return { ...last!, truncated: true };
}

function print(result: Result, asJson: boolean): void {
  const table = Object.keys(TABLES).find((field) => Array.isArray(result[field]));
  if (asJson || !table) {
    process.stdout.write(`${jsonForTerminal(result, 2)}\n`);
    return;
  }
  const rows = result[table] as Array<Record<string, unknown>>;
  process.stdout.write(`${rows.length ? renderTable(TABLES[table]!, rows) : '(none)'}\n${forTerminal(String(result.errMsg))}\n`);
}

/** `--authorizer APPID`: the mini-program a call acts for, through the platform; checked before anything is read or sent. */
function readAuthorizer(tool: Tool, raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !APPID_PATTERN.test(raw.trim())) usageError(tool, '--authorizer takes the appid of a mini-program that authorised the platform: "wx" followed by 16 lowercase hex digits');
  return raw.trim();
}

/**
 * One authoriser's call through the third-party platform, its credentials read as `wxplugin
 * authorizers` reads them. Its refresh token comes with its authorisation info, asked for when the
 * (memory) token store has none, as a batch does for an authoriser named in a file.
 */
function throughPlatform(tool: Tool, operation: AnyOperation, authorizer: string, values: Record<string, string | boolean | undefined>, timeoutMs: number, log: ((line: string) => void) | undefined): Pager['call'] {
  const component = createComponentClient({ ...readComponentEnvironment(tool, values), timeoutMs, ...(log ? { log } : {}) });
  const call = (component.forAuthorizer(authorizer) as unknown as Record<string, Pager['call']>)[operation.name]!;
  return async (request, budget) => {
    const result = await call(request, budget);
    if (result.errCode !== ProjectCode.NO_REFRESH_TOKEN) return result;
    const info = await component.getAuthorizerInfo(authorizer);
    return info.errCode === 0 ? call(request, budget) : (info as unknown as Result);
  };
}

/** A command as typed; what does not look like one is not echoed (it may be a secret in the wrong place). */
const shownCommand = (command: string): string => (/^[a-z][a-z-]{0,31}$/.test(command) ? JSON.stringify(command) : '(not shown)');

async function main(): Promise<void> {
  endQuietlyWhenOutputCloses();
  const batchCommand = ['batch', 'worker', 'dashboard'].includes(process.argv[2] ?? '');
  if (batchCommand) {
    // In this repository on an older Node: the same command under WeChat's Node 22.21 build.
    const rerun = rerunUnderBatchNode();
    if (rerun) {
      process.exitCode = await rerun;
      return;
    }
    endWithParent();
  }
  // batch, worker and dashboard need Node 22.12 (their job engine; tools/batch.ts says so in one line); say so on a Node too old for anything.
  requireNode18('wxplugin', batchCommand ? BATCH_NODE_MIN : '18.3');
  const startedAt = Date.now();
  const argv = process.argv.slice(2);
  // `wxplugin help` and `wxplugin help <command>` are the same as --help.
  const [command, ...args] = argv[0] === 'help' ? (argv.length > 1 ? [argv[1]!, '--help', ...argv.slice(2)] : ['--help']) : argv;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(TOOL_HELP);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  const more = MORE_COMMANDS.find((candidate) => candidate.name === command);
  if (more) {
    const code = await more.run(args);
    if (typeof code === 'number') process.exitCode = code;
    return;
  }
  const operation = OPERATIONS.find((candidate) => candidate.action === command) as AnyOperation | undefined;
  if (!operation) usageError(TOOL, `unknown command ${shownCommand(command)}: one of ${COMMAND_NAMES.join(', ')}`);
  const throughComponent = MINI_PROGRAM_OPERATIONS.some((candidate) => candidate.name === operation.name);
  const tool: Tool = { name: `wxplugin ${operation.action}`, help: `${RUN} ${operation.action} --help` };
  const fieldOptions = Object.fromEntries(Object.keys(operation.fields).map((name) => [flagOf(name), { type: 'string' as const }]));
  const options: NonNullable<ParseArgsConfig['options']> = {
    ...fieldOptions,
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  };
  if (operation.paging) options.all = { type: 'boolean', default: false };
  if (throughComponent) Object.assign(options, { authorizer: { type: 'string' } }, TOKEN_COMMAND_OPTION);
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
  if (all && operation.paging) request[operation.paging.sizeField] ??= operation.paging.maxSize;
  // Validated here, before any credential is read or anything sent: a bad argument exits 2.
  try {
    parseFields(operation.fields, request);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    usageError(tool, inFlags(operation, error.detail ?? error.message));
  }
  const log = values.verbose ? (line: string) => process.stderr.write(`${jsonTextForTerminal(line)}\n`) : undefined;
  const authorizer = readAuthorizer(tool, values.authorizer);
  if (values['token-command'] !== undefined && !authorizer) usageError(tool, '--token-command serves calls through the platform: add --authorizer APPID, or leave it out');
  const call = authorizer ? throughPlatform(tool, operation, authorizer, values, timeoutMs, log) : (createHttpsClient({ ...readEnvironment(tool), timeoutMs, log }) as unknown as Record<string, Pager['call']>)[operation.name]!;
  // --timeout bounds the whole command, from its start: every page of --all shares it.
  const deadline = startedAt + timeoutMs;
  const paging = operation.paging;
  const validPage = (page: number) => {
    try {
      parseFields(operation.fields, { ...request, [paging!.pageField]: page });
      return true;
    } catch {
      return false;
    }
  };
  const result = all && paging
    ? await allPages({ call, validPage }, request, paging, deadline)
    : await call(request, { timeoutMs: Math.max(deadline - Date.now(), 1) });
  print(result, values.json === true || !process.stdout.isTTY);
  const holds = result.errCode === 0 || (operation.alreadyHolds ?? []).includes(result.errCode);
  if (result.errCode === ProjectCode.INTERNAL) process.stderr.write(`${tool.name}: an unexpected failure; run again with --verbose and report the log line\n`);
  // Done once printed: a token fetch still under way (given up on at the deadline) must not keep
  // the process alive for its own few seconds.
  exitWhenWritten(holds ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`wxplugin: unexpected failure: ${forTerminal(String((error as Error).message))}\n`);
  process.exit(1);
});
