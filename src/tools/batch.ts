/**
 * `wxplugin batch apply|update|unbind|list`, `wxplugin batch resume|status [RUN]` and
 * `wxplugin worker`: one operation over many authorised mini-programs, through the third-party
 * platform, as a durable run on pg-boss (docs/third-party.md, "Batch runs").
 *
 * Loaded only by those commands, so the job engine and its drivers never load for a single call.
 */
import type { AnyOperation } from '../core/operation';
import { shownValue } from '../core/fields';
import { MINI_PROGRAM_OPERATIONS } from '../core/operations';
import type { ParseArgsConfig } from 'node:util';
import { createComponentClient } from '../component/client';
import { usageError, type Tool } from './cli';
import { forTerminal, jsonForTerminal } from './terminal';
import { openBatch } from '../batch/api';
import type { Batch, BatchDriveOptions, BatchItem, BatchRunInfo, BatchRunResult, BatchRunSummary } from '../batch/api-types';
import { AUTHORIZER_LINE_MAX, authorizerFilePages } from '../batch/authorizer-file';
import { DEFAULT_JOB_TIMEOUT_S, DEFAULT_STORE_DIR, JOB_TIMEOUT_BOUNDS, CONCURRENCY_BOUNDS, MAX_RATE, MIN_RATE, TIMEOUT_BOUNDS } from '../batch/limits';
import {
  checkAuthorizerFile,
  DEFAULTS,
  operationOptions,
  parseWith,
  readCredentials,
  readRate,
  readRequest,
  readWhere,
  requireBatchNode,
  STORE_OPTIONS,
  wholeNumber,
  WORK_OPTIONS,
  type ComponentCredentials,
  type Where,
} from './batch-options';
import { DAILY_QUOTA_SPENT, exitCodeOf, EXIT_BAD_ARGUMENTS, EXIT_DONE, EXIT_REFUSED_OR_FAILED, EXIT_UNFINISHED, MAX_TRIES, MINUTE_QUOTA_SPENT, NOT_AUTHORISED } from '../batch/outcome';
import { DEFAULT_RATE } from '../batch/limiter';
import { jsonProgress, terminalProgress, type Progress } from './batch-progress';
import { countsText, summaryLine, writeJsonReport, writeTextReport, type ReportText } from './batch-report';

/** Every text from WeChat, a file or the store goes to the terminal through the one sanitiser. */
const TERMINAL: ReportText = { line: forTerminal, json: (value) => jsonForTerminal(value) };

const RUN = ['wxplugin'].includes(process.env.npm_lifecycle_event ?? '') ? 'npm run -s wxplugin --' : 'wxplugin';
const BATCH_TOOL: Tool = { name: 'wxplugin batch', help: `${RUN} batch --help` };
const WORKER_TOOL: Tool = { name: 'wxplugin worker', help: `${RUN} worker --help` };

const ENVIRONMENT = `Environment:
  WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET   the third-party platform's credentials
  WECHAT_COMPONENT_VERIFY_TICKET   the latest ticket WeChat pushed, or @FILE holding it (kept in the store)
  WXPLUGIN_TOKEN_COMMAND           as --token-command (then only WECHAT_COMPONENT_APPID is needed)
  WECHAT_API_BASE_URL              default https://api.weixin.qq.com
  DATABASE_URL                     a PostgreSQL server to keep runs on, shared by \`wxplugin worker\`
                                   on any machine; without it, the embedded store in --store`;

const WORK_HELP = `  --concurrency N     calls in flight in this process (default: half the rate, at most 128)
  --timeout MS        each call's budget, retries and token fetches included (default ${DEFAULTS.timeoutMs})
  --store DIR         the embedded store's folder (default ./${DEFAULT_STORE_DIR}); one process at a time
  --token-command CMD the platform's own token server: CMD runs through the shell with
                      "component" or "authorizer APPID" appended and prints
                      {"access_token":"…","expires_in":7200}; then no token is fetched from WeChat
                      and neither the secret nor the ticket is needed (also WXPLUGIN_TOKEN_COMMAND)`;

const ACTIONS = MINI_PROGRAM_OPERATIONS.map((operation) => operation.action).join('|');

