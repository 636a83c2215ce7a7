/**
 * `wxplugin dashboard [--store DIR] [--port P] [--host H]`: the batch runs of a store in a browser,
 * and the same steering as the command line (retry, cancel, resume with a rate), both through the
 * batch library. Prints one line, the address with this start's token, and serves until SIGINT or
 * SIGTERM (exit 0). Loaded only by this command.
 */
import { openBatch } from '../batch/api';
import type { BatchOptions } from '../batch/api-types';
import { readCredentials, readWhere, requireBatchNode, STORE_OPTIONS, wholeNumber, parseWith } from '../tools/batch-options';
import { redact } from '../core/redact';
import { usageError, type Tool } from '../tools/cli';
import { forTerminal } from '../tools/terminal';
import { Drives } from './drives';
import { pageFiles } from './page-files';
import { reopeningBatch } from './reopening-batch';
import { createDashboardServer } from './server';
import { ThroughputMeter } from './throughput';

export const DEFAULT_PORT = 8420;
const LOOPBACK = '127.0.0.1';

const help = (run: string) => `Usage: ${run} dashboard [--store DIR] [--port P] [--host H]

The batch runs of a store in a browser: each run's progress, its outcomes by code with what each
means and what to do, the authorisers that did not succeed (searchable, as CSV), and the actions
retry, cancel and resume with a rate, the same as \`${run} batch retry|cancel|resume\`.

Prints one line, http://127.0.0.1:P/?token=T (T is new at every start): open it in a browser on
this machine. Scripts send \`Authorization: Bearer T\` to the JSON API (docs/third-party.md).
Serves until Ctrl-C or SIGTERM. It never creates a store.

Options:
  --store DIR   the embedded store's folder (default ./.wxplugin); or set DATABASE_URL
  --port P      the port to listen on, 0 for any free one (default ${DEFAULT_PORT})
  --host H      the address to listen on (default 127.0.0.1, this machine only)
  -h, --help    this text

Retry and resume call WeChat: they need WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET and
WECHAT_COMPONENT_VERIFY_TICKET, as \`${run} batch\` does. Without them the page shows runs and
cancels, and says what to set when asked to retry or resume.
`;

/** The platform's credentials when any is set (then all must be); none: a dashboard that only reads and cancels. */
function credentialsIfSet(tool: Tool): Partial<BatchOptions> {
  const names = ['WECHAT_COMPONENT_APPID', 'WECHAT_COMPONENT_SECRET', 'WECHAT_COMPONENT_VERIFY_TICKET'];
  return names.some((name) => process.env[name]?.trim()) ? readCredentials(tool) : {};
}

export async function dashboardMain(run: string, args: readonly string[]): Promise<number> {
  const tool: Tool = { name: 'wxplugin dashboard', help: `${run} dashboard --help` };
  requireBatchNode(tool);
  const values = parseWith(tool, { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false }, ...STORE_OPTIONS }, args);
  if (values.help) {
    process.stdout.write(help(run));
    return 0;
  }
  const port = wholeNumber(tool, 'port', values.port, DEFAULT_PORT, 0, 65535);
  const host = typeof values.host === 'string' ? values.host.trim() : LOOPBACK;
  if (host === '') usageError(tool, '--host takes an address to listen on, such as 127.0.0.1');
  const where = readWhere(tool, values);
  const credentials = credentialsIfSet(tool);

  const store = where.databaseUrl ? { databaseUrl: where.databaseUrl } : { dir: where.dir };
  const warn = (line: string) => process.stderr.write(`wxplugin dashboard: ${forTerminal(redact(line))}\n`);
  const drives = new Drives(warn);
  // existing: the dashboard never creates a store; a folder or database without one is said at once.
  const batch = reopeningBatch(() => openBatch({ componentAppid: '', componentSecret: '', ...credentials, store: { ...store, existing: true } } as BatchOptions), () => drives.busy());
  // Read once before serving: a store that cannot be read is said now, not on the page.
  const first = await batch.runs();
  if (first.errCode !== 0) {
    await batch.close();
    const message = first.errMsg.replace(/^[\w.]+:fail /, '');
    if (first.attempts === 0) usageError(tool, message);
    process.stderr.write(`${tool.name}: ${forTerminal(message)}\n`);
    return 1;
  }

  const dashboard = createDashboardServer({ batch, meter: new ThroughputMeter(), drives, withoutCredentials: Object.keys(credentials).length === 0 }, pageFiles(), warn);
  let listening;
  try {
    listening = await dashboard.listen(port, host);
  } catch (error) {
    await batch.close();
    const code = (error as NodeJS.ErrnoException).code;
    usageError(tool, code === 'EADDRINUSE' ? `port ${port} is in use: pass another with --port, or 0 for any free one` : `cannot listen on ${forTerminal(host)}:${port} (${code ?? 'error'}): pass another --host or --port`);
  }
  if (host !== LOOPBACK) warn(`listening on ${host}, not only on this machine: whoever reaches it with the token can steer runs, over plain http`);
  const shown = host === '0.0.0.0' || host === '::' || host === LOOPBACK ? LOOPBACK : host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`http://${shown}:${listening.port}/?token=${listening.access.token}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await dashboard.close();
  await drives.stop();
  await batch.close();
  return 0;
}
