/**
 * `wxplugin batch apply|update|unbind|list`, `wxplugin batch resume|status [RUN]` and
 * `wxplugin worker`: one operation over many authorised mini-programs, through the third-party
 * platform, as a durable run on pg-boss (docs/third-party.md, "Batch runs").
 *
 * Loaded only by those commands, so the job engine and its drivers never load for a single call.
 */
import { createComponentClient } from '../component/client';
import type { AnyOperation } from '../core/operation';
import { MINI_PROGRAM_OPERATIONS } from '../core/operations';
import { usageError, type Tool } from '../tools/cli';
import type { BatchComponent } from './component';
import { StoreBusyError } from './dir-lock';
import { driveRun, ListingError, requeuePending, type DriveEnd } from './drive';
import { ensureRateRow, SharedLimiter, sqlReserve } from './limiter';
import {
  authorizerFilePages,
  checkAuthorizerFile,
  DEFAULT_JOB_TIMEOUT_S,
  DEFAULT_STORE_DIR,
  DEFAULTS,
  operationOptions,
  parseWith,
  readCredentials,
  readRate,
  readRequest,
  readWhere,
  requireNode20,
  STORE_OPTIONS,
  wholeNumber,
  WORK_OPTIONS,
  type ComponentCredentials,
  type Where,
} from './options';
import { exitCodeOf, EXIT_BAD_ARGUMENTS, EXIT_REFUSED_OR_FAILED, EXIT_UNFINISHED, type Counts } from './outcome';
import { jsonProgress, terminalProgress, type Progress } from './progress';
import { countsText, summaryLine, writeJsonReport, writeTextReport } from './report';
import { countRun, createRun, latestRun, liveJobs, newRunId, nextDeferred, openRuns, readRun, type RunRecord } from './runs';
import { sqlComponentStore } from './sql-store';
import { openStore, type BatchStore } from './store';
import { workRun } from './worker';

const RUN = ['wxplugin'].includes(process.env.npm_lifecycle_event ?? '') ? 'npm run -s wxplugin --' : 'wxplugin';
const BATCH_TOOL: Tool = { name: 'wxplugin batch', help: `${RUN} batch --help` };
const WORKER_TOOL: Tool = { name: 'wxplugin worker', help: `${RUN} worker --help` };

const ENVIRONMENT = `Environment:
  WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET   the third-party platform's credentials
  WECHAT_COMPONENT_VERIFY_TICKET   the latest ticket WeChat pushed, or @FILE holding it (kept in the store)
  WECHAT_API_BASE_URL              default https://api.weixin.qq.com
  DATABASE_URL                     a PostgreSQL server to keep runs on, shared by \`wxplugin worker\`
                                   on any machine; without it, the embedded store in --store`;

const WORK_HELP = `  --concurrency N     calls in flight in this process (default: half the rate, at most 128)
  --timeout MS        each call's budget, retries and token fetches included (default ${DEFAULTS.timeoutMs})
  --store DIR         the embedded store's folder (default ./${DEFAULT_STORE_DIR}); one process at a time`;

