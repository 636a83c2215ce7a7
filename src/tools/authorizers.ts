/**
 * `wxplugin authorizers`: the mini-programs that authorised the third-party platform, each with
 * whether it granted plugin management (permission set 40, without which every plugin call answers
 * 61007). Lists with api_get_authorizer_list a page at a time and asks api_get_authorizer_info for
 * each, printing as it goes (a table on a terminal, JSON lines otherwise), so 100,000 authorisers
 * never sit in memory. Exit status: 0 when every authoriser was listed and read, 1 when WeChat
 * refused something, 2 for bad arguments or configuration (nothing sent).
 */
import { statSync } from 'node:fs';
import { createComponentClient, type AuthorizerInfo, type ListedAuthorizer } from '../component/client';
import { fileStore } from '../component/file-store';
import { commandTokenSource } from '../component/token-command';
import type { ComponentTokenSource } from '../component/token-source';
import { DEFAULT_RATE, reserveFrom, SharedLimiter, slotSpacingMs } from '../batch/limiter';
import { MAX_RATE } from '../batch/limits';
import { parseOptions, readBaseUrlVariable, usageError, type Tool } from './cli';
import { localDate } from './tables';
import { forTerminal, jsonForTerminal } from './terminal';

export const COMPONENT_ENVIRONMENT = `Environment:
  WECHAT_COMPONENT_APPID           the third-party platform's appid
  WECHAT_COMPONENT_SECRET          its secret (component_appsecret); not needed with a token command
  WECHAT_COMPONENT_VERIFY_TICKET   the latest component_verify_ticket WeChat pushed, or @FILE: a file
                                   holding it (read whenever a component token is fetched); not
                                   needed with a token command
  WXPLUGIN_TOKEN_COMMAND           as --token-command CMD: the platform's own token server; CMD runs
                                   through the shell with "component" or "authorizer APPID" appended
                                   and prints {"access_token":"…","expires_in":7200}
  WECHAT_API_BASE_URL              default https://api.weixin.qq.com`;

/** The flag every command acting through the component takes for the platform's own token server. */
export const TOKEN_COMMAND_OPTION = { 'token-command': { type: 'string' } } as const;
export const TOKEN_COMMAND_VARIABLE = 'WXPLUGIN_TOKEN_COMMAND';

/** How many api_get_authorizer_info requests are in flight at once. */
const INFO_CONCURRENCY = 8;

export function authorizersHelp(run: string): string {
  return [
    `Usage: ${run} authorizers [options]`,
    '',
    'The mini-programs that authorised the third-party platform, and whether each granted plugin',
    'management (permission set 40): api_get_authorizer_list, then api_get_authorizer_info for each.',
    'Their refresh tokens are kept in the token store (with --token-store, on disk).',
    '',
    'Options:',
    '  --token-store DIR   keep tokens in DIR (a file store shared with other runs; default: memory)',
    '  --token-command CMD the platform\'s own token server (see WXPLUGIN_TOKEN_COMMAND below)',
    `  --rate N            requests per second to WeChat (default ${DEFAULT_RATE})`,
    '  --json              JSON lines even on a terminal: one per authoriser, then a summary',
    '  -h, --help          this text',
    '',
    COMPONENT_ENVIRONMENT,
    '',
  ].join('\n');
}

const environmentValue = (name: string): string | undefined => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);

/**
 * The platform's own token server, from `--token-command CMD` (its parsed value) or
 * WXPLUGIN_TOKEN_COMMAND, the flag first; undefined when neither is set. Every command acting through
 * the component reads it here, so they agree.
 */
export function readTokenCommand(tool: Tool, flag: string | boolean | undefined): ComponentTokenSource | undefined {
  if (flag !== undefined && (typeof flag !== 'string' || flag.trim() === '')) usageError(tool, '--token-command needs a command (it runs through the shell with "component" or "authorizer APPID" appended)');
  const command = typeof flag === 'string' ? flag.trim() : environmentValue(TOKEN_COMMAND_VARIABLE);
  return command ? commandTokenSource(command) : undefined;
}

/** WECHAT_COMPONENT_VERIFY_TICKET=@FILE names a file that must be there: checked now, not at the first token fetch. */
function ticketFile(tool: Tool, file: string): { file: string } {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // Missing or unreadable: said below.
  }
  if (!isFile) usageError(tool, `WECHAT_COMPONENT_VERIFY_TICKET=@FILE names ${JSON.stringify(file.slice(0, 200))}, which is not a readable file: write the ticket WeChat pushed there, or give the ticket itself`);
  return { file };
}

/**
 * The component's credentials from the environment (and the token command from `values`); a
 * missing one is a usage error. With a token command only the appid is needed.
 */