const BATCH_HELP = `Usage: ${RUN} batch <${ACTIONS}> (--all | --authorizers FILE) [options]
       ${RUN} batch runs [--json]
       ${RUN} batch status [RUN] [--json]
       ${RUN} batch resume [RUN] [--rate N] [options]
       ${RUN} batch retry [RUN] [--codes 61007,45011] [--rate N] [options]
       ${RUN} batch cancel [RUN] [--json]

Runs one operation for many mini-programs that authorised the third-party platform: each
authoriser is one job, done at most once with success, kept on disk (pg-boss on PostgreSQL), so a
run survives a crash and \`batch resume\` finishes it without redoing what is done.

Options (besides the operation's own, as for a single call):
  --all               every authoriser, from api_get_authorizer_list
  --authorizers FILE  one appid per line (lines of at most ${AUTHORIZER_LINE_MAX} characters)
  --rate N            calls per second to WeChat for the whole platform, all workers together,
                      ${MIN_RATE} to ${MAX_RATE} (default: half the figure WeChat's quota/get gives for
                      the platform, component_rate_limit; ${DEFAULT_RATE} when it gives none); on resume and
                      retry, the run's new bound (kept on the run)
  --job-timeout S     a job whose worker dies is handed out again after this (default ${DEFAULT_JOB_TIMEOUT_S})
  --dry-run           list the authorisers that would be called (with --json, one {"authorizerAppid"}
                      a line); nothing is sent to /wxa/, no run is recorded
  --json              the report as one JSON object per authoriser, then the totals
${WORK_HELP}

Steering runs (RUN defaults to the newest run of the store):
  runs                every run of the store, newest first, with its state and counts
  status              a run's counts, by outcome and by code
  resume              carries a run on without redoing what is done
  retry               calls again the authorisers that did not succeed (failed, not authorised,
                      deferred, cancelled), or with --codes only those whose last code is listed;
                      a success is never repeated
  cancel              what is pending or deferred is cancelled (a later retry takes it again)

${NOT_AUTHORISED} (plugin management not granted) and other refusals are recorded, not retried; ${DAILY_QUOTA_SPENT} (the
mini-program's daily quota) defers the job until after WeChat's reset (00:05 China time); -1,
${MINUTE_QUOTA_SPENT}, network faults and timeouts are retried with backoff, at most ${MAX_TRIES} tries.
Exit status: 0 every authoriser succeeded or already was so; 1 any was refused or failed; 3 the
run stopped with authorisers deferred, pending or cancelled (resume or retry it later, also after
Ctrl-C or SIGTERM); 2 bad arguments (nothing sent).

${ENVIRONMENT}
`;

const WORKER_HELP = `Usage: ${RUN} worker [options]

Works the jobs of every open run of the platform in WECHAT_COMPONENT_APPID, with DATABASE_URL on
as many machines as you like (the embedded store serves one process). Stops on Ctrl-C or SIGTERM
after the calls in flight.

Options:
  --exit-when-idle    stop once no run has work left
${WORK_HELP}

${ENVIRONMENT}
`;

type Values = Record<string, string | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

/** What every command that calls WeChat reads besides its own flags: the call budget, the credentials, the store, the concurrency. */
function readWorkSettings(tool: Tool, values: Values): { timeoutMs: number; credentials: ComponentCredentials; where: Where; concurrency?: number } {
  const timeoutMs = wholeNumber(tool, 'timeout', values.timeout, DEFAULTS.timeoutMs, TIMEOUT_BOUNDS.min, TIMEOUT_BOUNDS.max);
  const concurrency = values.concurrency === undefined ? undefined : wholeNumber(tool, 'concurrency', values.concurrency, 1, CONCURRENCY_BOUNDS.min, CONCURRENCY_BOUNDS.max);
  return { timeoutMs, credentials: readCredentials(tool, values), where: readWhere(tool, values), ...(concurrency ? { concurrency } : {}) };
}

/**
 * `existing`: a command that must not create a store (a typo in --store is then exit 2, nothing made):
 * every command but `batch apply|update|unbind|list` (and a worker on a server, which may make the schema).
 */
const storeOf = (where: Where, existing: boolean) => ({ ...(where.databaseUrl ? { databaseUrl: where.databaseUrl } : { dir: where.dir }), existing });

/** The library's batch over what the command line read; closed when `work` settles. */
async function withBatch<T>(settings: { timeoutMs?: number; credentials?: ComponentCredentials; where: Where; existing?: boolean }, work: (batch: Batch) => Promise<T>): Promise<T> {
  const batch = openBatch({ componentAppid: '', ...settings.credentials, store: storeOf(settings.where, settings.existing === true), ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}) });
  try {
    return await work(batch);
  } finally {
    await batch.close();
  }
}