const BATCH_HELP = `Usage: ${RUN} batch <apply|update|unbind|list> (--all | --authorizers FILE) [options]
       ${RUN} batch resume [RUN] [options]
       ${RUN} batch status [RUN] [--json]

Runs one operation for many mini-programs that authorised the third-party platform: each
authoriser is one job, done at most once with success, kept on disk (pg-boss on PostgreSQL), so a
run survives a crash and \`batch resume\` finishes it without redoing what is done.

Options (besides the operation's own, as for a single call):
  --all               every authoriser, from api_get_authorizer_list
  --authorizers FILE  one appid per line
  --rate N            calls per second to WeChat for the whole platform, all workers together
                      (default 20: WeChat publishes no per-platform figure)
  --job-timeout S     a job whose worker dies is handed out again after this (default ${DEFAULT_JOB_TIMEOUT_S})
  --json              the report as one JSON object per authoriser, then the totals
${WORK_HELP}

61007 (plugin management not granted) and other refusals are recorded, not retried; 45009 (the
mini-program's daily quota) defers the job until after WeChat's reset (00:05 China time); -1,
network faults and timeouts are retried with backoff, at most 5 tries.
Exit status: 0 every authoriser succeeded or already was so; 1 any was refused or failed; 3 the
run stopped with authorisers deferred or pending (resume it later); 2 bad arguments (nothing sent).

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

/** About one second of authorisers in flight (each needs about two requests, each waits for its slot). */
const defaultConcurrency = (rate: number): number => Math.max(1, Math.min(128, Math.ceil(rate / 2)));

/** What every command that calls WeChat reads besides its own flags: the call budget, the credentials, the store. */
function readWorkSettings(tool: Tool, values: Values): { timeoutMs: number; credentials: ComponentCredentials; where: Where } {
  const timeoutMs = wholeNumber(tool, 'timeout', values.timeout, DEFAULTS.timeoutMs, 100, 600_000);
  wholeNumber(tool, 'concurrency', values.concurrency, 1, 1, 1000);
  return { timeoutMs, credentials: readCredentials(tool), where: readWhere(tool, values) };
}

/** Runs `work` with the store open, turning store problems into one line and exit 2. */
async function withStore<T>(tool: Tool, where: Where, work: (store: BatchStore) => Promise<T>): Promise<T> {
  let store: BatchStore;
  try {
    store = await openStore(where);
  } catch (error) {
    const message = error instanceof StoreBusyError ? error.message : `the store could not be opened: ${(error as Error).message.split('\n')[0]}`;
    return usageError(tool, message);
  }
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

interface Context {
  readonly store: BatchStore;
  readonly credentials: ComponentCredentials;
  readonly timeoutMs: number;
}

function componentFor(context: Context, rate: number): BatchComponent {
  const { db } = context.store;
  const key = `component:${context.credentials.componentAppid}`;
  const limiter = new SharedLimiter(sqlReserve(db, key, rate), Math.max(1, Math.min(100, Math.ceil(rate / 10))));
  const store = sqlComponentStore(db, context.credentials.componentAppid);
  const client = createComponentClient({
    ...context.credentials,
    store,
    beforeRequest: () => limiter.take(),
    timeoutMs: context.timeoutMs,
  });
  return {
    forAuthorizer: (appid) => client.forAuthorizer(appid) as unknown as ReturnType<BatchComponent['forAuthorizer']>,
    listAuthorizers: () => client.listAuthorizers(),
    prime: (appids) => store.prime(appids),
    fetchRefreshToken: (appid) => client.getAuthorizerInfo(appid),
  };
}

async function* listedPages(component: BatchComponent): AsyncGenerator<string[]> {
  for await (const page of component.listAuthorizers()) {
    if (page.errCode !== 0) throw new ListingError(page.errCode, page.errMsg);
    if (page.authorizers.length) yield page.authorizers.map((authorizer) => authorizer.authorizerAppid);
  }
}

function progressFor(runId: string): Progress {
  return process.stderr.isTTY ? terminalProgress(process.stderr, runId) : jsonProgress((line) => process.stderr.write(line), runId);
}

const operationOf = (name: string): AnyOperation | undefined => MINI_PROGRAM_OPERATIONS.find((operation) => operation.name === name) as AnyOperation | undefined;

/** Works a run to its end (or a signal), showing progress; then the report and the exit status. */
async function finishRun(context: Context, run: RunRecord, pages: AsyncIterable<readonly string[]> | undefined, values: Values): Promise<number> {
  const { db, boss } = context.store;
  const operation = operationOf(run.operation)!;
  await ensureRateRow(db, `component:${context.credentials.componentAppid}`);
  const concurrency = wholeNumber(BATCH_TOOL, 'concurrency', values.concurrency, defaultConcurrency(run.rate), 1, 1000);
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(EXIT_UNFINISHED);
    stopping = true;
    process.stderr.write(`\nwxplugin batch: stopping after the calls in flight; \`${RUN} batch resume ${run.id}\` carries on\n`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const progress = progressFor(run.id);
  let listed = run.listed;
  const tick = async () => {
    const counts = await countRun(db, run.id).catch(() => undefined);
    if (counts) progress.update(counts, listed || !pages);
  };
  const timer = setInterval(() => void tick(), 1000);
  let end: DriveEnd;
  try {
    end = await driveRun({
      db,
      boss,
      run,
      component: componentFor(context, run.rate),
      alreadyHolds: operation.alreadyHolds ?? [],
      concurrency,
      ...(pages ? { pages: markEnd(pages, () => (listed = true)) } : {}),
      shouldStop: () => stopping,
      onError: (error) => process.stderr.write(`wxplugin batch: the store failed while recording (the job will run again): ${(error as Error).message}\n`),
    });
  } finally {
    clearInterval(timer);
    await tick();
    progress.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await report(context.store, run.id, end.counts, values.json === true);
  if (end.kind === 'listingFailed') {
    process.stderr.write(`wxplugin batch: listing the authorisers failed, so the run is not all enqueued: ${end.errMsg} (code ${end.errCode}); \`${RUN} batch resume ${run.id}\` lists again\n`);
    return EXIT_REFUSED_OR_FAILED;
  }
  await explainUnfinished(context.store, run.id, end.counts);
  return exitCodeOf(end.counts);
}