export function readComponentEnvironment(tool: Tool, values: { readonly 'token-command'?: string | boolean | undefined } = {}) {
  const baseUrl = readBaseUrlVariable(tool);
  const tokens = readTokenCommand(tool, values['token-command']);
  const needed = tokens ? ['WECHAT_COMPONENT_APPID'] : ['WECHAT_COMPONENT_APPID', 'WECHAT_COMPONENT_SECRET', 'WECHAT_COMPONENT_VERIFY_TICKET'];
  const missing = needed.filter((name) => !environmentValue(name));
  if (missing.length) usageError(tool, `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: the third-party platform's credentials are needed${tokens ? '' : ' (or WECHAT_COMPONENT_APPID and a token command)'}`);
  const ticket = tokens ? undefined : environmentValue('WECHAT_COMPONENT_VERIFY_TICKET')!;
  if (ticket === '@') usageError(tool, 'WECHAT_COMPONENT_VERIFY_TICKET=@ names no file: write @FILE');
  return {
    componentAppid: environmentValue('WECHAT_COMPONENT_APPID')!,
    ...(tokens ? { tokens } : { componentSecret: environmentValue('WECHAT_COMPONENT_SECRET')!, verifyTicket: ticket!.startsWith('@') ? ticketFile(tool, ticket!.slice(1)) : ticket! }),
    baseUrl,
  };
}

/** `--rate N`, read as the batch commands read theirs. */
function listingRate(tool: Tool, raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_RATE;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_RATE)) usageError(tool, `--rate takes requests per second, from 1 to ${MAX_RATE}`);
  return value;
}

type Row = ListedAuthorizer & Partial<AuthorizerInfo>;

function tableLine(row: Row): string {
  const granted = row.errCode === 0 ? (row.pluginManagement ? 'yes' : 'no (61007)') : `? ${row.errCode}`;
  return `${row.authorizerAppid}  ${granted.padEnd(10)}  ${localDate(row.authTime)}  ${forTerminal(String(row.nickName ?? ''))}`;
}

/** `items` through `work`, at most `limit` at once, results in the items' order. */
async function inOrder<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function runAuthorizers(run: string, args: readonly string[]): Promise<void> {
  const tool: Tool = { name: 'wxplugin authorizers', help: `${run} authorizers --help` };
  const values = parseOptions(tool, { 'token-store': { type: 'string' }, ...TOKEN_COMMAND_OPTION, rate: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, args);
  if (values.help) {
    process.stdout.write(authorizersHelp(run));
    return;
  }
  if (values['token-store'] !== undefined && values['token-store'].trim() === '') usageError(tool, '--token-store needs a folder');
  const rate = listingRate(tool, values.rate);
  const credentials = readComponentEnvironment(tool, values);
  // Listing and reading each authoriser are requests like any other: bounded by the rate.
  const limiter = new SharedLimiter(async (count) => {
    const reserved = reserveFrom(nextSlot, Date.now(), count, slotSpacingMs(rate));
    nextSlot = reserved.nextAt;
    return reserved.reservation;
  }, INFO_CONCURRENCY);
  let nextSlot = 0;
  const client = createComponentClient({ ...credentials, beforeRequest: () => limiter.take(), ...(values['token-store'] ? { store: fileStore(values['token-store']) } : {}) });
  const asJson = values.json === true || !process.stdout.isTTY;
  const summary = { total: 0, pluginManagement: 0, withoutPluginManagement: 0, failed: 0, errCode: 0 };
  if (!asJson) process.stdout.write('appid               set 40      authorised at     nickname\n');
  for await (const page of client.listAuthorizers()) {
    if (page.errCode !== 0) {
      summary.errCode = page.errCode;
      process.stderr.write(`wxplugin authorizers: ${page.errMsg}\n`);
      break;
    }
    const rows = await inOrder(page.authorizers, INFO_CONCURRENCY, async (listed): Promise<Row> => ({ ...(await client.getAuthorizerInfo(listed.authorizerAppid)), ...listed }));
    for (const row of rows) {
      summary.total += 1;
      if (row.errCode !== 0) summary.failed += 1;
      else if (row.pluginManagement) summary.pluginManagement += 1;
      else summary.withoutPluginManagement += 1;
      process.stdout.write(asJson ? `${jsonForTerminal(row)}\n` : `${tableLine(row)}\n`);
    }
  }
  process.stdout.write(asJson ? `${jsonForTerminal(summary)}\n` : `${summary.total} authoriser(s): ${summary.pluginManagement} with plugin management, ${summary.withoutPluginManagement} without, ${summary.failed} not read\n`);
  process.exitCode = summary.errCode === 0 && summary.failed === 0 ? 0 : 1;
}