/** An answer that is not a run: a bad argument the store revealed (exit 2, one line), or the store failing mid-way (exit 1). */
function refused(tool: Tool, result: { errMsg: string; attempts: number }): number {
  const message = result.errMsg.replace(/^[\w.]+:fail /, '');
  if (result.attempts === 0) usageError(tool, message);
  process.stderr.write(`${tool.name}: ${forTerminal(message)}\n`);
  return EXIT_REFUSED_OR_FAILED;
}

/** Ctrl-C or SIGTERM: stop after the calls in flight (the second one: at once). */
function onSignals(first: () => void): () => void {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(EXIT_UNFINISHED);
    stopping = true;
    first();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

function progressFor(runId: string): Progress {
  return process.stderr.isTTY ? terminalProgress(process.stderr, runId) : jsonProgress((line) => process.stderr.write(line), runId);
}

/** The authorisers of a run, flattened from the library's pages (a failed page is said on stderr). */
async function* itemsOf(batch: Batch, runId: string, onlyUnsuccessful: boolean): AsyncGenerator<BatchItem> {
  for await (const page of batch.items(runId, { onlyUnsuccessful })) {
    if (page.errCode !== 0) process.stderr.write(`wxplugin batch: the report is incomplete: ${forTerminal(page.errMsg)}\n`);
    yield* page.items;
  }
}

/**
 * Drives a run through the library (start or resume), showing progress and stopping on a signal;
 * then the report and the exit status.
 */
async function driveAndReport(tool: Tool, batch: Batch, values: Values, begin: (options: BatchDriveOptions) => Promise<BatchRunResult>, announce: (run: BatchRunInfo) => string): Promise<number> {
  const controller = new AbortController();
  let runId: string | undefined;
  let progress: Progress | undefined;
  const release = onSignals(() => {
    controller.abort();
    process.stderr.write(`\nwxplugin batch: stopping after the calls in flight; \`${RUN} batch resume${runId ? ` ${runId}` : ''}\` carries on\n`);
  });
  let result: BatchRunResult;
  try {
    result = await begin({
      signal: controller.signal,
      onStart: (run) => {
        runId = run.runId;
        process.stderr.write(`${announce(run)}\n`);
        progress = progressFor(run.runId);
      },
      onProgress: (counts, listed) => progress?.update(counts, listed),
      onWarning: (message) => process.stderr.write(`wxplugin batch: ${forTerminal(message)}\n`),
    });
  } finally {
    progress?.stop();
    release();
  }
  if (!result.runId || !result.counts) return refused(tool, result);
  if (result.kind === 'platformFault') {
    // The platform's own fault: nothing was recorded against any authoriser, so there is no report; one line says what to fix.
    process.stderr.write(`wxplugin batch: run ${result.runId} stopped: ${result.errMsg.replace(/^[\w.]+:fail /, '')}; \`${RUN} batch resume ${result.runId}\` carries on once it is fixed\n`);
    return EXIT_REFUSED_OR_FAILED;
  }
  const { counts } = result;
  const write = (text: string) => process.stdout.write(text);
  if (values.json === true) await writeJsonReport(itemsOf(batch, result.runId, false), result.runId, counts, write, TERMINAL);
  else await writeTextReport(itemsOf(batch, result.runId, true), result.runId, counts, write, TERMINAL);
  if (result.kind === 'listingFailed') {
    process.stderr.write(`wxplugin batch: listing the authorisers failed, so the run is not all enqueued: ${forTerminal(result.listing!.errMsg)} (code ${result.listing!.errCode}); \`${RUN} batch resume ${result.runId}\` lists again\n`);
    return EXIT_REFUSED_OR_FAILED;
  }
  if (counts.deferred) {
    process.stderr.write(`wxplugin batch: ${counts.deferred} deferred by their daily quota (45009) until ${result.deferredUntil?.toISOString() ?? 'the reset'}: run \`${RUN} batch resume ${result.runId}\` after then, or keep \`${RUN} worker\` running\n`);
  }
  if (counts.pending) process.stderr.write(`wxplugin batch: ${counts.pending} not finished: \`${RUN} batch resume ${result.runId}\` carries on\n`);
  else if (result.kind === 'stopped') process.stderr.write(`wxplugin batch: stopped before every authoriser was listed: \`${RUN} batch resume ${result.runId}\` carries on\n`);
  if (counts.cancelled) process.stderr.write(`wxplugin batch: ${counts.cancelled} cancelled: \`${RUN} batch retry ${result.runId}\` calls them again\n`);
  return stoppedExit(result.kind, exitCodeOf(counts));
}

/** A run the signal stopped has work left, whatever its counts say so far (it may not be all listed yet). */
const stoppedExit = (kind: BatchRunResult['kind'], code: number): number => (kind === 'stopped' && code === EXIT_DONE ? EXIT_UNFINISHED : code);

async function startRun(operation: AnyOperation, args: readonly string[]): Promise<number> {
  const tool: Tool = { name: `wxplugin batch ${operation.action}`, help: `${RUN} batch --help` };
  const values = parseWith(tool, { ...operationOptions(operation), 'dry-run': { type: 'boolean', default: false } }, args);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return 0;
  }
  const request = readRequest(tool, operation, values);
  if (values.all === true && typeof values.authorizers === 'string') usageError(tool, '--all and --authorizers FILE are both given: say which authorisers, not both');
  if (values.all !== true && typeof values.authorizers !== 'string') usageError(tool, 'say which authorisers: --all, or --authorizers FILE (one appid per line)');
  const rate = values.rate === undefined ? undefined : readRate(tool, values.rate);
  const jobTimeout = wholeNumber(tool, 'job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_S, JOB_TIMEOUT_BOUNDS.min, JOB_TIMEOUT_BOUNDS.max);
  const file = typeof values.authorizers === 'string' ? await checkAuthorizerFile(tool, values.authorizers) : undefined;
  if (values['dry-run'] === true) return dryRun(tool, operation, values, file);
  const settings = readWorkSettings(tool, values);
  const which = file ? `the authorisers in ${forTerminal(String(values.authorizers))}` : 'every authoriser';
  return withBatch(settings, (batch) =>
    driveAndReport(
      tool,
      batch,
      values,
      (drive) =>
        batch.start({
          operation: operation.name,
          request,
          authorizers: file ? { file } : 'all',
          ...(rate ? { rate } : {}),
          jobTimeout,
          ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
          ...drive,
        } as Parameters<Batch['start']>[0]),
      (run) => `wxplugin batch: run ${run.runId}: ${operation.name} for ${which}, at most ${run.rate} calls/s${rate ? '' : ' (half WeChat\'s figure for the platform, or the default without one)'}`,
    ),
  );
}

/**
 * `--dry-run`: the authorisers the run would call, from the file or from WeChat's listing (the
 * component's own requests only); nothing is sent to /wxa/, no store is opened, no run recorded.
 */
async function dryRun(tool: Tool, operation: AnyOperation, values: Values, file: string | undefined): Promise<number> {
  const asJson = values.json === true;
  let count = 0;
  const controller = new AbortController();
  const release = onSignals(() => controller.abort());
  try {
    for await (const page of file ? authorizerFilePages(file) : listedAppids(tool, values)) {
      for (const appid of page) process.stdout.write(asJson ? `${jsonForTerminal({ authorizerAppid: appid })}\n` : `${forTerminal(appid)}\n`);
      count += page.length;
      if (controller.signal.aborted) break;
    }
  } catch (error) {
    process.stderr.write(`${tool.name}: listing the authorisers failed: ${forTerminal(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT_REFUSED_OR_FAILED;
  } finally {
    release();
  }
  process.stderr.write(`${tool.name}: dry run: ${operation.name} would be called for ${count} authoriser(s); nothing sent, no run recorded\n`);
  return controller.signal.aborted ? EXIT_UNFINISHED : EXIT_DONE;
}

/** Every authoriser WeChat lists for the platform, a page at a time, through the component client `wxplugin authorizers` uses. */
async function* listedAppids(tool: Tool, values: Values): AsyncGenerator<string[]> {
  const { credentials, timeoutMs } = readWorkSettings(tool, values);
  const client = createComponentClient({ ...credentials, timeoutMs });
  for await (const page of client.listAuthorizers()) {
    if (page.errCode !== 0) throw new Error(page.errMsg);
    yield page.authorizers.map((authorizer) => authorizer.authorizerAppid);
  }
}

/** `resume [RUN]` and `status [RUN]`: an optional run id first, then options. */
function splitRunId(args: readonly string[]): [string | undefined, string[]] {
  return args[0] !== undefined && !args[0].startsWith('-') ? [args[0], args.slice(1)] : [undefined, [...args]];
}

const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h', default: false } };
const JSON_OPTION: Options = { json: { type: 'boolean', default: false } };

/** `--codes 61007,45011`: WeChat's (or the project's) codes, whole numbers. */
function readCodes(tool: Tool, raw: string | boolean | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^-?\d{1,9}(,-?\d{1,9})*$/.test(raw.replace(/\s/g, ''))) usageError(tool, `--codes takes codes separated by commas, such as 61007,45011, got ${shownValue(raw)}`);
  return [...new Set(raw.replace(/\s/g, '').split(',').map(Number))];
}

/** `resume` and `retry`: a run carried on in this process, with a new rate when given. */
async function carryOn(command: 'resume' | 'retry', args: readonly string[]): Promise<number> {
  const tool: Tool = { name: `wxplugin batch ${command}`, help: `${RUN} batch --help` };
  const [id, rest] = splitRunId(args);
  const extra: Options = command === 'retry' ? { codes: { type: 'string' } } : {};
  const values = parseWith(tool, { ...JSON_OPTION, ...HELP_OPTION, rate: { type: 'string' }, ...extra, ...STORE_OPTIONS, ...WORK_OPTIONS }, rest);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return 0;
  }
  const rate = values.rate === undefined ? undefined : readRate(tool, values.rate);
  const codes = readCodes(tool, values.codes);
  const settings = readWorkSettings(tool, values);
  const options = { ...(settings.concurrency ? { concurrency: settings.concurrency } : {}), ...(rate !== undefined ? { rate } : {}), ...(codes ? { codes } : {}) };
  const bound = rate !== undefined ? `, now at most ${rate} calls/s` : '';
  return withBatch({ ...settings, existing: true }, (batch) =>
    driveAndReport(
      tool,
      batch,
      values,
      (drive) => (command === 'retry' ? batch.retry(id, { ...options, ...drive }) : batch.resume(id, { ...options, ...drive })),
      ({ runId }) =>
        command === 'retry'
          ? `wxplugin batch: retrying run ${runId}: ${codes ? `the authorisers whose last code is ${codes.join(', ')}` : 'every authoriser that did not succeed'}${bound}`
          : `wxplugin batch: resuming run ${runId}${bound}`,
    ),
  );
}

/**
 * A command on a store that must already exist (status, runs, cancel): its options and help, then
 * the batch opened on that store alone (no credentials: these never call WeChat).
 */
function onExistingStore(command: 'status' | 'runs' | 'cancel', args: readonly string[], work: (tool: Tool, batch: Batch, values: Values, runId: string | undefined) => Promise<number>): Promise<number> {
  const tool: Tool = { name: `wxplugin batch ${command}`, help: `${RUN} batch --help` };
  const [runId, rest] = command === 'runs' ? [undefined, args] : splitRunId(args);
  const values = parseWith(tool, { ...JSON_OPTION, ...HELP_OPTION, ...STORE_OPTIONS }, rest);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return Promise.resolve(0);
  }
  return withBatch({ where: readWhere(tool, values), existing: true }, (batch) => work(tool, batch, values, runId));
}

async function status(args: readonly string[]): Promise<number> {
  return onExistingStore('status', args, async (tool, batch, values, id) => {
    const result = await batch.status(id);
    if (!result.run || !result.counts) return refused(tool, result);
    const { run, counts, jobs, deferredUntil } = result;
    const byCode = result.byCode ?? [];
    if (values.json === true) {
      const extra = { operation: run.operation, state: result.state, listed: run.listed, jobs, rate: run.rate, byCode, ...(deferredUntil ? { deferredUntil: deferredUntil.toISOString() } : {}) };
      process.stdout.write(`${jsonForTerminal({ ...JSON.parse(summaryLine(run.runId, counts)), pending: counts.pending, ...extra })}\n`);
    } else {
      process.stdout.write(
        [
          `run ${run.runId}: ${run.operation} ${jsonForTerminal(run.request)}, started ${run.createdAt.toISOString()}, at most ${run.rate} calls/s, ${result.state}`,
          countsText(counts),
          ...byCode.map((entry) => `  ${String(entry.count).padStart(8)}  ${entry.state}  ${entry.code ?? 'not called'}`),
          `${run.listed ? 'every authoriser enqueued' : 'not every authoriser enqueued yet'}; ${jobs} job(s) queued or running${deferredUntil ? `; deferred until ${deferredUntil.toISOString()}` : ''}`,
          '',
        ].join('\n'),
      );
    }
    return exitCodeOf(counts);
  });
}

/** One run in `batch runs --json`: its id, what it does, how it stands, its counts. */
function runObject(run: BatchRunSummary): Record<string, unknown> {
  return { run: run.runId, operation: run.operation, pluginAppid: run.pluginAppid ?? null, created: run.createdAt.toISOString(), state: run.state, rate: run.rate, ...run.counts };
}

async function runs(args: readonly string[]): Promise<number> {
  return onExistingStore('runs', args, async (tool, batch, values) => {
    const result = await batch.runs();
    if (!result.runs) return refused(tool, result);
    for (const run of result.runs) {
      if (values.json === true) process.stdout.write(`${jsonForTerminal(runObject(run))}\n`);
      else process.stdout.write(`${run.runId}  ${run.operation.padEnd(13)}  ${(run.pluginAppid ?? '-').padEnd(18)}  ${run.createdAt.toISOString()}  ${run.state.padEnd(9)}  ${countsText(run.counts)}\n`);
    }
    if (values.json !== true && result.runs.length === 0) process.stdout.write('(no run in this store)\n');
    return EXIT_DONE;
  });
}

async function cancel(args: readonly string[]): Promise<number> {
  return onExistingStore('cancel', args, async (tool, batch, values, id) => {
    const result = await batch.cancel(id);
    if (!result.runId || !result.counts) return refused(tool, result);
    if (values.json === true) process.stdout.write(`${jsonForTerminal({ ...JSON.parse(summaryLine(result.runId, result.counts)), cancelledNow: result.cancelled })}\n`);
    else process.stdout.write(`run ${result.runId}: ${result.cancelled} cancelled now; ${countsText(result.counts)}\n`);
    if (result.counts.cancelled) process.stderr.write(`wxplugin batch: \`${RUN} batch retry ${result.runId}\` calls the cancelled ones again\n`);
    return EXIT_DONE;
  });
}