async function* markEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* source;
  onEnd();
}

async function report(store: BatchStore, runId: string, counts: Counts, json: boolean): Promise<void> {
  const write = (text: string) => process.stdout.write(text);
  if (json) await writeJsonReport(store.db, runId, counts, write);
  else await writeTextReport(store.db, runId, counts, write);
}

async function explainUnfinished(store: BatchStore, runId: string, counts: Counts): Promise<void> {
  if (counts.deferred) {
    const at = await nextDeferred(store.db, runId);
    process.stderr.write(`wxplugin batch: ${counts.deferred} deferred by their daily quota (45009) until ${at?.toISOString() ?? 'the reset'}: run \`${RUN} batch resume ${runId}\` after then, or keep \`${RUN} worker\` running\n`);
  }
  if (counts.pending) process.stderr.write(`wxplugin batch: ${counts.pending} not finished: \`${RUN} batch resume ${runId}\` carries on\n`);
}

async function startRun(operation: AnyOperation, args: readonly string[]): Promise<number> {
  const tool: Tool = { name: `wxplugin batch ${operation.action}`, help: `${RUN} batch --help` };
  const values = parseWith(tool, operationOptions(operation), args);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return 0;
  }
  const request = readRequest(tool, operation, values);
  if ((values.all === true) === (typeof values.authorizers === 'string')) usageError(tool, 'say which authorisers: --all, or --authorizers FILE (one appid per line)');
  const rate = readRate(tool, values.rate);
  const jobTimeout = wholeNumber(tool, 'job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_S, 10, 3600);
  const file = typeof values.authorizers === 'string' ? await checkAuthorizerFile(tool, values.authorizers) : undefined;
  const { timeoutMs, credentials, where } = readWorkSettings(tool, values);
  return withStore(tool, where, async (store) => {
    const context = { store, credentials, timeoutMs };
    await keepTicket(context);
    const spec = { id: newRunId(new Date()), component: credentials.componentAppid, operation: operation.name, request, source: file ? ('file' as const) : ('all' as const), ...(file ? { sourceFile: file } : {}), rate, jobTimeout };
    await createRun(store.db, store.boss, spec);
    const run = (await readRun(store.db, spec.id))!;
    process.stderr.write(`wxplugin batch: run ${run.id}: ${operation.name} for ${file ? `the authorisers in ${values.authorizers}` : 'every authoriser'}, at most ${rate} calls/s\n`);
    const pages = file ? authorizerFilePages(file) : listedPages(componentFor(context, rate));
    return finishRun(context, run, pages, values);
  });
}

/** The ticket given in the environment is kept in the store, where every worker finds it. */
async function keepTicket(context: Context): Promise<void> {
  const ticket = context.credentials.verifyTicket;
  if (typeof ticket === 'string') await sqlComponentStore(context.store.db, context.credentials.componentAppid).writeTicket(ticket);
}

/** `resume [RUN]` and `status [RUN]`: an optional run id first, then options. */
function splitRunId(args: readonly string[]): [string | undefined, string[]] {
  return args[0] !== undefined && !args[0].startsWith('-') ? [args[0], args.slice(1)] : [undefined, [...args]];
}

async function findRun(tool: Tool, store: BatchStore, id: string | undefined): Promise<RunRecord> {
  const run = id ? await readRun(store.db, id) : await latestRun(store.db);
  if (!run) usageError(tool, id ? `no run ${id} in this store` : 'this store holds no run yet');
  return run;
}

async function resume(args: readonly string[]): Promise<number> {
  const tool: Tool = { name: 'wxplugin batch resume', help: `${RUN} batch --help` };
  const [id, rest] = splitRunId(args);
  const values = parseWith(tool, { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...STORE_OPTIONS, ...WORK_OPTIONS }, rest);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return 0;
  }
  const { timeoutMs, credentials, where } = readWorkSettings(tool, values);
  return withStore(tool, where, async (store) => {
    const run = await findRun(tool, store, id);
    if (run.component !== credentials.componentAppid) usageError(tool, `run ${run.id} belongs to the platform ${run.component}, not WECHAT_COMPONENT_APPID's`);
    const context = { store, credentials, timeoutMs };
    await keepTicket(context);
    // Anything a crash left without a job gets one again; the claim keeps each authoriser to one call.
    await requeuePending(store.db, store.boss, run);
    const pages = run.listed ? undefined : run.source === 'file' ? authorizerFilePages(run.sourceFile!) : listedPages(componentFor(context, run.rate));
    process.stderr.write(`wxplugin batch: resuming run ${run.id}\n`);
    return finishRun(context, run, pages, values);
  });
}

async function status(args: readonly string[]): Promise<number> {
  const tool: Tool = { name: 'wxplugin batch status', help: `${RUN} batch --help` };
  const [id, rest] = splitRunId(args);
  const values = parseWith(tool, { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...STORE_OPTIONS }, rest);
  if (values.help) {
    process.stdout.write(BATCH_HELP);
    return 0;
  }
  const where = readWhere(tool, values);
  return withStore(tool, where, async (store) => {
    const run = await findRun(tool, store, id);
    const counts = await countRun(store.db, run.id);
    const [live, deferredUntil] = [await liveJobs(store.db, run.id), await nextDeferred(store.db, run.id)];
    if (values.json === true) {
      const extra = { operation: run.operation, listed: run.listed, jobs: live, ...(deferredUntil ? { deferredUntil: deferredUntil.toISOString() } : {}) };
      process.stdout.write(`${JSON.stringify({ ...JSON.parse(summaryLine(run.id, counts)), pending: counts.pending, ...extra })}\n`);
    } else {
      process.stdout.write(
        [
          `run ${run.id}: ${run.operation} ${JSON.stringify(run.request)}, started ${run.createdAt.toISOString()}, at most ${run.rate} calls/s`,
          countsText(counts),
          `${run.listed ? 'every authoriser enqueued' : 'not every authoriser enqueued yet'}; ${live} job(s) queued or running${deferredUntil ? `; deferred until ${deferredUntil.toISOString()}` : ''}`,
          '',
        ].join('\n'),
      );
    }
    return exitCodeOf(counts);
  });
}

async function worker(args: readonly string[]): Promise<number> {
  const values = parseWith(WORKER_TOOL, { 'exit-when-idle': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...STORE_OPTIONS, ...WORK_OPTIONS }, args);
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  const { timeoutMs, credentials, where } = readWorkSettings(WORKER_TOOL, values);
  return withStore(WORKER_TOOL, where, async (store) => {
    const context = { store, credentials, timeoutMs };
    await keepTicket(context);
    await ensureRateRow(store.db, `component:${credentials.componentAppid}`);
    let stopping = false;
    const stop = () => (stopping ? process.exit(EXIT_UNFINISHED) : (stopping = true));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const components = new Map<number, BatchComponent>();
    while (!stopping) {
      const runs = (await openRuns(store.db)).filter((run) => run.component === credentials.componentAppid);
      let taken = 0;
      for (const run of runs) {
        if (stopping) break;
        if (!components.has(run.rate)) components.set(run.rate, componentFor(context, run.rate));
        const concurrency = wholeNumber(WORKER_TOOL, 'concurrency', values.concurrency, defaultConcurrency(run.rate), 1, 1000);
        taken += await workRun({
          db: store.db,
          boss: store.boss,
          run,
          component: components.get(run.rate)!,
          alreadyHolds: operationOf(run.operation)?.alreadyHolds ?? [],
          concurrency,
          shouldStop: () => stopping,
          onError: (error) => process.stderr.write(`wxplugin worker: the store failed while recording (the job will run again): ${(error as Error).message}\n`),
        });
      }
      if (runs.length === 0 && values['exit-when-idle'] === true) break;
      if (taken === 0) await new Promise((resolve) => setTimeout(resolve, runs.length ? 250 : 1000));
    }
    process.stderr.write(`wxplugin worker: stopped${stopping ? '' : ': no run has work left'}\n`);
    return 0;
  });
}

/** Entry from wxplugin: `batch ...` or `worker ...`; resolves with the exit status. */
export async function batchMain(command: 'batch' | 'worker', args: readonly string[]): Promise<number> {
  requireNode20(command === 'worker' ? WORKER_TOOL : BATCH_TOOL);
  if (command === 'worker') return worker(args);
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    process.stdout.write(BATCH_HELP);
    return sub === undefined ? EXIT_BAD_ARGUMENTS : 0;
  }
  if (sub === 'resume') return resume(rest);
  if (sub === 'status') return status(rest);
  const operation = MINI_PROGRAM_OPERATIONS.find((candidate) => candidate.action === sub) as AnyOperation | undefined;
  if (!operation) usageError(BATCH_TOOL, `unknown batch command ${JSON.stringify(sub)}: one of ${MINI_PROGRAM_OPERATIONS.map((candidate) => candidate.action).join(', ')}, resume, status`);
  return startRun(operation, rest);
}