async function worker(args: readonly string[]): Promise<number> {
  const values = parseWith(WORKER_TOOL, { 'exit-when-idle': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...STORE_OPTIONS, ...WORK_OPTIONS }, args);
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  const settings = readWorkSettings(WORKER_TOOL, values);
  // An embedded store must be there already; workers sharing a server may start before its first run
  // (processes starting together on an empty database take turns making the schema: store.ts).
  return withBatch({ ...settings, existing: !settings.where.databaseUrl }, async (batch) => {
    const controller = new AbortController();
    const release = onSignals(() => controller.abort());
    try {
      const result = await batch.work({
        signal: controller.signal,
        exitWhenIdle: values['exit-when-idle'] === true,
        ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
        onWarning: (message) => process.stderr.write(`wxplugin worker: ${forTerminal(message)}\n`),
      });
      if (result.errCode !== 0) return refused(WORKER_TOOL, result);
      process.stderr.write(`wxplugin worker: stopped${result.stopped ? '' : ': no run has work left'}\n`);
      return 0;
    } finally {
      release();
    }
  });
}

/** Entry from wxplugin: `batch ...` or `worker ...`; resolves with the exit status. */
export async function batchMain(command: 'batch' | 'worker', args: readonly string[]): Promise<number> {
  requireBatchNode(command === 'worker' ? WORKER_TOOL : BATCH_TOOL);
  if (command === 'worker') return worker(args);
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    process.stdout.write(BATCH_HELP);
    return sub === undefined ? EXIT_BAD_ARGUMENTS : 0;
  }
  const steering: Record<string, (args: readonly string[]) => Promise<number>> = { runs, status, resume: (args) => carryOn('resume', args), retry: (args) => carryOn('retry', args), cancel };
  if (Object.hasOwn(steering, sub)) return steering[sub]!(rest);
  const operation = MINI_PROGRAM_OPERATIONS.find((candidate) => candidate.action === sub) as AnyOperation | undefined;
  if (!operation) usageError(BATCH_TOOL, `unknown batch command ${shownValue(sub)}: one of ${[...MINI_PROGRAM_OPERATIONS.map((candidate) => candidate.action), ...Object.keys(steering)].join(', ')}`);
  return startRun(operation, rest);
}
